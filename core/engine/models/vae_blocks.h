#pragma once
// The building blocks of the AutoencoderKL encoder and decoder, named and shaped like
// diffusers v0.31 (`models/autoencoders/vae.py`, `models/resnet.py`,
// `models/unets/unet_2d_blocks.py`) so that checkpoint keys read the same. Every GroupNorm
// in the VAE uses eps 1e-6 (diffusers passes `resnet_eps=1e-6` to every VAE block), the
// activation is SiLU, and there is no time embedding.

#include <ATen/ATen.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/nn/parameters.h"

namespace archival::engine::vae {

// Receives the output of each top-level module by its diffusers module path
// ("decoder.up_blocks.2", "quant_conv"...), the keys of the fixtures' *_intermediates files:
// a mismatch can then be bisected module by module. Empty: no tracing.
using Trace = std::function<void(const std::string& module, const at::Tensor& output)>;

// Every VAE GroupNorm: diffusers `Encoder`/`Decoder` build their blocks with eps 1e-6.
constexpr double kNormEps = 1e-6;

// ResnetBlock2D without time embedding: norm1-SiLU-conv1-norm2-SiLU-conv2, plus the input
// (through a 1x1 `conv_shortcut` when the channel count changes).
struct ResnetBlock {
    nn::GroupNorm norm1;
    nn::Conv2d conv1;
    nn::GroupNorm norm2;
    nn::Conv2d conv2;
    nn::Conv2d convShortcut;  // undefined when in == out
    ResnetBlock(const Scope& s, std::int64_t in, std::int64_t out, std::int64_t groups);
    at::Tensor operator()(const at::Tensor& x) const;
};

// Single-head self-attention over the H*W positions, with a GroupNorm in front and a
// residual connection (diffusers `Attention` with heads = 1, dim_head = channels, as
// `UNetMidBlock2D` builds it for the VAE with `attention_head_dim = channels`).
struct SpatialSelfAttention {
    nn::GroupNorm groupNorm;
    nn::Linear toQ, toK, toV, toOut;
    SpatialSelfAttention(const Scope& s, std::int64_t channels, std::int64_t groups);
    at::Tensor operator()(const at::Tensor& x) const;
};

// UNetMidBlock2D: resnet, then (attention, resnet) — the attention is optional
// (`mid_block_add_attention`).
struct MidBlock {
    std::vector<ResnetBlock> resnets;
    std::vector<SpatialSelfAttention> attentions;
    MidBlock(const Scope& s, std::int64_t channels, std::int64_t groups, bool addAttention);
    at::Tensor operator()(const at::Tensor& x) const;
};

// DownEncoderBlock2D: `layers` resnets, then (except in the last block) a downsampler.
struct DownEncoderBlock {
    std::vector<ResnetBlock> resnets;
    nn::Conv2d downsample;  // undefined when the block does not downsample
    DownEncoderBlock(const Scope& s, std::int64_t in, std::int64_t out, int layers,
                     std::int64_t groups, bool addDownsample);
    at::Tensor operator()(const at::Tensor& x) const;
};

// UpDecoderBlock2D: `layers` resnets, then (except in the last block) nearest x2 + conv.
struct UpDecoderBlock {
    std::vector<ResnetBlock> resnets;
    nn::Conv2d upsample;  // undefined when the block does not upsample
    UpDecoderBlock(const Scope& s, std::int64_t in, std::int64_t out, int layers,
                   std::int64_t groups, bool addUpsample);
    at::Tensor operator()(const at::Tensor& x) const;
};

// Shape of an encoder or decoder, from the AutoencoderKL config.
struct CoderShape {
    std::int64_t inChannels = 3;
    std::int64_t outChannels = 3;
    std::vector<std::int64_t> blockOutChannels;
    int layersPerBlock = 1;
    std::int64_t groups = 32;
    bool midBlockAttention = true;
};

// diffusers `Encoder` with double_z: image [B, in, H, W] -> moments [B, 2*out, H/f, W/f].
class Encoder {
  public:
    Encoder(const Scope& s, const CoderShape& shape);
    // `trace` gets "encoder.conv_in", "encoder.down_blocks.i", "encoder.mid_block",
    // "encoder.conv_norm_out" (before the SiLU) and "encoder.conv_out"; likewise "decoder.*".
    at::Tensor operator()(const at::Tensor& x, const Trace& trace = nullptr) const;

  private:
    // Declared (so built) in checkpoint order: RandomSource draws in this order.
    nn::Conv2d convIn_;
    std::vector<DownEncoderBlock> downBlocks_;
    MidBlock midBlock_;
    nn::GroupNorm convNormOut_;
    nn::Conv2d convOut_;
};

// diffusers `Decoder`: latent [B, in, h, w] -> image [B, out, h*f, w*f]. The up blocks run
// over the reversed `block_out_channels`, each with layers_per_block + 1 resnets.
class Decoder {
  public:
    Decoder(const Scope& s, const CoderShape& shape);
    at::Tensor operator()(const at::Tensor& z, const Trace& trace = nullptr) const;
    // Device and dtype of the weights.
    at::TensorOptions options() const { return convIn_.weight.options(); }

  private:
    nn::Conv2d convIn_;
    MidBlock midBlock_;
    std::vector<UpDecoderBlock> upBlocks_;
    nn::GroupNorm convNormOut_;
    nn::Conv2d convOut_;
};

}  // namespace archival::engine::vae
