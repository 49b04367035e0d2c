#pragma once
// Configs of the released full-size models, kept in code: single-file SD 1.5 checkpoints
// carry no config.json, and the benchmarks build full-size models with random weights.

#include <nlohmann/json.hpp>

namespace archival::engine {

enum class ReferenceConfig {
    Sd15Vae,
    Sd15Scheduler,
    Sd3Vae,
    Sd3Scheduler,
    ClipLWithProjection,  // SD3's text_encoder
    ClipG,                // SD3's text_encoder_2 (OpenCLIP bigG, HF layout)
    T5Xxl,                // SD3's text_encoder_3
    Sd35LargeTransformer,
};

nlohmann::json referenceConfig(ReferenceConfig which);

}  // namespace archival::engine
