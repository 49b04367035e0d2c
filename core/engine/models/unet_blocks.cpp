#include "engine/models/unet_blocks.h"

#include <cmath>

#include "engine/errors.h"

namespace archival::engine::unet {

at::Tensor timestepProjection(const at::Tensor& timesteps, std::int64_t dim, bool flipSinToCos,
                              double freqShift) {
    // diffusers get_timestep_embedding (embeddings.py), max_period 10000, scale 1: the same
    // float32 ATen ops in the same order, so the rounding matches.
    const std::int64_t half = dim / 2;
    at::Tensor exponent =
        at::arange(0, half, at::TensorOptions().dtype(at::kFloat).device(timesteps.device())) *
        -std::log(10000.0);
    exponent = exponent / (static_cast<double>(half) - freqShift);
    const at::Tensor freqs = at::exp(exponent);
    const at::Tensor args = timesteps.unsqueeze(1).to(at::kFloat) * freqs.unsqueeze(0);
    at::Tensor emb = at::cat({at::sin(args), at::cos(args)}, -1);
    if (flipSinToCos) emb = at::cat({emb.narrow(1, half, half), emb.narrow(1, 0, half)}, -1);
    if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1, 0, 0});
    return emb;
}

TimestepEmbedding::TimestepEmbedding(const Scope& s, std::int64_t in, std::int64_t out)
    : linear1(s / "linear_1", in, out), linear2(s / "linear_2", out, out) {}

at::Tensor TimestepEmbedding::operator()(const at::Tensor& x) const {
    return linear2(at::silu(linear1(x)));
}

ResnetBlock2D::ResnetBlock2D(const Scope& s, std::int64_t in, std::int64_t out,
                             std::int64_t tembChannels, std::int64_t groups, double eps,
                             double outputScale_)
    : norm1(s / "norm1", groups, in, eps),
      norm2(s / "norm2", groups, out, eps),
      conv1(s / "conv1", in, out, 3, 1, 1),
      conv2(s / "conv2", out, out, 3, 1, 1),
      timeEmbProj(s / "time_emb_proj", tembChannels, out),
      hasShortcut(in != out),
      outputScale(outputScale_) {
    if (hasShortcut) convShortcut = nn::Conv2d(s / "conv_shortcut", in, out, 1);
}

at::Tensor ResnetBlock2D::operator()(const at::Tensor& x, const at::Tensor& tembActivated) const {
    // In place on the block's own temporaries: each skips an allocation the size of an
    // activation (and a sum is the same whichever operand comes first).
    at::Tensor h = conv1(norm1.thenSilu(x));
    h.add_(timeEmbProj(tembActivated).unsqueeze(-1).unsqueeze(-1));
    h = conv2(norm2.thenSilu(h));  // dropout is the identity at inference
    h.add_(hasShortcut ? convShortcut(x) : x);
    if (outputScale != 1.0) h.div_(outputScale);
    return h;
}

Downsample2D::Downsample2D(const Scope& s, std::int64_t channels, std::int64_t padding)
    : conv(s / "conv", channels, channels, 3, 2, padding), asymmetricPad(padding == 0) {}

at::Tensor Downsample2D::operator()(const at::Tensor& x) const {
    // conv 3×3 stride 2 pad 1 rounds odd sizes up: 25 → 13, 85 → 43.
    return conv(asymmetricPad ? at::constant_pad_nd(x, {0, 1, 0, 1}) : x);
}

Upsample2D::Upsample2D(const Scope& s, std::int64_t channels)
    : conv(s / "conv", channels, channels, 3, 1, 1) {}

at::Tensor Upsample2D::operator()(const at::Tensor& x,
                                  std::optional<std::vector<std::int64_t>> size) const {
    // F.interpolate(mode="nearest"): legacy nearest, src = floor(dst · in / out). With
    // scale_factor=2 diffusers passes the scales; with a size it passes none.
    at::Tensor up;
    if (size)
        up = at::upsample_nearest2d(x, *size);
    else
        up = at::upsample_nearest2d(x, {2 * x.size(2), 2 * x.size(3)}, 2.0, 2.0);
    return conv(up);
}

