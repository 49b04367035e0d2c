// The spellings of the public choices (engine/generation.h): family, device and dtype. The
// sampler names belong to the scheduler factory (schedulers/scheduler_factory.cpp).
#include <cctype>

#include "engine/errors.h"
#include "engine/generation.h"

namespace archival::engine {

const char* familyName(Family family) {
    switch (family) {
        case Family::Sd15:
            return "sd15";
        case Family::Sd3:
            return "sd3";
    }
    return "sd15";
}

std::optional<Family> familyFromName(const std::string& name) {
    if (name == "sd15") return Family::Sd15;
    if (name == "sd3") return Family::Sd3;
    return std::nullopt;
}

Family parseFamily(const std::string& name) {
    if (auto f = familyFromName(name)) return *f;
    throw EngineError(ErrorKind::InvalidRequest,
                      "unknown model family '" + name + "' (use sd15 or sd3)");
}

std::string deviceName(const Device& device) {
    switch (device.kind) {
        case DeviceKind::Auto:
            return "auto";
        case DeviceKind::Cpu:
            return "cpu";
        case DeviceKind::Cuda:
            return device.index < 0 ? "cuda" : "cuda:" + std::to_string(device.index);
    }
    return "auto";
}

std::optional<Device> deviceFromName(const std::string& name) {
    if (name.empty() || name == "auto") return Device::automatic();
    if (name == "cpu") return Device::cpu();
    if (name == "cuda") return Device::cuda();
    const std::string prefix = "cuda:";
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.size() > prefix.size() + 4)
        return std::nullopt;
    int index = 0;
    for (std::size_t i = prefix.size(); i < name.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(name[i]))) return std::nullopt;
        index = index * 10 + (name[i] - '0');
    }
    return Device::cuda(index);
}

Device parseDevice(const std::string& name) {
    if (auto d = deviceFromName(name)) return *d;
    throw EngineError(ErrorKind::InvalidRequest,
                      "unknown device '" + name + "' (use auto, cpu, cuda or cuda:N)");
}

const char* dtypeName(Dtype dtype) {
    switch (dtype) {
        case Dtype::Auto:
            return "auto";
        case Dtype::Fp32:
            return "fp32";
        case Dtype::Fp16:
            return "fp16";
        case Dtype::Bf16:
            return "bf16";
    }
    return "auto";
}

std::optional<Dtype> dtypeFromName(const std::string& name) {
    if (name.empty() || name == "auto") return Dtype::Auto;
    if (name == "fp32" || name == "float32") return Dtype::Fp32;
    if (name == "fp16" || name == "float16") return Dtype::Fp16;
    if (name == "bf16" || name == "bfloat16") return Dtype::Bf16;
    return std::nullopt;
}

Dtype parseDtype(const std::string& name) {
    if (auto d = dtypeFromName(name)) return *d;
    throw EngineError(ErrorKind::InvalidRequest,
                      "unknown dtype '" + name + "' (use auto, fp32, fp16 or bf16)");
}

}  // namespace archival::engine
