#pragma once
// CLIP text encoder in the transformers layout: `CLIPTextModel` (SD 1.5 `text_encoder`) and
// `CLIPTextModelWithProjection` (SD3 `text_encoder` = ViT-L/14, `text_encoder_2` = OpenCLIP
// bigG converted to the HF layout). Pre-LN transformer with a causal mask:
//   x = token_embedding[ids] + position_embedding[0..S)
//   per layer: x += out_proj(attn(layer_norm1(x)));  x += fc2(act(fc1(layer_norm2(x))))
//   last_hidden_state = final_layer_norm(x)
// Parameter names are the checkpoint's (`text_model.encoder.layers.0.self_attn.q_proj.weight`),
// so a downloaded folder loads as is.

#include <ATen/ATen.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"
#include "engine/nn/layers.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

struct ClipTextConfig {
    enum class Activation { QuickGelu, Gelu, GeluTanh };

    // Defaults are transformers' CLIPTextConfig defaults, used where config.json omits a key.
    std::int64_t vocabSize = 49408;
    std::int64_t hiddenSize = 512;
    std::int64_t intermediateSize = 2048;
    std::int64_t projectionDim = 512;
    std::int64_t numLayers = 12;
    std::int64_t numHeads = 8;
    std::int64_t maxPositions = 77;
    Activation activation = Activation::QuickGelu;
    double layerNormEps = 1e-5;
    // Pooling: eos_token_id == 2 selects the legacy rule argmax(input_ids) (the highest id,
    // i.e. the first 49407); otherwise the first position holding eos_token_id.
    std::int64_t eosTokenId = 49407;
    // CLIPTextModelWithProjection: a bias-free `text_projection` [projection_dim, hidden].
    bool withProjection = false;

    // Reads a transformers config.json. `architectures` must name CLIPTextModel or
    // CLIPTextModelWithProjection: a strict loader has to know whether `text_projection`
    // belongs to the file. Throws EngineError(ModelLoad) naming the file and the key.
    static ClipTextConfig fromFile(const std::string& configJson);
    static ClipTextConfig fromJson(const nlohmann::json& config, const std::string& origin);
    // OpenAI CLIP ViT-L/14 text tower as SD 1.5 ships it (`text_encoder/config.json` of
    // runwayml/stable-diffusion-v1-5): for single-file checkpoints, which carry no config.
    static ClipTextConfig sd15ViTL14();

    std::int64_t headDim() const { return hiddenSize / numHeads; }
};

class ClipTextModel {
  public:
    struct Layer {
        nn::LayerNorm layerNorm1, layerNorm2;
        nn::Linear qProj, kProj, vProj, outProj;
        nn::Linear fc1, fc2;
    };

    struct Output {
        at::Tensor lastHidden;   // [B, S, H] final_layer_norm(last layer) = last_hidden_state
        at::Tensor penultimate;  // [B, S, H] hidden_states[-2], raw (no final LN): what SD3 uses
        at::Tensor clipSkipped;  // [B, S, H] final_layer_norm(hidden_states[-(clipSkip+1)]):
                                 //           SD 1.5 prompt_embeds (== lastHidden at clipSkip 0)
        at::Tensor pooled;       // [B, H]    lastHidden at the EOS position
        at::Tensor textEmbeds;   // [B, P]    text_projection(pooled); undefined without it
        at::Tensor eosIndex;     // [B] I64   the pooling positions
        // hidden_states: embeddings, then every layer's raw output (L + 1 entries); filled
        // only when asked for.
        std::vector<at::Tensor> hiddenStates;
    };

    // Asks `scope` for every parameter by its checkpoint name (the scope's prefix is the
    // model's root, e.g. "" for a text_encoder folder).
    ClipTextModel(const ClipTextConfig& config, const Scope& scope);

    // `ids`: [B, S] integer token ids, S <= maxPositions (77 for every real model). No
    // attention mask: SD 1.5 and SD3 let padding take part, as the reference does.
    // `clipSkip` counts layers from the end (0 = last; SD 1.5's "clip skip 2" is 1 here,
    // as diffusers' clip_skip). Throws EngineError(InvalidRequest) for bad ids or clipSkip.
    Output forward(const at::Tensor& ids, int clipSkip = 0, bool keepHiddenStates = false) const;

    const ClipTextConfig& config() const { return config_; }
    bool hasProjection() const { return config_.withProjection; }
    at::ScalarType dtype() const { return tokenEmbedding_.scalar_type(); }
    at::Device device() const { return tokenEmbedding_.device(); }

  private:
    at::Tensor runLayer(const Layer& layer, const at::Tensor& x, const at::Tensor& mask) const;
    at::Tensor activate(const at::Tensor& x) const;

    ClipTextConfig config_;
    at::Tensor tokenEmbedding_, positionEmbedding_;
    std::vector<Layer> layers_;
    nn::LayerNorm finalLayerNorm_;
    nn::Linear textProjection_;
};

// Where the text encoder lives inside the original single-file SD 1.5 checkpoint
// (`cond_stage_model.transformer.text_model.*`, the HF names under a prefix).
inline constexpr const char* kSd15SingleFileTextEncoderPrefix = "cond_stage_model.transformer.";

// Loads a text encoder folder (config.json + model.safetensors / model.fp16.safetensors or a
// sharded index) strictly: every missing, unexpected or mis-shaped tensor is named. The
// legacy `text_model.embeddings.position_ids` buffer is accepted and ignored.
ClipTextModel loadClipText(const std::string& folder, at::ScalarType dtype, at::Device device);

// Loads from an open checkpoint whose text-encoder tensors sit under `prefix` (e.g.
// kSd15SingleFileTextEncoderPrefix); tensors outside the prefix are not looked at.
// `parameters`, when given, receives every loaded weight by name (for LoRA merging).
ClipTextModel loadClipText(const Checkpoint& checkpoint, const ClipTextConfig& config,
                           at::ScalarType dtype, at::Device device, const std::string& prefix = {},
                           std::map<std::string, at::Tensor>* parameters = nullptr);

}  // namespace archival::engine
