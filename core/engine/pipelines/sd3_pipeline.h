#pragma once
// Stable Diffusion 3 / 3.5: CLIP-L and OpenCLIP bigG (with projections), T5 v1.1 XXL
// (optional: zeros in its place, as the reference allows), the MMDiT transformer, the
// 16-channel AutoencoderKL and flow-matching Euler, in the order of operations of
// diffusers v0.31's StableDiffusion3Pipeline / StableDiffusion3Img2ImgPipeline.

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/generation.h"
#include "engine/lora/lora_patcher.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/models/clip_text.h"
#include "engine/models/sd3_transformer.h"
#include "engine/models/t5_encoder.h"
#include "engine/models/taesd.h"
#include "engine/pipelines/loaded_pipeline.h"
#include "engine/pipelines/memory_plan.h"
#include "engine/pipelines/pipeline_stages.h"
#include "engine/tokenizers/clip_tokenizer.h"
#include "engine/tokenizers/t5_tokenizer.h"

namespace archival::engine {

using Sd3Trace = PipelineTrace;

// SD3's text conditioning for one prompt (batch of one).
struct Sd3PromptEmbeds {
    at::Tensor embeds;  // [1, 77 + T5 length, joint_attention_dim]
    at::Tensor pooled;  // [1, CLIP-L projection + CLIP-G projection]
};

class Sd3Pipeline : public LoadedPipeline {
  public:
    static std::unique_ptr<Sd3Pipeline> open(const std::string& folder,
                                             const PipelineOptions& options);

    GenerationResult generate(const GenerationRequest& request,
                              const GenerationHooks& hooks) override;
    GenerationResult generate(const GenerationRequest& request, const GenerationHooks& hooks,
                              const Sd3Trace& trace);

    // encode_prompt of the reference for one text: penultimate CLIP-L ‖ CLIP-G states,
    // zero-padded to the T5 width, then the T5 states (or zeros) on the sequence axis.
    Sd3PromptEmbeds encodePrompt(const std::string& text, GenerationResult* result, bool isNegative,
                                 const Sd3Trace& trace = {}) const;

    Family family() const override { return Family::Sd3; }
    std::vector<ResidentComponent> residentComponents() const override;
    bool hasT5() const { return !textEncoderT5_.empty(); }
    // Where the components live (decided at open from the memory budget).
    const MemoryPlan& memoryPlan() const { return plan_; }

  private:
    Sd3Pipeline() = default;
    void applyLoras(const std::vector<LoraRequest>& loras, LoraPatcher& patcher,
                    GenerationResult& result);
    // Loads CLIP-L, CLIP-G and (when wanted and present) T5; again after a release.
    void loadTextEncoders();
    void releaseTextEncoders();
    // Rebuilds the text encoders from their weights on `where`: the device for encoding,
    // the host again afterwards, when the plan offloads them (and moves them over: one whose
    // stage runs on the host stays there).
    void placeTextEncoders(at::Device where);

    at::ScalarType t5Dtype_ = at::kFloat;
    int t5Length_ = 256;
    std::optional<ClipTokenizer> tokenizerL_, tokenizerG_;
    std::optional<T5Tokenizer> tokenizerT5_;
    std::optional<ClipTextModel> clipL_, clipG_;
    std::unique_ptr<T5Encoder> t5_;
    std::optional<SD3Transformer> transformer_;
    std::optional<AutoencoderKL> vae_;
    std::optional<TaesdDecoder> taesd_;
    nlohmann::json schedulerConfig_;
    std::map<std::string, at::Tensor> transformerParameters_, clipLParameters_, clipGParameters_,
        t5Parameters_;
    std::map<std::string, at::Tensor> vaeParameters_;  // in host memory, when it is offloaded
    std::string textEncoderL_, textEncoderG_, textEncoderT5_;  // folders, for reloading
    MemoryPlan plan_;
    std::uint64_t vaeBytes_ = 0;
};

}  // namespace archival::engine
