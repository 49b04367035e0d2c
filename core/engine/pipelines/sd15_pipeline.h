#pragma once
// Stable Diffusion 1.x: CLIP-L text encoder, UNet2DCondition, AutoencoderKL (4 channels),
// text-to-image and image-to-image in the order of operations of diffusers v0.31's
// StableDiffusionPipeline / StableDiffusionImg2ImgPipeline, so seeds reproduce its images.

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/generation.h"
#include "engine/lora/lora_patcher.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/models/clip_text.h"
#include "engine/models/taesd.h"
#include "engine/models/unet2d_condition.h"
#include "engine/pipelines/loaded_pipeline.h"
#include "engine/pipelines/memory_plan.h"
#include "engine/pipelines/pipeline_stages.h"
#include "engine/tokenizers/clip_tokenizer.h"

namespace archival::engine {

using Sd15Trace = PipelineTrace;

class Sd15Pipeline : public LoadedPipeline {
  public:
    // A diffusers folder (model_index.json) or an original-layout single .safetensors file.
    static std::unique_ptr<Sd15Pipeline> open(const std::string& path,
                                              const PipelineOptions& options);

    GenerationResult generate(const GenerationRequest& request,
                              const GenerationHooks& hooks) override;
    GenerationResult generate(const GenerationRequest& request, const GenerationHooks& hooks,
                              const Sd15Trace& trace);

    Family family() const override { return Family::Sd15; }
    std::vector<ResidentComponent> residentComponents() const override;

    const ClipTokenizer& tokenizer() const { return *tokenizer_; }
    // Where the components live (decided at open from the memory budget; on the CPU nothing
    // moves: the whole model is ~4 GB in fp32).
    const MemoryPlan& memoryPlan() const { return plan_; }

  private:
    Sd15Pipeline() = default;
    // With `encoder`: the loaded text encoder, or its copy on the device for the stage.
    at::Tensor encodePrompt(const ClipTextModel& encoder, const std::string& text, int batch,
                            int clipSkip, GenerationResult* result, bool isNegative) const;
    void applyLoras(const std::vector<LoraRequest>& loras, LoraPatcher& patcher,
                    GenerationResult& result);

    std::optional<ClipTokenizer> tokenizer_;
    std::optional<ClipTextModel> textEncoder_;
    std::optional<UNet2DCondition> unet_;
    std::optional<AutoencoderKL> vae_;
    std::optional<TaesdDecoder> taesd_;
    nlohmann::json schedulerConfig_;
    std::string defaultSampler_;
    std::map<std::string, at::Tensor> unetParameters_, textParameters_;
    std::map<std::string, at::Tensor> vaeParameters_;  // in host memory, when it is offloaded
    std::uint64_t vaeBytes_ = 0;
    MemoryPlan plan_;
    std::function<std::vector<std::string>(const std::string&)> unetLdmNames_;
};

}  // namespace archival::engine
