#include "engine/runtime/device.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/cpu/Utils.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>

#include "engine/errors.h"

namespace archival::engine {

at::Device resolveDevice(const Device& device) {
    const bool cuda = at::hasCUDA();
    switch (device.kind) {
        case DeviceKind::Auto:
            return cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
        case DeviceKind::Cpu:
            return at::kCPU;
        case DeviceKind::Cuda:
            if (!cuda)
                throw EngineError(ErrorKind::InvalidRequest,
                                  "device '" + deviceName(device) +
                                      "' asked for, but no CUDA device is available");
            if (device.index > std::numeric_limits<c10::DeviceIndex>::max())
                throw EngineError(ErrorKind::InvalidRequest,
                                  "unknown device '" + deviceName(device) + "'");
            return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device.index));
    }
    return at::kCPU;
}

Device publicDevice(const at::Device& device) {
    if (device.is_cuda()) return Device::cuda(device.has_index() ? device.index() : -1);
    return Device::cpu();
}

namespace {

bool switchedOff(std::string value) {
    std::transform(value.begin(), value.end(), value.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return value == "0" || value == "off" || value == "no" || value == "false";
}

}  // namespace

CpuPrecision chooseCpuPrecision(const char* switchValue, bool amx, bool avx512Bf16, bool oneDnn) {
    if (switchValue && switchedOff(switchValue))
        return {at::kFloat, std::string(kCpuBf16Variable) + "=" + switchValue};
    std::string found;
    if (amx) found = "AMX";
    if (avx512Bf16) found += found.empty() ? "AVX512-BF16" : " AVX512-BF16";
    if (found.empty()) return {at::kFloat, "no bf16 hardware (AMX, AVX512-BF16)"};
    if (!oneDnn) return {at::kFloat, found + " present, but libtorch was built without oneDNN"};
    return {at::kBFloat16, found + " present"};
}

const CpuPrecision& cpuAutoPrecision() {
    static const CpuPrecision precision =
        chooseCpuPrecision(std::getenv(kCpuBf16Variable), at::cpu::is_amx_tile_supported(),
                           at::cpu::is_avx512_bf16_supported(), at::hasMKLDNN());
    return precision;
}

at::ScalarType resolveDtype(Dtype dtype, const at::Device& device, Family family) {
    switch (dtype) {
        case Dtype::Auto:
            if (!device.is_cuda()) return cpuAutoPrecision().dtype;
            return family == Family::Sd3 ? at::kBFloat16 : at::kHalf;
        case Dtype::Fp32:
            return at::kFloat;
        case Dtype::Fp16:
            return at::kHalf;
        case Dtype::Bf16:
            return at::kBFloat16;
    }
    return at::kFloat;
}

Dtype publicDtype(at::ScalarType t) {
    switch (t) {
        case at::kFloat:
            return Dtype::Fp32;
        case at::kHalf:
            return Dtype::Fp16;
        case at::kBFloat16:
            return Dtype::Bf16;
        default:
            throw EngineError(ErrorKind::Internal,
                              std::string("a pipeline runs in ") + c10::toString(t));
    }
}

std::string scalarTypeName(at::ScalarType t) {
    switch (t) {
        case at::kFloat:
            return "fp32";
        case at::kHalf:
            return "fp16";
        case at::kBFloat16:
            return "bf16";
        default:
            return c10::toString(t);
    }
}

at::Generator cpuGenerator(std::uint64_t seed) {
    return at::make_generator<at::CPUGeneratorImpl>(seed);
}

at::Tensor seededNoise(at::IntArrayRef shape, at::Generator& generator, const at::Device& device,
                       at::ScalarType dtype) {
    return at::randn(shape, generator, at::TensorOptions().dtype(at::kFloat)).to(device, dtype);
}

void translateTorchErrors(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const EngineError&) {
        throw;
    } catch (const c10::OutOfMemoryError& e) {
        throw EngineError(ErrorKind::OutOfMemory,
                          std::string("out of device memory: ") + e.what_without_backtrace());
    } catch (const c10::Error& e) {
        const std::string what = e.what_without_backtrace();
        if (what.find("out of memory") != std::string::npos ||
            what.find("CUDA out of memory") != std::string::npos)
            throw EngineError(ErrorKind::OutOfMemory, "out of device memory: " + what);
        throw EngineError(ErrorKind::Internal, "libtorch: " + what);
    } catch (const std::bad_alloc&) {
        throw EngineError(ErrorKind::OutOfMemory, "out of host memory");
    }
}

}  // namespace archival::engine
