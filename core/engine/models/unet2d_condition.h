#pragma once
// The Stable Diffusion 1.x/2.x denoiser: diffusers' UNet2DConditionModel, predicting the
// noise ε of a latent `sample` at `timestep`, conditioned on text embeddings through cross
// attention. Weights load from a diffusers `unet/` folder (F32, F16 or BF16 on disk, cast to
// the run dtype), from an original single-file checkpoint (see ldm_unet_names.h), or from
// any other ParameterSource (meta for layout checks, random for benchmarks).
//
//   auto unet = loadUNet2DCondition(folder, at::kFloat, at::kCPU);
//   at::Tensor eps = unet.forward(latents, t, promptEmbeds);   // [B,4,h,w]

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/models/unet2d_condition_config.h"
#include "engine/models/unet_blocks.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

class Checkpoint;

// Optional observers of one forward pass.
struct UNetForwardHooks {
    // Called after conv_in and after every down, mid and up block. It may throw (typically
    // EngineError(Interrupted) from a cancellation check) to abandon the pass early.
    std::function<void()> betweenBlocks;
    // Receives module outputs under diffusers module paths: time_proj, time_embedding,
    // conv_in, down_blocks.i.0 (output) / down_blocks.i.1.j (skips), mid_block, up_blocks.i,
    // conv_norm_out (before its SiLU), conv_out. For bisecting against the
    // `*_intermediates` goldens, which use the same names.
    std::function<void(const std::string&, const at::Tensor&)> record;
};

class UNet2DCondition {
  public:
    // Builds the tree, asking `scope` for every tensor by its diffusers name
    // (`conv_in.weight`, `down_blocks.0.resnets.0.norm1.weight`, ...).
    UNet2DCondition(const UNet2DConditionConfig& config, const Scope& scope);

    // sample [B, in_channels, h, w]; timestep a scalar, [1] or [B], integer or float
    // (fractional values are fine); encoderHiddenStates [B, tokens, cross_attention_dim].
    // Inputs are moved to the weights' device and dtype; the result has the sample's dtype.
    // Any h, w ≥ 1 work: sizes not divisible by 2^(blocks-1) are handled as in diffusers
    // (each upsampler targets the size of the matching skip tensor).
    // Throws EngineError(InvalidRequest) for inputs of the wrong rank, width or batch,
    // EngineError(OutOfMemory) when the device runs out of memory; libtorch failures become
    // EngineError(Internal). Errors thrown by the hooks pass through unchanged.
    at::Tensor forward(const at::Tensor& sample, const at::Tensor& timestep,
                       const at::Tensor& encoderHiddenStates,
                       const UNetForwardHooks& hooks = {}) const;

    const UNet2DConditionConfig& config() const { return config_; }
    // Every parameter by its diffusers name (relative to the scope the model was built
    // from); the tensors share storage with the model, so in-place edits (LoRA merges)
    // change the model.
    const std::map<std::string, at::Tensor>& parameters() const { return parameters_; }
    at::ScalarType dtype() const { return convIn_.weight.scalar_type(); }
    at::Device device() const { return convIn_.weight.device(); }

  private:
    void validateInputs(const at::Tensor& sample, const at::Tensor& timestep,
                        const at::Tensor& encoderHiddenStates) const;
    at::Tensor run(const at::Tensor& sample, const at::Tensor& timestep,
                   const at::Tensor& encoderHiddenStates, const UNetForwardHooks& hooks) const;

    UNet2DConditionConfig config_;
    nn::Conv2d convIn_;
    unet::TimestepEmbedding timeEmbedding_;
    std::vector<unet::DownBlock> downBlocks_;
    unet::MidBlock midBlock_;
    std::vector<unet::UpBlock> upBlocks_;
    nn::GroupNorm convNormOut_;
    nn::Conv2d convOut_;
    std::map<std::string, at::Tensor> parameters_;
};

// Loads a diffusers `unet/` folder: config.json and diffusion_pytorch_model.safetensors
// (or its `.fp16` variant, or a sharded index), strictly: every missing, unexpected or
// mis-shaped tensor is named in an EngineError(ModelLoad).
UNet2DCondition loadUNet2DCondition(const std::string& folder, at::ScalarType dtype,
                                    at::Device device);

// Loads the UNet of an original single-file SD checkpoint (`model.diffusion_model.*` keys);
// other tensors in the file (VAE, text encoder) are left alone. Such files carry no config:
// pass UNet2DConditionConfig::stableDiffusion15() for SD 1.x.
UNet2DCondition loadUNet2DConditionFromLdm(const Checkpoint& checkpoint,
                                           const UNet2DConditionConfig& config,
                                           at::ScalarType dtype, at::Device device);

}  // namespace archival::engine
