#include "engine/lora/lora_file.h"

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/io/tensor_loader.h"

namespace archival::engine {
namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

enum class Part { Down, Up, Alpha };

// Suffixes in the wild, longest first so that ".lora_A.default.weight" wins over shorter ones.
const std::vector<std::pair<std::string, Part>>& suffixes() {
    static const std::vector<std::pair<std::string, Part>> table = {
        {".lora_A.default.weight", Part::Down},
        {".lora_B.default.weight", Part::Up},
        {".lora_down.weight", Part::Down},
        {".lora_up.weight", Part::Up},
        {".lora_A.weight", Part::Down},
        {".lora_B.weight", Part::Up},
        {".lora.down.weight", Part::Down},
        {".lora.up.weight", Part::Up},
        {"_lora.down.weight", Part::Down},
        {"_lora.up.weight", Part::Up},
        {".alpha", Part::Alpha},
    };
    return table;
}

}  // namespace

LoraFileContents readLoraFile(const std::string& path) {
    const Checkpoint cp = Checkpoint::open(path);
    LoraFileContents out;
    out.path = path;
    std::map<std::string, LoraModule> modules;
    for (const auto& [name, entry] : cp.entries()) {
        bool matched = false;
        for (const auto& [suffix, part] : suffixes()) {
            if (!endsWith(name, suffix)) continue;
            const std::string key = name.substr(0, name.size() - suffix.size());
            LoraModule& m = modules[key];
            m.key = key;
            const at::Tensor t = loadTensor(entry, at::kFloat);
            if (part == Part::Down) m.down = t;
            if (part == Part::Up) m.up = t;
            if (part == Part::Alpha) m.alpha = t.item<double>();
            matched = true;
            break;
        }
        if (!matched) out.unrecognized.push_back(name);
    }
    for (auto& [key, m] : modules) {
        if (!m.down.defined() || !m.up.defined())
            throw EngineError(ErrorKind::ModelLoad,
                              "LoRA " + path + ": module " + key + " lacks its " +
                                  (m.down.defined() ? "up" : "down") + " weight");
        if (m.up.dim() < 2 || m.down.dim() < 2 || m.up.size(1) != m.down.size(0))
            throw EngineError(ErrorKind::ModelLoad,
                              "LoRA " + path + ": module " + key + " has mismatched ranks");
        out.modules.push_back(std::move(m));
    }
    if (out.modules.empty())
        throw EngineError(
            ErrorKind::ModelLoad,
            "LoRA " + path +
                " holds no LoRA weights (no lora_down/lora_up or lora_A/lora_B tensors)");
    return out;
}

}  // namespace archival::engine
