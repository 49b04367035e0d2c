#include "golden_file.h"

#include <filesystem>
#include <stdexcept>

#include "engine/io/tensor_loader.h"

namespace archival::goldens {

GoldenFile::GoldenFile(const std::string& path) : checkpoint_(engine::Checkpoint::open(path)) {}

bool GoldenFile::has(const std::string& name) const {
    return checkpoint_.find(name) != nullptr;
}

at::Tensor GoldenFile::operator[](const std::string& name) const {
    const auto* e = checkpoint_.find(name);
    if (!e) throw std::runtime_error("golden " + checkpoint_.path() + " has no tensor " + name);
    return engine::loadTensor(*e, engine::toScalarType(e->info->dtype));
}

nlohmann::json GoldenFile::meta(const std::string& key) const {
    const auto& m = checkpoint_.shards().front().metadata();
    auto it = m.find(key);
    if (it == m.end()) return nullptr;
    try {
        return nlohmann::json::parse(it->second);
    } catch (const nlohmann::json::exception&) {
        return it->second;
    }
}

std::string GoldenFile::metaText(const std::string& key) const {
    const auto v = meta(key);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return {};
    return v.dump();
}

std::vector<std::string> GoldenFile::casePrefixes(const std::vector<std::string>& names) const {
    std::vector<std::string> prefixes;
    if (names.empty()) return prefixes;
    const std::string& first = names.front();
    for (const auto& entry : checkpoint_.entries()) {
        const std::string& name = entry.first;
        if (name.size() < first.size() ||
            name.compare(name.size() - first.size(), first.size(), first) != 0)
            continue;
        const std::string p = name.substr(0, name.size() - first.size());
        bool all = true;
        for (const auto& n : names) all = all && has(p + n);
        if (all) prefixes.push_back(p);
    }
    return prefixes;
}

std::string componentFolder(const std::string& fixtures, const std::string& model,
                            const std::string& component) {
    namespace fs = std::filesystem;
    std::string folder = model;
    // "unet: models/a, vae: models/b"
    const std::string key = component + ": ";
    if (const auto at = model.find(key); at != std::string::npos) {
        const auto from = at + key.size();
        const auto comma = model.find(',', from);
        folder = model.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    } else if (model.find(": ") != std::string::npos) {
        // Another component is named but this one is not: the first named folder's pipeline.
        const auto from = model.find(": ") + 2;
        const auto comma = model.find(',', from);
        folder = model.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    }
    const fs::path base = fs::path(fixtures) / folder;
    if (fs::exists(base / component / "config.json")) return (base / component).string();
    return base.string();
}

std::string samplerOfSchedulerConfig(const nlohmann::json& config) {
    const std::string cls = config.value("_class_name", "");
    if (cls == "PNDMScheduler") return "pndm";
    if (cls == "DDIMScheduler") return "ddim";
    if (cls == "EulerDiscreteScheduler") return "euler";
    if (cls == "EulerAncestralDiscreteScheduler") return "euler_ancestral";
    if (cls == "DPMSolverMultistepScheduler")
        return config.value("use_karras_sigmas", false) ? "dpmpp_2m_karras" : "dpmpp_2m";
    if (cls == "FlowMatchEulerDiscreteScheduler") return "flowmatch_euler";
    return cls;
}

}  // namespace archival::goldens
