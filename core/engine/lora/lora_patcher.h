#pragma once
// Applies LoRA files to a loaded model's weights in place and restores them afterwards.
// Merge: W += scale · (alpha / rank) · (up @ down), in float32, cast back to W's dtype;
// 3×3 (LoCon) downs are flattened and the product reshaped to W's shape.
// A touched weight first gets bytes of its own (its storage's old bytes are kept aside):
// weights viewed from a read-only file mapping are never written, and removal hands the
// old bytes back, so the model returns bit-exact (subtracting the delta would drift in
// reduced precision) and file-backed weights are file-backed again.

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/lora/lora_file.h"

namespace archival::engine {

// One model component a LoRA may target, with the names its files use for it.
struct LoraTargetComponent {
    std::string name;                        // "unet", "text_encoder", "transformer"...
    std::vector<std::string> kohyaPrefixes;  // e.g. {"lora_unet_"} or {"lora_te_", "lora_te1_"}
    std::vector<std::string> peftPrefixes;   // e.g. {"unet.", ""} or {"transformer."}
    std::map<std::string, at::Tensor>* parameters;  // model weights by name (shared storage)
    // Other spellings of a parameter's module path (e.g. the original ldm layout); may be null.
    std::function<std::vector<std::string>(const std::string& modulePath)> alternativeNames;
    // Fused kohya modules that split into several targets (SD3 `attn_qkv`): returns the
    // targets with the row range of `up` each takes; empty when `kohyaModule` is not fused.
    struct Split {
        std::string modulePath;
        std::int64_t rowBegin, rowEnd;
    };
    std::function<std::vector<Split>(const std::string& kohyaModule)> fusedModules;
};

struct LoraApplyReport {
    std::vector<std::string> applied;    // "<component>:<param>"
    std::vector<std::string> unmatched;  // LoRA modules with no target, named as in the file
};

class LoraPatcher {
  public:
    // Merges each file at its scale. Unmatched modules are reported, never dropped silently;
    // a file none of whose modules matches is an InvalidRequest error (wrong model family).
    LoraApplyReport apply(const std::vector<std::pair<LoraFileContents, double>>& loras,
                          const std::vector<LoraTargetComponent>& components);
    // Puts every touched weight back exactly as it was.
    void restore();
    bool active() const { return !saved_.empty(); }
    ~LoraPatcher() { restore(); }

  private:
    // (weight, the bytes its storage had before merging), one per storage.
    std::vector<std::pair<at::Tensor, at::DataPtr>> saved_;
    std::map<const void*, bool> savedFor_;  // by storage
};

}  // namespace archival::engine
