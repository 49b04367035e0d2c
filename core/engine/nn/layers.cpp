#include "engine/nn/layers.h"

namespace archival::engine::nn {

Linear::Linear(const Scope& s, std::int64_t in, std::int64_t out, bool withBias)
    : weight(s.param("weight", {out, in})),
      bias(withBias ? s.param("bias", {out}) : at::Tensor()),
      packed_(s.packsWeights() ? std::make_shared<PackedLinearWeight>() : nullptr) {}

at::Tensor Linear::operator()(const at::Tensor& x) const {
    if (packed_ && PackedLinearWeight::serves(x, weight)) {
        at::Tensor y = packed_->run(x, weight, bias);
        if (y.defined()) return y;
    }
    // A strided input of more than two dimensions (a slice of SD3's joint attention output)
    // is not folded into one GEMM by at::linear but run as a batched matmul, about 45 %
    // slower in bf16 than a copy and one GEMM.
    if (x.dim() > 2 && !x.is_contiguous()) return at::linear(x.contiguous(), weight, bias);
    return at::linear(x, weight, bias);
}

Conv2d::Conv2d(const Scope& s, std::int64_t in, std::int64_t out, std::int64_t kernel,
               std::int64_t stride_, std::int64_t padding_, bool withBias)
    : weight(s.param("weight", {out, in, kernel, kernel})),
      bias(withBias ? s.param("bias", {out}) : at::Tensor()),
      stride(stride_),
      padding(padding_),
      packed_(s.packsWeights() ? std::make_shared<PackedConvWeight>() : nullptr) {}

at::Tensor Conv2d::operator()(const at::Tensor& x) const {
    if (packed_ && PackedConvWeight::serves(x, weight))
        return packed_->run(x, weight, bias, stride, padding);
    return at::conv2d(x, weight, bias, {stride, stride}, {padding, padding});
}

GroupNorm::GroupNorm(const Scope& s, std::int64_t groups_, std::int64_t channels, double eps_,
                     bool affine)
    : weight(affine ? s.param("weight", {channels}) : at::Tensor()),
      bias(affine ? s.param("bias", {channels}) : at::Tensor()),
      groups(groups_),
      eps(eps_) {}

LayerNorm::LayerNorm(const Scope& s, std::int64_t dim_, double eps_, bool affine, bool withBias)
    : weight(affine ? s.param("weight", {dim_}) : at::Tensor()),
      bias(affine && withBias ? s.param("bias", {dim_}) : at::Tensor()),
      dim(dim_),
      eps(eps_) {}

RMSNorm::RMSNorm(const Scope& s, std::int64_t dim, double eps_)
    : weight(s.param("weight", {dim})), eps(eps_) {}

at::Tensor RMSNorm::operator()(const at::Tensor& x) const {
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean({-1}, /*keepdim=*/true) + eps);
    return (normed * weight.to(at::kFloat)).to(x.scalar_type());
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const c10::optional<at::Tensor>& mask, c10::optional<double> scale) {
    return at::scaled_dot_product_attention(q, k, v, mask, /*dropout_p=*/0.0, /*is_causal=*/false,
                                            scale);
}

at::Tensor splitHeads(const at::Tensor& x, std::int64_t heads) {
    const auto b = x.size(0), t = x.size(1), d = x.size(2) / heads;
    return x.view({b, t, heads, d}).transpose(1, 2);
}

at::Tensor mergeHeads(const at::Tensor& x) {
    const auto b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3);
    return x.transpose(1, 2).reshape({b, t, h * d});
}

}  // namespace archival::engine::nn
