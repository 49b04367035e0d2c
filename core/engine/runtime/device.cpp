#include "engine/runtime/device.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <c10/util/Exception.h>

#include "engine/errors.h"

namespace archival::engine {

at::Device resolveDevice(const std::string& spec) {
    const bool cuda = at::hasCUDA();
    if (spec.empty() || spec == "auto")
        return cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    if (spec == "cpu") return at::kCPU;
    if (spec.rfind("cuda", 0) == 0) {
        if (!cuda)
            throw EngineError(ErrorKind::InvalidRequest,
                              "device '" + spec + "' asked for, but no CUDA device is available");
        try {
            return at::Device(spec);
        } catch (const c10::Error&) {
            throw EngineError(ErrorKind::InvalidRequest, "unknown device '" + spec + "'");
        }
    }
    throw EngineError(ErrorKind::InvalidRequest,
                      "unknown device '" + spec + "' (use auto, cpu, cuda or cuda:N)");
}

at::ScalarType resolveDtype(const std::string& spec, const at::Device& device,
                            const std::string& family) {
    if (spec.empty() || spec == "auto") {
        if (!device.is_cuda()) return at::kFloat;
        return family == "sd3" ? at::kBFloat16 : at::kHalf;
    }
    if (spec == "fp32" || spec == "float32") return at::kFloat;
    if (spec == "fp16" || spec == "float16") return at::kHalf;
    if (spec == "bf16" || spec == "bfloat16") return at::kBFloat16;
    throw EngineError(ErrorKind::InvalidRequest,
                      "unknown dtype '" + spec + "' (use auto, fp32, fp16 or bf16)");
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
