#include "engine/models/unet_transformer.h"

namespace archival::engine::unet {
namespace {

// diffusers Transformer2DModel builds its GroupNorm with eps=1e-6 and its
// BasicTransformerBlocks with norm_eps=1e-5 (transformer_2d.py, v0.31.0).
constexpr double kTransformerGroupNormEps = 1e-6;
constexpr double kBlockLayerNormEps = 1e-5;

bool isSixteenBit(at::ScalarType t) {
    return t == at::kHalf || t == at::kBFloat16;
}

}  // namespace

CrossAttention::CrossAttention(const Scope& s, std::int64_t queryDim, std::int64_t contextDim,
                               std::int64_t heads_, bool upcast_)
    : toQ(s / "to_q", queryDim, queryDim, /*withBias=*/false),
      toK(s / "to_k", contextDim, queryDim, /*withBias=*/false),
      toV(s / "to_v", contextDim, queryDim, /*withBias=*/false),
      toOut(s / "to_out" / 0, queryDim, queryDim),
      heads(heads_),
      upcast(upcast_) {}

at::Tensor CrossAttention::operator()(const at::Tensor& x, const at::Tensor& context) const {
    at::Tensor q = nn::splitHeads(toQ(x), heads);
    at::Tensor k = nn::splitHeads(toK(context), heads);
    at::Tensor v = nn::splitHeads(toV(context), heads);
    const auto dtype = q.scalar_type();
    if (upcast && isSixteenBit(dtype)) {
        q = q.to(at::kFloat);
        k = k.to(at::kFloat);
        v = v.to(at::kFloat);
    }
    // SDPA's default scale is 1/sqrt(head_dim), diffusers' `dim_head**-0.5`.
    const at::Tensor attended = nn::attention(q, k, v).to(dtype);
    return toOut(nn::mergeHeads(attended));
}

GegluFeedForward::GegluFeedForward(const Scope& s, std::int64_t dim)
    : proj(s / "net" / 0 / "proj", dim, 2 * 4 * dim), out(s / "net" / 2, 4 * dim, dim) {}

at::Tensor GegluFeedForward::operator()(const at::Tensor& x) const {
    const auto halves = proj(x).chunk(2, -1);  // hidden first, gate second (diffusers GEGLU)
    return out(halves[0] * at::gelu(halves[1]));
}

BasicTransformerBlock::BasicTransformerBlock(const Scope& s, std::int64_t dim, std::int64_t heads,
                                             std::int64_t contextDim, bool onlyCross, bool upcast)
    : norm1(s / "norm1", dim, kBlockLayerNormEps),
      norm2(s / "norm2", dim, kBlockLayerNormEps),
      norm3(s / "norm3", dim, kBlockLayerNormEps),
      attn1(s / "attn1", dim, onlyCross ? contextDim : dim, heads, upcast),
      attn2(s / "attn2", dim, contextDim, heads, upcast),
      ff(s / "ff", dim),
      onlyCrossAttention(onlyCross) {}

at::Tensor BasicTransformerBlock::operator()(const at::Tensor& xIn,
                                             const at::Tensor& context) const {
    at::Tensor x = xIn;
    const at::Tensor n1 = norm1(x);
    x = attn1(n1, onlyCrossAttention ? context : n1) + x;
    x = attn2(norm2(x), context) + x;
    x = ff(norm3(x)) + x;
    return x;
}

Transformer2D::Transformer2D(const Scope& s, std::int64_t channels, std::int64_t heads,
                             std::int64_t layers, std::int64_t contextDim, std::int64_t groups,
                             bool linear, bool onlyCross, bool upcast)
    : norm(s / "norm", groups, channels, kTransformerGroupNormEps), linearProjection(linear) {
    // Inner width = heads × (channels / heads) = channels for every SD UNet.
    if (linear)
        projInLinear = nn::Linear(s / "proj_in", channels, channels);
    else
        projInConv = nn::Conv2d(s / "proj_in", channels, channels, 1);
    for (std::int64_t i = 0; i < layers; ++i)
        blocks.emplace_back(s / "transformer_blocks" / i, channels, heads, contextDim, onlyCross,
                            upcast);
    if (linear)
        projOutLinear = nn::Linear(s / "proj_out", channels, channels);
    else
        projOutConv = nn::Conv2d(s / "proj_out", channels, channels, 1);
}

at::Tensor Transformer2D::operator()(const at::Tensor& x, const at::Tensor& context) const {
    const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
    auto toTokens = [&](const at::Tensor& t) {
        return t.permute({0, 2, 3, 1}).reshape({b, h * w, c});
    };
    auto toImage = [&](const at::Tensor& t) {
        // channels-last: no copy, and what the packed 1x1 proj_out convolution reads
        return t.reshape({b, h, w, c})
            .permute({0, 3, 1, 2})
            .contiguous(at::MemoryFormat::ChannelsLast);
    };
    at::Tensor hidden = norm(x);
    hidden = linearProjection ? projInLinear(toTokens(hidden)) : toTokens(projInConv(hidden));
    for (const auto& block : blocks) hidden = block(hidden, context);
    hidden = linearProjection ? toImage(projOutLinear(hidden)) : projOutConv(toImage(hidden));
    return hidden + x;
}

}  // namespace archival::engine::unet
