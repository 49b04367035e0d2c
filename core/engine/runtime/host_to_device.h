#pragma once
// Host → device copies that do not make the host wait for the device.

#include <ATen/ATen.h>

namespace archival::engine {

// `host` (a CPU tensor) on `device`. On a GPU the bytes go through page-locked memory with
// a non-blocking copy: a copy from ordinary memory waits for the device's queue to drain,
// which inside the denoising loop would stall the host once per step. On the CPU: `host`.
at::Tensor copyToDeviceAsync(const at::Tensor& host, const at::Device& device);

}  // namespace archival::engine
