#pragma once
// The attention part of the SD 1.x/2.x UNet: diffusers' Transformer2DModel (continuous
// input) with its BasicTransformerBlocks. Names and shapes follow the diffusers checkpoint
// layout (`norm`, `proj_in`, `transformer_blocks.N.{norm1,attn1,norm2,attn2,norm3,ff}`,
// `proj_out`), which is also the original (ldm) SpatialTransformer layout.

#include <ATen/ATen.h>

#include <vector>

#include "engine/nn/layers.h"

namespace archival::engine::unet {

// diffusers Attention with AttnProcessor2_0: q/k/v without bias, `to_out.0` with bias,
// scale 1/sqrt(head_dim).
struct CrossAttention {
    nn::Linear toQ, toK, toV, toOut;
    std::int64_t heads = 1;
    bool upcast = false;  // run the attention in float32 when the model runs in 16 bits

    CrossAttention() = default;
    CrossAttention(const Scope& s, std::int64_t queryDim, std::int64_t contextDim,
                   std::int64_t heads, bool upcast);
    // `context` = the tokens attended to (the normed input itself for self-attention).
    at::Tensor operator()(const at::Tensor& x, const at::Tensor& context) const;
};

// FeedForward with GEGLU: `net.0.proj` to 2×inner, hidden * gelu(gate) (exact erf GELU),
// then `net.2` back to dim. Inner width is 4×dim (diffusers' default mult=4).
struct GegluFeedForward {
    nn::Linear proj, out;

    GegluFeedForward() = default;
    GegluFeedForward(const Scope& s, std::int64_t dim);
    at::Tensor operator()(const at::Tensor& x) const;
};

// Pre-norm block: x += attn1(LN1 x); x += attn2(LN2 x, context); x += ff(LN3 x).
// LayerNorm eps 1e-5 (diffusers' norm_eps default for BasicTransformerBlock).
struct BasicTransformerBlock {
    nn::LayerNorm norm1, norm2, norm3;
    CrossAttention attn1, attn2;
    GegluFeedForward ff;
    bool onlyCrossAttention = false;  // attn1 attends to the context too

    BasicTransformerBlock() = default;
    BasicTransformerBlock(const Scope& s, std::int64_t dim, std::int64_t heads,
                          std::int64_t contextDim, bool onlyCrossAttention, bool upcast);
    at::Tensor operator()(const at::Tensor& x, const at::Tensor& context) const;
};

// GroupNorm (eps 1e-6) → proj_in → blocks over the H·W tokens → proj_out → + residual.
// proj_in/proj_out are 1×1 convs (SD 1.x) or Linear (SD 2.x, use_linear_projection).
struct Transformer2D {
    nn::GroupNorm norm;
    bool linearProjection = false;
    nn::Conv2d projInConv, projOutConv;
    nn::Linear projInLinear, projOutLinear;
    std::vector<BasicTransformerBlock> blocks;

    Transformer2D() = default;
    Transformer2D(const Scope& s, std::int64_t channels, std::int64_t heads, std::int64_t layers,
                  std::int64_t contextDim, std::int64_t groups, bool linearProjection,
                  bool onlyCrossAttention, bool upcast);
    at::Tensor operator()(const at::Tensor& x, const at::Tensor& context) const;
};

}  // namespace archival::engine::unet
