#pragma once
// The building blocks of the SD3 / SD3.5 MMDiT (diffusers v0.31.0 SD3Transformer2DModel),
// each named after its diffusers class and built from the same checkpoint names:
//   PatchEmbed                          (embeddings.py)  pos_embed.*
//   CombinedTimestepTextProjEmbeddings  (embeddings.py)  time_text_embed.*
//   AdaLayerNormZero / SD35AdaLayerNormZeroX / AdaLayerNormContinuous (normalization.py)
//   Attention + JointAttnProcessor2_0   (attention_processor.py)
//   FeedForward (gelu-approximate)      (attention.py)
//   JointTransformerBlock               (attention.py)  transformer_blocks.<i>.*
// Forward passes are plain ATen calls on [batch, tokens, features] tensors.

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>

#include "engine/nn/layers.h"
#include "engine/nn/parameters.h"

namespace archival::engine::mmdit {

// SD3's LayerNorms and RMSNorms all use eps 1e-6 (diffusers JointTransformerBlock,
// AdaLayerNormZero, Attention(eps=1e-6)).
inline constexpr double kNormEps = 1e-6;

// diffusers get_timestep_embedding(t, dim, flip_sin_to_cos=True, downscale_freq_shift=0),
// in float32: freqs = exp(-ln(10000) * arange(dim/2) / (dim/2)), args = t * freqs,
// result = cat[cos(args), sin(args)] (the flip puts cos first). [B] -> [B, dim] float32.
at::Tensor timestepFeatures(const at::Tensor& timesteps, std::int64_t dim);

// x * (1 + scale) + shift, with per-sample [B, D] modulation broadcast over the tokens of
// x [B, T, D]: the modulation of every adaptive norm in SD3.
at::Tensor modulate(const at::Tensor& x, const at::Tensor& shift, const at::Tensor& scale);

// Patchify conv (kernel = stride = patch size) to tokens, plus the 2-D sin-cos position
// table. The table is a persistent buffer stored in the checkpoint as
// `pos_embed.pos_embed` [1, max*max, D]; it is loaded, never recomputed, and
// center-cropped to the latent's patch grid.
struct PatchEmbed {
    nn::Conv2d proj;
    at::Tensor positions;  // [1, maxSize * maxSize, dim]
    std::int64_t patchSize = 2;
    std::int64_t maxSize = 96;

    PatchEmbed() = default;
    PatchEmbed(const Scope& s, std::int64_t inChannels, std::int64_t dim, std::int64_t patchSize,
               std::int64_t maxSize);
    // [B, C, H, W] -> [B, (H/p) * (W/p), dim]; H and W must be checked by the caller.
    at::Tensor operator()(const at::Tensor& latent) const;
    // diffusers PatchEmbed.cropped_pos_embed: top = (max - h) // 2, left = (max - w) // 2.
    at::Tensor croppedPositions(std::int64_t gridH, std::int64_t gridW) const;
};

// temb = TimestepEmbedding(time_proj(t)) + PixArtAlphaTextProjection(pooled): both are
// linear-SiLU-linear; the timestep features are 256 wide.
struct TimestepTextEmbedding {
    static constexpr std::int64_t kTimestepChannels = 256;
    nn::Linear timeLinear1, timeLinear2;  // timestep_embedder.linear_1 / linear_2
    nn::Linear textLinear1, textLinear2;  // text_embedder.linear_1 / linear_2

    TimestepTextEmbedding() = default;
    TimestepTextEmbedding(const Scope& s, std::int64_t dim, std::int64_t pooledDim);
    // timestep: float [B] (sigma * 1000); pooled [B, pooledDim] -> [B, dim].
    at::Tensor operator()(const at::Tensor& timestep, const at::Tensor& pooled) const;
};

// AdaLayerNormZero (6 chunks) or, with `dual`, SD35AdaLayerNormZeroX (9 chunks):
// linear(silu(temb)) -> shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp
// [, shift_msa2, scale_msa2, gate_msa2]. The norm is LayerNorm(eps 1e-6, no affine).
struct AdaLayerNormZero {
    struct Output {
        at::Tensor x;  // LN(x) * (1 + scale_msa) + shift_msa
        at::Tensor gateMsa, shiftMlp, scaleMlp, gateMlp;
        at::Tensor x2, gateMsa2;  // dual only: LN(x) * (1 + scale_msa2) + shift_msa2
    };
    nn::Linear linear;
    nn::LayerNorm norm;
    bool dual = false;

