#include "engine/io/manifest.h"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"

namespace archival::engine {
namespace {

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? "," : "") << shape[i];
    out << ']';
    return out.str();
}

std::vector<std::int64_t> shapeOf(const nlohmann::json& v, const std::string& name) {
    const nlohmann::json& s = v.is_object() ? v.at("shape") : v;
    if (!s.is_array())
        throw EngineError(ErrorKind::ModelLoad, "manifest entry '" + name + "' has no shape");
    return s.get<std::vector<std::int64_t>>();
}

}  // namespace

std::string ManifestReport::summary() const {
    std::ostringstream out;
    for (const auto& n : missing) out << "missing: " << n << '\n';
    for (const auto& n : unexpected) out << "unexpected: " << n << '\n';
    for (const auto& m : misshaped)
        out << "wrong shape: " << m.name << " expected " << m.expected << " got " << m.actual
            << '\n';
    for (const auto& m : wrongDtype)
        out << "wrong dtype: " << m.name << " expected " << m.expected << " got " << m.actual
            << '\n';
    return out.str();
}

std::vector<ManifestEntry> readManifest(const std::string& manifestPath, bool withProjection) {
    std::ifstream in(manifestPath);
    if (!in) throw EngineError(ErrorKind::Storage, "cannot read manifest " + manifestPath);
    nlohmann::json m;
    try {
        m = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw EngineError(ErrorKind::ModelLoad,
                          "manifest " + manifestPath + " is not JSON: " + e.what());
    }
    std::vector<ManifestEntry> entries;
    auto add = [&](const nlohmann::json& block, bool optional) {
        for (const auto& item : block.items())
            entries.push_back({item.key(), shapeOf(item.value(), item.key()), optional});
    };
    try {
        if (m.contains("tensors") && m["tensors"].is_object()) {
            add(m["tensors"], false);
            if (m.contains("projection_tensors")) add(m["projection_tensors"], !withProjection);
            if (m.contains("optional_tensors")) add(m["optional_tensors"], true);
        } else {
            add(m, false);
        }
    } catch (const nlohmann::json::exception& e) {
        throw EngineError(ErrorKind::ModelLoad,
                          "manifest " + manifestPath + " is not a key/shape manifest: " + e.what());
    }
    return entries;
}

ManifestReport validateAgainstManifest(const std::string& checkpointPath,
                                       const std::string& manifestPath, bool withProjection) {
    const auto manifest = readManifest(manifestPath, withProjection);
    const Checkpoint cp = Checkpoint::open(checkpointPath);
    ManifestReport report;
    std::map<std::string, const ManifestEntry*> known;
    for (const auto& e : manifest) known[e.name] = &e;

    for (const auto& e : manifest) {
        const Checkpoint::Entry* found = cp.find(e.name);
        if (!found) {
            if (!e.optional) report.missing.push_back(e.name);
            continue;
        }
        ++report.checked;
        if (found->info->shape != e.shape)
            report.misshaped.push_back({e.name, shapeText(e.shape), shapeText(found->info->shape)});
        // Weights are floats; only optional buffers (position_ids) may be integers.
        if (!e.optional && !isFloatingPoint(found->info->dtype))
            report.wrongDtype.push_back({e.name, "F32/F16/BF16", dtypeName(found->info->dtype)});
    }
    for (const auto& [name, entry] : cp.entries())
        if (!known.count(name)) report.unexpected.push_back(name);
    return report;
}

}  // namespace archival::engine
