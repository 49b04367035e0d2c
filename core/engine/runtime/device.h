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
// on the CPU what cpuAutoPrecision() picks (bf16 where the CPU computes it natively, else fp32).
at::ScalarType resolveDtype(Dtype dtype, const at::Device& device, Family family);

// The environment variable that keeps `auto` at fp32 on the CPU: ARCHIVAL_CPU_BF16=0 (or
// off/no/false). Unset or anything else: bf16 where the hardware has it.
inline constexpr const char* kCpuBf16Variable = "ARCHIVAL_CPU_BF16";

// What `auto` means on the CPU, and why: bf16 compute when the CPU has AMX tiles or
// AVX512-BF16 (oneDNN then runs bf16 convolutions and matmuls at 2-4x fp32 with fp32
// accumulation) unless ARCHIVAL_CPU_BF16 switches it off; fp32 otherwise (bf16 without those
// instructions is emulated and slower than fp32). Detected at run time, once.
struct CpuPrecision {
    at::ScalarType dtype;
    std::string reason;  // e.g. "AVX512-BF16 present", "ARCHIVAL_CPU_BF16=0"
};
const CpuPrecision& cpuAutoPrecision();
// The rule itself, for a given switch value (null: unset) and hardware.
CpuPrecision chooseCpuPrecision(const char* switchValue, bool amx, bool avx512Bf16, bool oneDnn);
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
