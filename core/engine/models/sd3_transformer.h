#pragma once
// SD3 / SD3.5 MMDiT: diffusers v0.31.0 SD3Transformer2DModel, in its three published shapes:
//   SD3.5 Large   qk_norm "rms_norm", 38 layers of width 2432
//   SD3 Medium    no qk norm, 24 layers of width 1536
//   SD3.5 Medium  MMDiT-X: qk norm, and a second (image-only) attention in the layers listed
//                 in dual_attention_layers
// Tensor names are the diffusers ones (`transformer/diffusion_pytorch_model*.safetensors`).

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/models/mmdit_blocks.h"
#include "engine/nn/layers.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

// `transformer/config.json`. Defaults are diffusers v0.31.0's SD3Transformer2DModel
// __init__ defaults (the SD3 Medium-like shape), used where a key is absent.
struct SD3TransformerConfig {
    std::int64_t sampleSize = 128;
    std::int64_t patchSize = 2;
    std::int64_t inChannels = 16;
    std::int64_t numLayers = 18;
    std::int64_t attentionHeadDim = 64;
    std::int64_t numAttentionHeads = 18;
    std::int64_t jointAttentionDim = 4096;
    std::int64_t captionProjectionDim = 1152;
    std::int64_t pooledProjectionDim = 2048;
    std::int64_t outChannels = 16;
    std::int64_t posEmbedMaxSize = 96;
    std::vector<std::int64_t> dualAttentionLayers;
    std::string qkNorm;  // "" (none) or "rms_norm"

    // Width of the token streams: num_attention_heads * attention_head_dim.
    std::int64_t innerDim() const { return numAttentionHeads * attentionHeadDim; }
    bool isDualAttentionLayer(std::int64_t layer) const;

    // Throws EngineError(ModelLoad) naming `source` and the key when a value has the wrong
    // type, is out of range, or describes a model this code cannot run.
    static SD3TransformerConfig fromJson(const nlohmann::json& json,
                                         const std::string& source = "config");
    static SD3TransformerConfig fromFile(const std::string& configPath);
    void validate(const std::string& source = "config") const;
};

// Optional per-call extras of SD3Transformer::forward.
struct SD3TransformerHooks {
    // Called before every joint block; may throw (EngineError(Interrupted) to cancel).
    // One SD3.5 Large block takes seconds on a CPU, so a step is not the finest grain.
    std::function<void()> beforeBlock;
    // When set, receives module outputs keyed by diffusers module path, as in the
    // fixtures' *_intermediates files: pos_embed, time_text_embed, context_embedder,
    // transformer_blocks.<i>.0 (text) / .1 (image), norm_out, proj_out.
    std::map<std::string, at::Tensor>* intermediates = nullptr;
};

class SD3Transformer {
  public:
    using Hooks = SD3TransformerHooks;

    // Builds the model, asking `scope` for every parameter by its diffusers name. The config
    // is validated first (EngineError(ModelLoad)).
    SD3Transformer(const SD3TransformerConfig& config, const Scope& scope);

    // hiddenStates: latents [B, in_channels, H, W] (H, W multiples of patch_size, grid within
    // pos_embed_max_size); encoderHiddenStates: [B, T, joint_attention_dim];
    // pooledProjections: [B, pooled_projection_dim]; timestep: [B] or one value, already
    // sigma * 1000 (any numeric dtype; used as float32). Inputs are moved to the model's
    // device and dtype. Returns [B, out_channels, H, W] in the model's dtype.
    // Bad shapes throw EngineError(InvalidRequest).
    at::Tensor forward(const at::Tensor& hiddenStates, const at::Tensor& encoderHiddenStates,
                       const at::Tensor& pooledProjections, const at::Tensor& timestep,
                       const Hooks& hooks = {}) const;

    const SD3TransformerConfig& config() const { return config_; }
    at::ScalarType dtype() const;
    at::Device device() const;
    // Every parameter by its name within the model (no scope prefix), sharing storage with
    // the model: LoRA merges write into these in place.
    const std::map<std::string, at::Tensor>& parameters() const { return parameters_; }

    // Throws EngineError(InvalidRequest) unless a latent of this size can be run; the
    // message names the largest size that can.
    void checkLatentSize(std::int64_t height, std::int64_t width) const;

  private:
    SD3TransformerConfig config_;
    mmdit::PatchEmbed posEmbed_;
    mmdit::TimestepTextEmbedding timeTextEmbed_;
    nn::Linear contextEmbedder_;
    std::vector<mmdit::JointTransformerBlock> blocks_;
    mmdit::AdaLayerNormContinuous normOut_;
    nn::Linear projOut_;
    std::map<std::string, at::Tensor> parameters_;
};

// Loads `transformer/` (config.json + diffusion_pytorch_model.safetensors, or shards with
// their .index.json, as the SD3.5 Large download has) strictly: every missing, unexpected
// or mis-shaped tensor is named in one EngineError(ModelLoad). Weights stored in another
// float dtype (BF16/F16 on the Hub) are cast to `dtype` on `device`. `folder` may also be
// the pipeline folder that holds `transformer/`.
SD3Transformer loadSD3Transformer(const std::string& folder, at::ScalarType dtype,
                                  at::Device device);

}  // namespace archival::engine
