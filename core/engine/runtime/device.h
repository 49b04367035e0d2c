#pragma once
// Device and dtype choice, seeded noise, and the translation of libtorch failures into
// typed engine errors.

#include <ATen/ATen.h>

#include <functional>
#include <string>

#include "engine/generation.h"

namespace archival::engine {

// Auto → CUDA when available, else CPU; cpu, cuda, cuda:N as given.
// Throws InvalidRequest when CUDA is asked for and absent.
at::Device resolveDevice(const Device& device);
// The public form of a resolved device: cpu, or cuda (with its index when it has one).
Device publicDevice(const at::Device& device);

// Auto → on CUDA: bf16 for SD3 (T5 and MMDiT activations overflow fp16), fp16 for SD 1.5;
// on CPU fp32 (CPU half-precision kernels are slow or missing).
at::ScalarType resolveDtype(Dtype dtype, const at::Device& device, Family family);
// fp32, fp16, bf16; Throws EngineError(Internal) for any other type.
Dtype publicDtype(at::ScalarType t);
std::string scalarTypeName(at::ScalarType t);

// torch.randn(shape, generator=torch.Generator('cpu').manual_seed(seed)), then moved to
// the device: the same seed gives the same noise on every device, as the reference does.
at::Generator cpuGenerator(std::uint64_t seed);
at::Tensor seededNoise(at::IntArrayRef shape, at::Generator& generator, const at::Device& device,
                       at::ScalarType dtype);

// Runs `fn`, turning libtorch's out-of-memory into EngineError(OutOfMemory) and any other
// c10::Error into EngineError(Internal) with its message; EngineErrors pass through.
void translateTorchErrors(const std::function<void()>& fn);

}  // namespace archival::engine
