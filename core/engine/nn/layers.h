#pragma once
// The few building blocks every model here is made of, named like their PyTorch
// counterparts so that checkpoint keys read the same (`<scope>.weight`, `<scope>.bias`).
// Each is a small value type holding tensors that share storage with the ParameterSource's
// record (LoRA merges write into them in place).

#include <ATen/ATen.h>

#include <memory>

#include "engine/nn/packed_conv.h"
#include "engine/nn/packed_linear.h"
#include "engine/nn/parameters.h"

namespace archival::engine::nn {

// fp32 on the CPU through oneDNN with a weight packed once, within a budget (see
// packed_linear.h); everything else through at::linear.
struct Linear {
    at::Tensor weight, bias;
    Linear() = default;
    Linear(const Scope& s, std::int64_t in, std::int64_t out, bool withBias = true);
    at::Tensor operator()(const at::Tensor& x) const;

  private:
    // Shared by copies of this layer, which hold the same weight; null when its scope packs
    // no weights.
    std::shared_ptr<PackedLinearWeight> packed_;
};

// On the CPU through oneDNN with a weight packed once (see packed_conv.h); the output is
// then channels-last (NHWC in memory), which the norms, activations and the next
// convolution read without a copy. Code that needs a plain layout asks for it.
struct Conv2d {
    at::Tensor weight, bias;
    std::int64_t stride = 1, padding = 0;
    Conv2d() = default;
    Conv2d(const Scope& s, std::int64_t in, std::int64_t out, std::int64_t kernel,
           std::int64_t stride = 1, std::int64_t padding = 0, bool withBias = true);
    at::Tensor operator()(const at::Tensor& x) const;

  private:
    // Shared by copies of this layer, which hold the same weight; null when its scope packs
    // no weights.
    std::shared_ptr<PackedConvWeight> packed_;
};

struct GroupNorm {
    at::Tensor weight, bias;
    std::int64_t groups = 32;
    double eps = 1e-5;
    GroupNorm() = default;
    GroupNorm(const Scope& s, std::int64_t groups, std::int64_t channels, double eps,
              bool affine = true);
    at::Tensor operator()(const at::Tensor& x) const {
        return at::group_norm(x, groups, weight, bias, eps);
    }
    // silu(norm(x)), the SiLU in place on the norm's own output: no second activation-sized
    // tensor.
    at::Tensor thenSilu(const at::Tensor& x) const {
        at::Tensor y = (*this)(x);
        at::silu_(y);
        return y;
    }
};

struct LayerNorm {
    at::Tensor weight, bias;
    std::int64_t dim = 0;
    double eps = 1e-5;
    LayerNorm() = default;
    // affine=false: no parameters (SD3's adaptive norms).
    LayerNorm(const Scope& s, std::int64_t dim, double eps, bool affine = true,
              bool withBias = true);
    at::Tensor operator()(const at::Tensor& x) const {
        return at::layer_norm(x, {dim}, weight, bias, eps);
    }
};

// RMS norm over the last dimension, computed in float32: x * rsqrt(mean(x²) + eps) * w.
struct RMSNorm {
    at::Tensor weight;
    double eps = 1e-6;
    RMSNorm() = default;
    RMSNorm(const Scope& s, std::int64_t dim, double eps);
    at::Tensor operator()(const at::Tensor& x) const;
};

// softmax(q kᵀ · scale + mask) v over [B, heads, tokens, head_dim] tensors, through
// libtorch's fused SDPA (flash/memory-efficient kernels on CUDA).
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const c10::optional<at::Tensor>& mask = c10::nullopt,
                     c10::optional<double> scale = c10::nullopt);

// [B, T, heads*d] -> [B, heads, T, d] and back.
at::Tensor splitHeads(const at::Tensor& x, std::int64_t heads);
at::Tensor mergeHeads(const at::Tensor& x);

}  // namespace archival::engine::nn
