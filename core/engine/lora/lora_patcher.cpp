#include "engine/lora/lora_patcher.h"

#include <algorithm>

#include "engine/errors.h"
#include "engine/io/tensor_loader.h"
#include "engine/nn/packed_conv.h"

namespace archival::engine {
namespace {

std::string underscored(std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
}

bool startsWith(const std::string& s, const std::string& p) {
    return s.compare(0, p.size(), p) == 0;
}

// Lookup from every name a file may use for a module to its parameter name ("X.weight").
struct ModuleIndex {
    std::map<std::string, std::string> kohya;  // underscored module path -> param
    std::map<std::string, std::string> peft;   // dotted module path -> param
};

ModuleIndex indexComponent(const LoraTargetComponent& c) {
    ModuleIndex idx;
    for (const auto& [param, tensor] : *c.parameters) {
        const std::string suffix = ".weight";
        if (param.size() <= suffix.size() ||
            param.compare(param.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        if (tensor.dim() < 2) continue;  // norms carry no LoRA
        const std::string module = param.substr(0, param.size() - suffix.size());
        idx.kohya[underscored(module)] = param;
        idx.peft[module] = param;
        if (c.alternativeNames) {
            for (const auto& alt : c.alternativeNames(module)) {
                idx.kohya.emplace(underscored(alt), param);
                idx.peft.emplace(alt, param);
            }
        }
    }
    return idx;
}

}  // namespace

LoraApplyReport LoraPatcher::apply(const std::vector<std::pair<LoraFileContents, double>>& loras,
                                   const std::vector<LoraTargetComponent>& components) {
    std::vector<ModuleIndex> indexes;
    for (const auto& c : components) indexes.push_back(indexComponent(c));

    LoraApplyReport report;
    auto merge = [&](const LoraTargetComponent& c, const std::string& param, const LoraModule& m,
                     double scale, std::int64_t rowBegin, std::int64_t rowEnd) {
        at::Tensor& w = c.parameters->at(param);
        at::Tensor up = m.up.flatten(1);
        if (rowEnd > rowBegin) up = up.slice(0, rowBegin, rowEnd);
        const at::Tensor down = m.down.flatten(1);
        at::Tensor delta =
            at::matmul(up.to(w.device()), down.to(w.device())) * (scale * m.multiplier());
        if (delta.numel() != w.numel())
            throw EngineError(ErrorKind::InvalidRequest,
                              "LoRA module " + m.key + " does not fit " + c.name + "." + param +
                                  " (its shape differs from the model's)");
        delta = delta.reshape(w.sizes());
        const void* storage = w.storage().unsafeGetStorageImpl();
        if (!savedFor_.count(storage)) {
            saved_.emplace_back(w, ownStorage(w));
            savedFor_[storage] = true;
        }
        w.copy_((w.to(at::kFloat) + delta).to(w.scalar_type()));
        nn::weightsWrittenInPlace();  // packed copies of the old weights are stale
        report.applied.push_back(c.name + ":" + param);
    };

    try {
        for (const auto& [file, scale] : loras) {
            std::size_t matchedInFile = 0;
            for (const LoraModule& m : file.modules) {
                bool matched = false;
                for (std::size_t ci = 0; ci < components.size() && !matched; ++ci) {
                    const auto& c = components[ci];
                    for (const auto& prefix : c.kohyaPrefixes) {
                        if (matched || !startsWith(m.key, prefix)) continue;
                        const std::string rest = m.key.substr(prefix.size());
                        if (c.fusedModules) {
                            const auto splits = c.fusedModules(rest);
                            if (!splits.empty()) {
                                for (const auto& s : splits) {
                                    auto it = indexes[ci].peft.find(s.modulePath);
                                    if (it == indexes[ci].peft.end())
                                        throw EngineError(ErrorKind::InvalidRequest,
                                                          "LoRA module " + m.key + " targets " +
                                                              s.modulePath + ", which " + c.name +
                                                              " lacks");
                                    merge(c, it->second, m, scale, s.rowBegin, s.rowEnd);
                                }
                                matched = true;
                                continue;
                            }
                        }
                        auto it = indexes[ci].kohya.find(rest);
                        if (it != indexes[ci].kohya.end()) {
                            merge(c, it->second, m, scale, 0, 0);
                            matched = true;
                        }
                    }
                    for (const auto& prefix : c.peftPrefixes) {
                        if (matched || !startsWith(m.key, prefix)) continue;
                        auto it = indexes[ci].peft.find(m.key.substr(prefix.size()));
                        if (it != indexes[ci].peft.end()) {
                            merge(c, it->second, m, scale, 0, 0);
                            matched = true;
                        }
                    }
                }
                if (matched)
                    ++matchedInFile;
                else
                    report.unmatched.push_back(m.key);
            }
            if (matchedInFile == 0) {
                throw EngineError(
                    ErrorKind::InvalidRequest,
                    "LoRA " + file.path +
                        " matches none of this model's weights (is it for another model family?)");
            }
        }
    } catch (...) {
        restore();  // all or nothing: a failed merge leaves the model as it was
        throw;
    }
    return report;
}

void LoraPatcher::restore() {
    // Newest first, should one storage ever appear twice.
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it)
        restoreStorage(it->first, std::move(it->second));
    if (!saved_.empty()) nn::weightsWrittenInPlace();  // packed copies follow the originals
    saved_.clear();
    savedFor_.clear();
}

}  // namespace archival::engine
