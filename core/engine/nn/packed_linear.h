#pragma once
// fp32 linear layers on the CPU through oneDNN with the weight reordered once into its
// blocked layout. libtorch sends fp32 linear to MKL's sgemm, which on some CPUs (AMD's among
// them) runs well below the machine: for SD 1.5's UNet shapes oneDNN on a packed weight took
// 0.49 s per step at 256² where at::linear took 0.73 s (2 threads, AVX-512). bf16 is left to
// at::linear, which already runs oneDNN (packing gained 1-5 % there, not worth a copy of SD
// 3.5's 16 GB transformer).
//
// The copy costs the weight's size again. All copies together stay within a process-wide
// budget, an eighth of the machine's memory by default; a weight past it runs at::linear.
// The model's weight stays the tensor LoRA writes into (see packing_epoch.h).

#include <ATen/ATen.h>

#include <cstdint>
#include <mutex>

#include "engine/nn/packing_epoch.h"

namespace archival::engine::nn {

class PackedLinearWeight {
  public:
    PackedLinearWeight() = default;
    PackedLinearWeight(const PackedLinearWeight&) = delete;
    PackedLinearWeight& operator=(const PackedLinearWeight&) = delete;
    ~PackedLinearWeight();  // gives its bytes back to the budget

    // Whether the packed path can serve this call: CPU fp32 input and 2-D weight with oneDNN
    // in the build.
    static bool serves(const at::Tensor& x, const at::Tensor& weight);
    // linear(x, weight, bias); an undefined tensor when the budget has no room for this
    // weight's copy (the caller then runs at::linear).
    at::Tensor run(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

    // The budget for all copies together, and what they hold now.
    static void setBudgetBytes(std::uint64_t bytes);
    static std::uint64_t budgetBytes();
    static std::uint64_t heldBytes();

  private:
    void drop();  // with mutex_ held

    std::mutex mutex_;
    at::Tensor packed_;
    const void* source_ = nullptr;  // the weight's data the copy was made from
    std::uint64_t epoch_ = 0;
    std::uint64_t bytes_ = 0;  // counted against the budget
};

}  // namespace archival::engine::nn
