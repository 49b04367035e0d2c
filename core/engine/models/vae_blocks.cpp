#include "engine/models/vae_blocks.h"

namespace archival::engine::vae {
namespace {

void emit(const Trace& trace, const std::string& module, const at::Tensor& output) {
    if (trace) trace(module, output);
}

// diffusers Encoder: block i maps block_out_channels[i-1] -> [i]; all but the last downsample.
std::vector<DownEncoderBlock> makeDownBlocks(const Scope& s, const CoderShape& shape) {
    const auto& ch = shape.blockOutChannels;
    std::vector<DownEncoderBlock> blocks;
    for (size_t i = 0; i < ch.size(); ++i) {
        const bool last = i + 1 == ch.size();
        blocks.emplace_back(s / static_cast<std::int64_t>(i), i == 0 ? ch[0] : ch[i - 1], ch[i],
                            shape.layersPerBlock, shape.groups, !last);
    }
    return blocks;
}

// diffusers Decoder: the same channels reversed, layers_per_block + 1 resnets per block, all
// but the last upsample.
std::vector<UpDecoderBlock> makeUpBlocks(const Scope& s, const CoderShape& shape) {
    const std::vector<std::int64_t> ch(shape.blockOutChannels.rbegin(),
                                       shape.blockOutChannels.rend());
    std::vector<UpDecoderBlock> blocks;
    for (size_t i = 0; i < ch.size(); ++i) {
        const bool last = i + 1 == ch.size();
        blocks.emplace_back(s / static_cast<std::int64_t>(i), i == 0 ? ch[0] : ch[i - 1], ch[i],
                            shape.layersPerBlock + 1, shape.groups, !last);
    }
    return blocks;
}

}  // namespace

ResnetBlock::ResnetBlock(const Scope& s, std::int64_t in, std::int64_t out, std::int64_t groups)
    : norm1(s / "norm1", groups, in, kNormEps),
      conv1(s / "conv1", in, out, 3, 1, 1),
      norm2(s / "norm2", groups, out, kNormEps),
      conv2(s / "conv2", out, out, 3, 1, 1) {
    // diffusers: use_in_shortcut = in_channels != out_channels, a 1x1 conv.
    if (in != out) convShortcut = nn::Conv2d(s / "conv_shortcut", in, out, 1);
}

at::Tensor ResnetBlock::operator()(const at::Tensor& x) const {
    // In place on the block's own temporaries: each skips an allocation the size of an
    // activation (and a sum is the same whichever operand comes first).
    at::Tensor h = conv1(norm1.thenSilu(x));
    // Dropout is 0 in every VAE (and inactive at inference anyway).
    h = conv2(norm2.thenSilu(h));
    return h.add_(convShortcut.weight.defined() ? convShortcut(x) : x);  // output scale is 1
}

SpatialSelfAttention::SpatialSelfAttention(const Scope& s, std::int64_t channels,
                                           std::int64_t groups)
    : groupNorm(s / "group_norm", groups, channels, kNormEps),
      toQ(s / "to_q", channels, channels),
      toK(s / "to_k", channels, channels),
      toV(s / "to_v", channels, channels),
      toOut(s / "to_out" / 0, channels, channels) {}

at::Tensor SpatialSelfAttention::operator()(const at::Tensor& x) const {
    const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    // diffusers AttnProcessor2_0 for 4-D input: [B,C,H,W] -> [B,HW,C] tokens, group norm
    // over the channels, q/k/v projections, one head of size C.
    // (permute, then reshape: free when the activations are channels-last, a copy otherwise)
    const at::Tensor tokens = groupNorm(x).permute({0, 2, 3, 1}).reshape({b, h * w, c});
    const at::Tensor q = toQ(tokens).unsqueeze(1);  // [B, 1, HW, C]
    const at::Tensor k = toK(tokens).unsqueeze(1);
    const at::Tensor v = toV(tokens).unsqueeze(1);
    const at::Tensor attended = nn::attention(q, k, v).squeeze(1);  // scale 1/sqrt(C)
    const at::Tensor out = toOut(attended).view({b, h, w, c}).permute({0, 3, 1, 2});
    return out + x;  // residual_connection=True, rescale_output_factor 1
}

MidBlock::MidBlock(const Scope& s, std::int64_t channels, std::int64_t groups, bool addAttention) {
    resnets.emplace_back(s / "resnets" / 0, channels, channels, groups);
    if (addAttention) attentions.emplace_back(s / "attentions" / 0, channels, groups);
    resnets.emplace_back(s / "resnets" / 1, channels, channels, groups);
}

at::Tensor MidBlock::operator()(const at::Tensor& x) const {
    at::Tensor h = resnets[0](x);
    if (!attentions.empty()) h = attentions[0](h);
    return resnets[1](h);
}

DownEncoderBlock::DownEncoderBlock(const Scope& s, std::int64_t in, std::int64_t out, int layers,
                                   std::int64_t groups, bool addDownsample) {
    for (int i = 0; i < layers; ++i)
        resnets.emplace_back(s / "resnets" / i, i == 0 ? in : out, out, groups);
    // Downsample2D with padding=0: the input is padded by hand (below), so the conv has none.
    if (addDownsample)
        downsample = nn::Conv2d(s / "downsamplers" / 0 / "conv", out, out, 3, /*stride=*/2, 0);
}

at::Tensor DownEncoderBlock::operator()(const at::Tensor& x) const {
    at::Tensor h = x;
    for (const auto& r : resnets) h = r(h);
    if (downsample.weight.defined()) {
        // diffusers Downsample2D (padding 0): F.pad(x, (0, 1, 0, 1)), one zero column on the
        // right and one zero row at the bottom, then a 3x3 stride-2 conv: H -> ceil(H/2).
        h = downsample(at::constant_pad_nd(h, {0, 1, 0, 1}, 0.0));
    }
    return h;
}

UpDecoderBlock::UpDecoderBlock(const Scope& s, std::int64_t in, std::int64_t out, int layers,
                               std::int64_t groups, bool addUpsample) {
    for (int i = 0; i < layers; ++i)
        resnets.emplace_back(s / "resnets" / i, i == 0 ? in : out, out, groups);
    if (addUpsample) upsample = nn::Conv2d(s / "upsamplers" / 0 / "conv", out, out, 3, 1, 1);
}

at::Tensor UpDecoderBlock::operator()(const at::Tensor& x) const {
    at::Tensor h = x;
    for (const auto& r : resnets) h = r(h);
    if (upsample.weight.defined()) {
        // diffusers Upsample2D: F.interpolate(scale_factor=2, mode="nearest"), then conv.
        // An explicit output size of exactly 2x gives the same source indices (floor(i/2)).
        h = upsample(at::upsample_nearest2d(h, {2 * h.size(2), 2 * h.size(3)}));
    }
    return h;
}

Encoder::Encoder(const Scope& s, const CoderShape& shape)
    : convIn_(s / "conv_in", shape.inChannels, shape.blockOutChannels.front(), 3, 1, 1),
      downBlocks_(makeDownBlocks(s / "down_blocks", shape)),
      midBlock_(s / "mid_block", shape.blockOutChannels.back(), shape.groups,
                shape.midBlockAttention),
      convNormOut_(s / "conv_norm_out", shape.groups, shape.blockOutChannels.back(), kNormEps),
      // double_z: mean and log-variance channels.
      convOut_(s / "conv_out", shape.blockOutChannels.back(), 2 * shape.outChannels, 3, 1, 1) {}

at::Tensor Encoder::operator()(const at::Tensor& x, const Trace& trace) const {
    at::Tensor h = convIn_(x);
    emit(trace, "encoder.conv_in", h);
    for (size_t i = 0; i < downBlocks_.size(); ++i) {
        h = downBlocks_[i](h);
        emit(trace, "encoder.down_blocks." + std::to_string(i), h);
    }
    h = midBlock_(h);
    emit(trace, "encoder.mid_block", h);
    h = convNormOut_(h);
    emit(trace, "encoder.conv_norm_out", h);
    h = convOut_(at::silu(h));
    emit(trace, "encoder.conv_out", h);
    return h;
}

Decoder::Decoder(const Scope& s, const CoderShape& shape)
    : convIn_(s / "conv_in", shape.inChannels, shape.blockOutChannels.back(), 3, 1, 1),
      midBlock_(s / "mid_block", shape.blockOutChannels.back(), shape.groups,
                shape.midBlockAttention),
      upBlocks_(makeUpBlocks(s / "up_blocks", shape)),
      convNormOut_(s / "conv_norm_out", shape.groups, shape.blockOutChannels.front(), kNormEps),
      convOut_(s / "conv_out", shape.blockOutChannels.front(), shape.outChannels, 3, 1, 1) {}

at::Tensor Decoder::operator()(const at::Tensor& z, const Trace& trace) const {
    at::Tensor h = convIn_(z);
    emit(trace, "decoder.conv_in", h);
    h = midBlock_(h);
    emit(trace, "decoder.mid_block", h);
    for (size_t i = 0; i < upBlocks_.size(); ++i) {
        h = upBlocks_[i](h);
        emit(trace, "decoder.up_blocks." + std::to_string(i), h);
    }
    h = convNormOut_(h);
    emit(trace, "decoder.conv_norm_out", h);
    h = convOut_(at::silu(h));
    emit(trace, "decoder.conv_out", h);
    return h;
}

}  // namespace archival::engine::vae
