#pragma once
// What every libtorch-backed pipeline shares: the device and dtype it runs in, and its
// memory as the sum of its resident components.

#include <ATen/ATen.h>

#include "engine/generation.h"

namespace archival::engine {

class LoadedPipeline : public ImagePipeline {
  public:
    Device device() const override;
    Dtype dtype() const override;
    std::uint64_t parameterBytes() const override;

  protected:
    at::Device device_ = at::kCPU;
    at::ScalarType dtype_ = at::kFloat;
};

}  // namespace archival::engine
