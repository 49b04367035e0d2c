#pragma once
// 2-D convolution on the CPU through oneDNN with the weight reordered once into the blocked
// layout oneDNN computes in, instead of on every call (at::conv2d reorders the whole weight
// each time: for the SD 1.5 UNet about as much memory traffic per step as the activations at
// 256²). The packed copy lives beside the model's weight (see packing_epoch.h).

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <mutex>

#include "engine/nn/packing_epoch.h"

namespace archival::engine::nn {

class PackedConvWeight {
  public:
    // Whether the packed path serves this call: CPU tensors of one float type (fp32, bf16)
    // with oneDNN in the build.
    static bool serves(const at::Tensor& x, const at::Tensor& weight);
    // conv2d(x, weight, bias) with dilation 1 and one group; the output is channels-last.
    at::Tensor run(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                   std::int64_t stride, std::int64_t padding);

  private:
    std::mutex mutex_;
    at::Tensor packed_;
    const void* source_ = nullptr;  // the weight's data the copy was made from
    at::ScalarType dtype_ = at::kFloat;
    std::uint64_t epoch_ = 0;
};

}  // namespace archival::engine::nn