    AdaLayerNormZero() = default;
    AdaLayerNormZero(const Scope& s, std::int64_t dim, bool dual);
    Output operator()(const at::Tensor& x, const at::Tensor& temb) const;
};

// AdaLayerNormContinuous: linear(silu(cond)) -> **scale, shift** (scale first, unlike
// AdaLayerNormZero), then LN(x) * (1 + scale) + shift. Used by norm_out and by the
// context norm of the last (context_pre_only) block.
struct AdaLayerNormContinuous {
    nn::Linear linear;
    nn::LayerNorm norm;

    AdaLayerNormContinuous() = default;
    AdaLayerNormContinuous(const Scope& s, std::int64_t dim);
    at::Tensor operator()(const at::Tensor& x, const at::Tensor& cond) const;
};

// FeedForward(dim, mult 4, activation "gelu-approximate"): net.0.proj, gelu(tanh), net.2.
struct FeedForward {
    nn::Linear proj, out;

    FeedForward() = default;
    FeedForward(const Scope& s, std::int64_t dim);
    at::Tensor operator()(const at::Tensor& x) const;
};

// diffusers Attention driven by JointAttnProcessor2_0. `joint` adds the text stream
// (add_q/k/v_proj, norm_added_q/k, and to_add_out unless `contextPreOnly`); otherwise it
// is plain self-attention (MMDiT-X attn2). With qk norm, q and k are RMS-normalized per
// head over head_dim (float32) before the streams are concatenated.
struct Attention {
    nn::Linear toQ, toK, toV, toOut;
    nn::Linear addQ, addK, addV, toAddOut;
    nn::RMSNorm normQ, normK, normAddedQ, normAddedK;
    std::int64_t heads = 1;
    bool joint = false;
    bool contextPreOnly = false;
    bool qkNorm = false;

    Attention() = default;
    Attention(const Scope& s, std::int64_t dim, std::int64_t heads, std::int64_t headDim,
              bool joint, bool contextPreOnly, bool qkNorm);
    // Joint attention over cat[image tokens, text tokens]: {image out, text out}. The text
    // out is undefined when contextPreOnly (the last block discards it).
    std::pair<at::Tensor, at::Tensor> operator()(const at::Tensor& x,
                                                 const at::Tensor& context) const;
    // Self-attention over x's tokens only (attn2 of MMDiT-X).
    at::Tensor operator()(const at::Tensor& x) const;

  private:
    // proj(x) split into [B, heads, T, headDim], RMS-normalized when `norm` is given.
    at::Tensor projectHeads(const nn::Linear& proj, const at::Tensor& x,
                            const nn::RMSNorm* norm) const;
};

// One MMDiT block: AdaLN-Zero modulation of both streams, joint attention, gated
// residuals, gelu-tanh MLPs. The last block is `contextPreOnly`: its text stream only
// feeds the attention (norm1_context is AdaLayerNormContinuous; no to_add_out,
// norm2_context or ff_context). `dual` adds MMDiT-X's image self-attention `attn2`.
struct JointTransformerBlock {
    AdaLayerNormZero norm1;
    AdaLayerNormZero norm1Context;             // unless contextPreOnly
    AdaLayerNormContinuous norm1ContextFinal;  // contextPreOnly only
    Attention attn, attn2;
    nn::LayerNorm norm2, norm2Context;
    FeedForward ff, ffContext;
    bool contextPreOnly = false;
    bool dual = false;

    JointTransformerBlock() = default;
    JointTransformerBlock(const Scope& s, std::int64_t dim, std::int64_t heads,
                          std::int64_t headDim, bool contextPreOnly, bool qkNorm, bool dual);
    // {text stream (undefined when contextPreOnly), image stream}: diffusers' return order.
    std::pair<at::Tensor, at::Tensor> operator()(const at::Tensor& hidden,
                                                 const at::Tensor& context,
                                                 const at::Tensor& temb) const;
};

}  // namespace archival::engine::mmdit
