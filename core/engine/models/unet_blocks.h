#pragma once
// The convolutional building blocks of the SD 1.x/2.x UNet, after diffusers v0.31.0
// (`embeddings.py`, `resnet.py`, `downsampling.py`, `upsampling.py`, `unet_2d_blocks.py`).
// Each takes its diffusers checkpoint scope, so the parameter names are the file's names.

#include <ATen/ATen.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/models/unet_transformer.h"
#include "engine/nn/layers.h"

namespace archival::engine::unet {

// Receives a module's output under its diffusers module path (for bisecting against the
// `*_intermediates` goldens); may be empty.
using Recorder = std::function<void(const std::string&, const at::Tensor&)>;

// Sinusoidal timestep projection (diffusers `get_timestep_embedding`), always float32:
// freqs = exp(-ln(10000) · arange(half) / (half − freqShift)), args = t · freqs,
// cat[sin, cos], or cat[cos, sin] when flipped. `timesteps` is [B], integer or float.
at::Tensor timestepProjection(const at::Tensor& timesteps, std::int64_t dim, bool flipSinToCos,
                              double freqShift);

// linear_1 → SiLU → linear_2.
struct TimestepEmbedding {
    nn::Linear linear1, linear2;
    TimestepEmbedding() = default;
    TimestepEmbedding(const Scope& s, std::int64_t in, std::int64_t out);
    at::Tensor operator()(const at::Tensor& x) const;
};

// GroupNorm → SiLU → conv1 → + time_emb_proj(SiLU(temb)) → GroupNorm → SiLU → conv2, added to
// the input (through a 1×1 conv_shortcut when the width changes), divided by
// `outputScale` (diffusers output_scale_factor; the mid block's mid_block_scale_factor).
struct ResnetBlock2D {
    nn::GroupNorm norm1, norm2;
    nn::Conv2d conv1, conv2, convShortcut;
    nn::Linear timeEmbProj;
    bool hasShortcut = false;
    double outputScale = 1.0;

    ResnetBlock2D() = default;
    ResnetBlock2D(const Scope& s, std::int64_t in, std::int64_t out, std::int64_t tembChannels,
                  std::int64_t groups, double eps, double outputScale = 1.0);
    // `tembActivated` = SiLU(temb), shared by every resnet of a pass.
    at::Tensor operator()(const at::Tensor& x, const at::Tensor& tembActivated) const;
};

// conv 3×3 stride 2 (`conv`). With padding 0, diffusers pads (0,1,0,1) first.
struct Downsample2D {
    nn::Conv2d conv;
    bool asymmetricPad = false;
    Downsample2D() = default;
    Downsample2D(const Scope& s, std::int64_t channels, std::int64_t padding);
    at::Tensor operator()(const at::Tensor& x) const;
};

// Nearest ×2 (legacy `nearest`), or to an explicit size, then conv 3×3 (`conv`).
struct Upsample2D {
    nn::Conv2d conv;
    Upsample2D() = default;
    Upsample2D(const Scope& s, std::int64_t channels);
    at::Tensor operator()(const at::Tensor& x, std::optional<std::vector<std::int64_t>> size) const;
};

// How a block is built; shared by the down, mid and up blocks.
struct BlockSpec {
    std::int64_t tembChannels = 0;
    std::int64_t groups = 32;
    double eps = 1e-5;
    bool withAttention = false;
    std::int64_t heads = 1;
    std::int64_t transformerLayers = 1;
    std::int64_t contextDim = 0;
    bool linearProjection = false;
    bool onlyCrossAttention = false;
    bool upcastAttention = false;
};

// CrossAttnDownBlock2D / DownBlock2D: (resnet [→ attention]) × layers [→ downsampler].
// Every layer's output and the downsampler's output are skip tensors for the up path.
struct DownBlock {
    std::vector<ResnetBlock2D> resnets;
    std::vector<Transformer2D> attentions;
    std::optional<Downsample2D> downsampler;

    DownBlock() = default;
    DownBlock(const Scope& s, const BlockSpec& spec, std::int64_t in, std::int64_t out,
              std::int64_t layers, bool addDownsample, std::int64_t downsamplePadding);
    // Appends this block's skip tensors to `skips`; records `<name>.0` (output) and
    // `<name>.1.i` (skips) like the diffusers tuple output.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& tembActivated,
                       const at::Tensor& context, std::vector<at::Tensor>& skips,
                       const std::string& name, const Recorder& record) const;
};

// UNetMidBlock2DCrossAttn: resnet → (attention → resnet) × layers (1 in every SD UNet).
struct MidBlock {
    std::vector<ResnetBlock2D> resnets;
    std::vector<Transformer2D> attentions;

    MidBlock() = default;
    MidBlock(const Scope& s, const BlockSpec& spec, std::int64_t channels, double outputScale);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& tembActivated,
                       const at::Tensor& context) const;
};

// CrossAttnUpBlock2D / UpBlock2D: (cat skip → resnet [→ attention]) × (layers + 1)
// [→ upsampler]. Skips are taken from the back of `skips` (the most recent first).
struct UpBlock {
    std::vector<ResnetBlock2D> resnets;
    std::vector<Transformer2D> attentions;
    std::optional<Upsample2D> upsampler;

    UpBlock() = default;
    // `skipChannels[i]` = channels of the skip tensor resnet i consumes.
    UpBlock(const Scope& s, const BlockSpec& spec, std::int64_t prevOut, std::int64_t out,
            const std::vector<std::int64_t>& skipChannels, bool addUpsample);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& tembActivated,
                       const at::Tensor& context, std::vector<at::Tensor>& skips,
                       std::optional<std::vector<std::int64_t>> upsampleSize) const;
};

}  // namespace archival::engine::unet