DownBlock::DownBlock(const Scope& s, const BlockSpec& spec, std::int64_t in, std::int64_t out,
                     std::int64_t layers, bool addDownsample, std::int64_t downsamplePadding) {
    for (std::int64_t i = 0; i < layers; ++i) {
        resnets.emplace_back(s / "resnets" / i, i == 0 ? in : out, out, spec.tembChannels,
                             spec.groups, spec.eps);
        if (spec.withAttention)
            attentions.emplace_back(s / "attentions" / i, out, spec.heads, spec.transformerLayers,
                                    spec.contextDim, spec.groups, spec.linearProjection,
                                    spec.onlyCrossAttention, spec.upcastAttention);
    }
    if (addDownsample) downsampler.emplace(s / "downsamplers" / 0, out, downsamplePadding);
}

at::Tensor DownBlock::forward(const at::Tensor& xIn, const at::Tensor& tembActivated,
                              const at::Tensor& context, std::vector<at::Tensor>& skips,
                              const std::string& name, const Recorder& record) const {
    at::Tensor x = xIn;
    std::size_t produced = 0;
    auto keep = [&](const at::Tensor& t) {
        skips.push_back(t);
        if (record) record(name + ".1." + std::to_string(produced), t);
        ++produced;
    };
    for (std::size_t i = 0; i < resnets.size(); ++i) {
        x = resnets[i](x, tembActivated);
        if (!attentions.empty()) x = attentions[i](x, context);
        keep(x);
    }
    if (downsampler) {
        x = (*downsampler)(x);
        keep(x);
    }
    if (record) record(name + ".0", x);
    return x;
}

MidBlock::MidBlock(const Scope& s, const BlockSpec& spec, std::int64_t channels,
                   double outputScale) {
    // diffusers UNetMidBlock2DCrossAttn with num_layers=1 (its only use in UNet2DCondition).
    resnets.emplace_back(s / "resnets" / 0, channels, channels, spec.tembChannels, spec.groups,
                         spec.eps, outputScale);
    attentions.emplace_back(s / "attentions" / 0, channels, spec.heads, spec.transformerLayers,
                            spec.contextDim, spec.groups, spec.linearProjection,
                            /*onlyCrossAttention=*/false, spec.upcastAttention);
    resnets.emplace_back(s / "resnets" / 1, channels, channels, spec.tembChannels, spec.groups,
                         spec.eps, outputScale);
}

at::Tensor MidBlock::forward(const at::Tensor& xIn, const at::Tensor& tembActivated,
                             const at::Tensor& context) const {
    at::Tensor x = resnets[0](xIn, tembActivated);
    for (std::size_t i = 0; i < attentions.size(); ++i) {
        x = attentions[i](x, context);
        x = resnets[i + 1](x, tembActivated);
    }
    return x;
}

UpBlock::UpBlock(const Scope& s, const BlockSpec& spec, std::int64_t prevOut, std::int64_t out,
                 const std::vector<std::int64_t>& skipChannels, bool addUpsample) {
    for (std::size_t i = 0; i < skipChannels.size(); ++i) {
        const auto idx = static_cast<std::int64_t>(i);
        const std::int64_t resnetIn = (i == 0 ? prevOut : out) + skipChannels[i];
        resnets.emplace_back(s / "resnets" / idx, resnetIn, out, spec.tembChannels, spec.groups,
                             spec.eps);
        if (spec.withAttention)
            attentions.emplace_back(s / "attentions" / idx, out, spec.heads, spec.transformerLayers,
                                    spec.contextDim, spec.groups, spec.linearProjection,
                                    spec.onlyCrossAttention, spec.upcastAttention);
    }
    if (addUpsample) upsampler.emplace(s / "upsamplers" / 0, out);
}

at::Tensor UpBlock::forward(const at::Tensor& xIn, const at::Tensor& tembActivated,
                            const at::Tensor& context, std::vector<at::Tensor>& skips,
                            std::optional<std::vector<std::int64_t>> upsampleSize) const {
    at::Tensor x = xIn;
    for (std::size_t i = 0; i < resnets.size(); ++i) {
        if (skips.empty())
            throw EngineError(ErrorKind::Internal, "UNet up block ran out of skip tensors");
        x = at::cat({x, skips.back()}, 1);
        skips.pop_back();
        x = resnets[i](x, tembActivated);
        if (!attentions.empty()) x = attentions[i](x, context);
    }
    if (upsampler) x = (*upsampler)(x, std::move(upsampleSize));
    return x;
}

}  // namespace archival::engine::unet
