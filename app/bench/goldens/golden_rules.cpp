#include "golden_rules.h"

#include <fstream>
#include <nlohmann/json.hpp>

namespace archival::goldens {
namespace {

nlohmann::json readJson(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::optional<MeasuredError> toleranceOf(const std::string& file,
                                         const std::string& comparisonPrefix,
                                         const std::string& containing, const std::string& tensor) {
    const nlohmann::json j = readJson(file);
    if (!j.is_object() || !j.contains("comparisons")) return std::nullopt;
    std::optional<MeasuredError> found;
    for (const auto& [name, tensors] : j["comparisons"].items()) {
        if (!startsWith(name, comparisonPrefix) || name.find(containing) == std::string::npos)
            continue;
        if (!tensors.contains(tensor) || !tensors[tensor].contains("max_abs")) continue;
        const double v = tensors[tensor]["max_abs"].get<double>();
        if (!found || v > found->maxAbs) found = MeasuredError{v, name + " " + tensor};
    }
    return found;
}

std::vector<MeasuredNoise> noiseOf(const std::string& file) {
    const nlohmann::json j = readJson(file);
    std::vector<MeasuredNoise> out;
    if (!j.is_object()) return out;
    for (const auto& [section, body] : j.items()) {
        if (!body.is_object() || !body.contains("diff")) continue;
        for (const auto& [golden, tensors] : body["diff"].items())
            for (const auto& [tensor, d] : tensors.items())
                if (d.is_object() && d.contains("max_abs") && d.contains("peak"))
                    out.push_back({section, golden, tensor, d["max_abs"].get<double>(),
                                   d["peak"].get<double>()});
    }
    return out;
}

std::optional<std::string> peerRecordedSha256(const std::string& peerFile,
                                              const std::string& golden) {
    const nlohmann::json j = readJson(peerFile);
    if (!j.is_object() || !j.contains("goldens") || !j["goldens"].contains(golden))
        return std::nullopt;
    return j["goldens"][golden].value("sha256", std::string());
}

std::optional<MeasuredError> peerBf16ErrorOf(const std::string& peerFile, const std::string& golden,
                                             const std::string& tensor,
                                             const std::string& goldenSha256) {
    const nlohmann::json j = readJson(peerFile);
    if (!j.is_object() || !j.contains("goldens")) return std::nullopt;
    const auto& goldens = j["goldens"];
    if (!goldens.contains(golden)) return std::nullopt;
    const auto& entry = goldens[golden];
    if (entry.value("sha256", std::string()) != goldenSha256)
        return std::nullopt;  // measured on another fixture set
    if (!entry.contains("max_abs") || !entry["max_abs"].contains("bfloat16")) return std::nullopt;
    const auto& bf16 = entry["max_abs"]["bfloat16"];
    if (!bf16.contains(tensor)) return std::nullopt;
    return MeasuredError{
        bf16[tensor].get<double>(),
        "tests/data/bf16_peer_errors.json (" + j["peer"].dump() + ") " + golden + " " + tensor};
}

}  // namespace archival::goldens
