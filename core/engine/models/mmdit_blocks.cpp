#include "engine/models/mmdit_blocks.h"

#include <cmath>

namespace archival::engine::mmdit {

at::Tensor timestepFeatures(const at::Tensor& timesteps, std::int64_t dim) {
    // Same operations in the same order as diffusers' get_timestep_embedding (embeddings.py),
    // so that float32 rounding matches: exponent = -ln(max_period) * arange(half) / half.
    const std::int64_t half = dim / 2;
    const auto opts = at::TensorOptions().dtype(at::kFloat).device(timesteps.device());
    const at::Tensor exponent = at::arange(half, opts) * (-std::log(10000.0)) / half;
    const at::Tensor args =
        timesteps.reshape({-1, 1}).to(at::kFloat) * at::exp(exponent).unsqueeze(0);
    // flip_sin_to_cos=True: cat[sin, cos] swapped to cat[cos, sin].
    at::Tensor emb = at::cat({at::cos(args), at::sin(args)}, -1);
    if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1});  // diffusers zero-pads odd widths
    return emb;
}

at::Tensor modulate(const at::Tensor& x, const at::Tensor& shift, const at::Tensor& scale) {
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

// ---------------------------------------------------------------------------------------------

PatchEmbed::PatchEmbed(const Scope& s, std::int64_t inChannels, std::int64_t dim,
                       std::int64_t patchSize_, std::int64_t maxSize_)
    : proj(s / "proj", inChannels, dim, patchSize_, /*stride=*/patchSize_),
      positions(s.param("pos_embed", {1, maxSize_ * maxSize_, dim})),
      patchSize(patchSize_),
      maxSize(maxSize_) {}

at::Tensor PatchEmbed::operator()(const at::Tensor& latent) const {
    const at::Tensor patches = proj(latent);  // [B, D, H/p, W/p]
    const std::int64_t gridH = patches.size(2), gridW = patches.size(3);
    const at::Tensor tokens = patches.flatten(2).transpose(1, 2);  // [B, (H/p)(W/p), D]
    return tokens + croppedPositions(gridH, gridW);
}

at::Tensor PatchEmbed::croppedPositions(std::int64_t gridH, std::int64_t gridW) const {
    const std::int64_t top = (maxSize - gridH) / 2, left = (maxSize - gridW) / 2;
    return positions.view({1, maxSize, maxSize, positions.size(-1)})
        .slice(1, top, top + gridH)
        .slice(2, left, left + gridW)
        .reshape({1, gridH * gridW, positions.size(-1)});
}

// ---------------------------------------------------------------------------------------------

TimestepTextEmbedding::TimestepTextEmbedding(const Scope& s, std::int64_t dim,
                                             std::int64_t pooledDim)
    : timeLinear1(s / "timestep_embedder" / "linear_1", kTimestepChannels, dim),
      timeLinear2(s / "timestep_embedder" / "linear_2", dim, dim),
      textLinear1(s / "text_embedder" / "linear_1", pooledDim, dim),
      textLinear2(s / "text_embedder" / "linear_2", dim, dim) {}

at::Tensor TimestepTextEmbedding::operator()(const at::Tensor& timestep,
                                             const at::Tensor& pooled) const {
    // The features are computed in float32 and only then cast to the run dtype, as
    // CombinedTimestepTextProjEmbeddings does (`.to(dtype=pooled_projection.dtype)`).
    const at::Tensor features = timestepFeatures(timestep, kTimestepChannels).to(pooled.dtype());
    const at::Tensor timeEmb = timeLinear2(at::silu(timeLinear1(features)));
    const at::Tensor textEmb = textLinear2(at::silu(textLinear1(pooled)));
    return timeEmb + textEmb;
}

// ---------------------------------------------------------------------------------------------

AdaLayerNormZero::AdaLayerNormZero(const Scope& s, std::int64_t dim, bool dual_)
    : linear(s / "linear", dim, (dual_ ? 9 : 6) * dim),
      norm(s / "norm", dim, kNormEps, /*affine=*/false),
      dual(dual_) {}

AdaLayerNormZero::Output AdaLayerNormZero::operator()(const at::Tensor& x,
                                                      const at::Tensor& temb) const {
    const auto c = linear(at::silu(temb)).chunk(dual ? 9 : 6, 1);
    const at::Tensor normed = norm(x);
    Output out;
    out.x = modulate(normed, /*shift_msa*/ c[0], /*scale_msa*/ c[1]);
    out.gateMsa = c[2];
    out.shiftMlp = c[3];
    out.scaleMlp = c[4];
    out.gateMlp = c[5];
    if (dual) {
        out.x2 = modulate(normed, /*shift_msa2*/ c[6], /*scale_msa2*/ c[7]);
        out.gateMsa2 = c[8];
    }
    return out;
}

AdaLayerNormContinuous::AdaLayerNormContinuous(const Scope& s, std::int64_t dim)
    : linear(s / "linear", dim, 2 * dim), norm(s / "norm", dim, kNormEps, /*affine=*/false) {}

at::Tensor AdaLayerNormContinuous::operator()(const at::Tensor& x, const at::Tensor& cond) const {
    const auto c = linear(at::silu(cond).to(x.scalar_type())).chunk(2, 1);
    return modulate(norm(x), /*shift*/ c[1], /*scale*/ c[0]);  // scale comes first here
}

// ---------------------------------------------------------------------------------------------

FeedForward::FeedForward(const Scope& s, std::int64_t dim)
    : proj(s / "net" / "0" / "proj", dim, 4 * dim), out(s / "net" / "2", 4 * dim, dim) {}

at::Tensor FeedForward::operator()(const at::Tensor& x) const {
    return out(at::gelu(proj(x), "tanh"));
}

// ---------------------------------------------------------------------------------------------

Attention::Attention(const Scope& s, std::int64_t dim, std::int64_t heads_, std::int64_t headDim,
                     bool joint_, bool contextPreOnly_, bool qkNorm_)
    : toQ(s / "to_q", dim, dim),
      toK(s / "to_k", dim, dim),
      toV(s / "to_v", dim, dim),
      toOut(s / "to_out" / "0", dim, dim),
      heads(heads_),
      joint(joint_),
      contextPreOnly(contextPreOnly_),
      qkNorm(qkNorm_) {
    if (qkNorm) {
        normQ = nn::RMSNorm(s / "norm_q", headDim, kNormEps);
        normK = nn::RMSNorm(s / "norm_k", headDim, kNormEps);
    }
    if (!joint) return;
    addQ = nn::Linear(s / "add_q_proj", dim, dim);
    addK = nn::Linear(s / "add_k_proj", dim, dim);
    addV = nn::Linear(s / "add_v_proj", dim, dim);
    if (qkNorm) {
        normAddedQ = nn::RMSNorm(s / "norm_added_q", headDim, kNormEps);
        normAddedK = nn::RMSNorm(s / "norm_added_k", headDim, kNormEps);
    }
    if (!contextPreOnly) toAddOut = nn::Linear(s / "to_add_out", dim, dim);
}

at::Tensor Attention::projectHeads(const nn::Linear& proj, const at::Tensor& x,
                                   const nn::RMSNorm* norm) const {
    at::Tensor t = nn::splitHeads(proj(x), heads);  // [B, heads, T, headDim]
    return norm ? (*norm)(t) : t;
}

std::pair<at::Tensor, at::Tensor> Attention::operator()(const at::Tensor& x,
                                                        const at::Tensor& context) const {
    const at::Tensor q = projectHeads(toQ, x, qkNorm ? &normQ : nullptr);
    const at::Tensor k = projectHeads(toK, x, qkNorm ? &normK : nullptr);
    const at::Tensor v = projectHeads(toV, x, nullptr);
    const at::Tensor cq = projectHeads(addQ, context, qkNorm ? &normAddedQ : nullptr);
    const at::Tensor ck = projectHeads(addK, context, qkNorm ? &normAddedK : nullptr);
    const at::Tensor cv = projectHeads(addV, context, nullptr);
    // One attention over [image tokens, text tokens] (JointAttnProcessor2_0's order).
    const at::Tensor o = nn::mergeHeads(
        nn::attention(at::cat({q, cq}, 2), at::cat({k, ck}, 2), at::cat({v, cv}, 2)));
    const std::int64_t imageTokens = x.size(1);
    const at::Tensor image = toOut(o.slice(1, 0, imageTokens));
    if (contextPreOnly) return {image, at::Tensor()};
    return {image, toAddOut(o.slice(1, imageTokens))};
}

at::Tensor Attention::operator()(const at::Tensor& x) const {
    const at::Tensor q = projectHeads(toQ, x, qkNorm ? &normQ : nullptr);
    const at::Tensor k = projectHeads(toK, x, qkNorm ? &normK : nullptr);
    const at::Tensor v = projectHeads(toV, x, nullptr);
    return toOut(nn::mergeHeads(nn::attention(q, k, v)));
}

// ---------------------------------------------------------------------------------------------

JointTransformerBlock::JointTransformerBlock(const Scope& s, std::int64_t dim, std::int64_t heads,
                                             std::int64_t headDim, bool contextPreOnly_,
                                             bool qkNorm, bool dual_)
    : norm1(s / "norm1", dim, dual_),
      attn(s / "attn", dim, heads, headDim, /*joint=*/true, contextPreOnly_, qkNorm),
      norm2(s / "norm2", dim, kNormEps, /*affine=*/false),
      ff(s / "ff", dim),
      contextPreOnly(contextPreOnly_),
      dual(dual_) {
    if (contextPreOnly) {
        norm1ContextFinal = AdaLayerNormContinuous(s / "norm1_context", dim);
    } else {
        norm1Context = AdaLayerNormZero(s / "norm1_context", dim, /*dual=*/false);
        norm2Context = nn::LayerNorm(s / "norm2_context", dim, kNormEps, /*affine=*/false);
        ffContext = FeedForward(s / "ff_context", dim);
    }
    if (dual) {
        attn2 = Attention(s / "attn2", dim, heads, headDim, /*joint=*/false,
                          /*contextPreOnly=*/false, qkNorm);
    }
}

std::pair<at::Tensor, at::Tensor> JointTransformerBlock::operator()(const at::Tensor& hidden,
                                                                    const at::Tensor& context,
                                                                    const at::Tensor& temb) const {
    const AdaLayerNormZero::Output n = norm1(hidden, temb);
    AdaLayerNormZero::Output nc;
    const at::Tensor contextIn =
        contextPreOnly ? norm1ContextFinal(context, temb) : (nc = norm1Context(context, temb)).x;

    const auto [attnOut, contextAttnOut] = attn(n.x, contextIn);
    // Image stream: gated residuals, in diffusers' order (joint attention, then attn2 on the
    // second modulation of the same normalized input, then the MLP).
    at::Tensor h = hidden + n.gateMsa.unsqueeze(1) * attnOut;
    if (dual) h = h + n.gateMsa2.unsqueeze(1) * attn2(n.x2);
    h = h + n.gateMlp.unsqueeze(1) * ff(modulate(norm2(h), n.shiftMlp, n.scaleMlp));
    if (contextPreOnly) return {at::Tensor(), h};

    at::Tensor c = context + nc.gateMsa.unsqueeze(1) * contextAttnOut;
    c = c +
        nc.gateMlp.unsqueeze(1) * ffContext(modulate(norm2Context(c), nc.shiftMlp, nc.scaleMlp));
    return {c, h};
}

}  // namespace archival::engine::mmdit
