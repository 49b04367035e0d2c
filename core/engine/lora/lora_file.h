#pragma once
// Reads a LoRA file (kohya `lora_unet_…`/`lora_te…_` with lora_down/lora_up/alpha, or
// diffusers/PEFT `…lora_A/lora_B`, `.lora.down/.lora.up`, `_lora.down/_lora.up`) into
// one entry per adapted module, still named as the file names it.
// Formats: ../shared/REFERENCE.md "LoRA formats and merge".

#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace archival::engine {

struct LoraModule {
    std::string key;  // the module as the file names it, e.g. "lora_unet_down_blocks_0_…_to_q"
                      // or "transformer.transformer_blocks.0.attn.to_q"
    at::Tensor down;  // [rank, in] or [rank, in, kh, kw]  (lora_A)
    at::Tensor up;    // [out, rank] or [out, rank, 1, 1] (lora_B)
    std::optional<double> alpha;  // absent in PEFT files: multiplier 1
    std::int64_t rank() const { return down.size(0); }
    double multiplier() const { return alpha ? *alpha / static_cast<double>(rank()) : 1.0; }
};

struct LoraFileContents {
    std::string path;
    std::vector<LoraModule> modules;
    std::vector<std::string> unrecognized;  // tensor names that are neither up, down nor alpha
};

// Throws EngineError(ModelLoad) for unreadable files, modules with only one of up/down, or
// mismatched ranks. Tensors are loaded as float32 on the CPU.
LoraFileContents readLoraFile(const std::string& path);

}  // namespace archival::engine
