#pragma once
// The configuration of a UNet2DConditionModel (Stable Diffusion 1.x / 2.x), read from a
// diffusers `unet/config.json`. Keys that are absent take diffusers v0.31.0's defaults
// (`UNet2DConditionModel.__init__`), and every per-block value is resolved to one entry
// per down block the way diffusers does it, so the model code never looks at JSON.
//
// Configs describing features this engine does not implement (class or addition
// embeddings as in SDXL, other block or attention types, ...) are rejected with
// EngineError(ModelLoad) naming the key: running them without those parts would produce
// wrong images silently.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace archival::engine {

struct UNet2DConditionConfig {
    std::int64_t inChannels = 4;
    std::int64_t outChannels = 4;
    bool centerInputSample = false;  // sample = 2 * sample - 1 before conv_in
    // Sinusoidal timestep projection: cat[cos, sin] when flipped, and the frequency
    // denominator is (half - freqShift).
    bool flipSinToCos = true;
    double freqShift = 0.0;

    // One entry per down block ("CrossAttnDownBlock2D" / "DownBlock2D"), and per up block
    // ("UpBlock2D" / "CrossAttnUpBlock2D"), listed from the highest resolution down (down
    // blocks) and from the lowest resolution up (up blocks), as in config.json.
    std::vector<std::string> downBlockTypes;
    std::vector<std::string> upBlockTypes;
    std::vector<std::int64_t> blockOutChannels;

    // Per down block (the up blocks use these lists reversed, with one extra resnet each).
    std::vector<std::int64_t> layersPerBlock;
    // Attention heads. SD 1.x/2.x configs spell this `attention_head_dim` (diffusers:
    // `num_attention_heads = num_attention_heads or attention_head_dim`); the head size is
    // channels / heads. The mid block uses the last entry.
    std::vector<std::int64_t> attentionHeads;
    std::vector<std::int64_t> crossAttentionDim;
    std::vector<std::int64_t> transformerLayersPerBlock;
    std::vector<bool> onlyCrossAttention;

    std::int64_t normNumGroups = 32;
    double normEps = 1e-5;
    bool useLinearProjection = false;  // proj_in/proj_out are Linear (SD 2.x) instead of 1x1 convs
    bool upcastAttention = false;      // attention computed in float32 for 16-bit runs
    std::int64_t downsamplePadding = 1;
    double midBlockScaleFactor = 1.0;
    std::int64_t timeEmbeddingDim = 0;  // resolved: time_embedding_dim or 4 * blockOutChannels[0]
    std::int64_t convInKernel = 3;
    std::int64_t convOutKernel = 3;

    std::size_t numBlocks() const { return blockOutChannels.size(); }
    bool downBlockHasAttention(std::size_t i) const;
    bool upBlockHasAttention(std::size_t i) const;
    // How many times the up path doubles the resolution (every up block but the last).
    std::size_t numUpsamplers() const { return numBlocks() - 1; }

    // Parses and validates; `origin` names the file in error messages.
    static UNet2DConditionConfig fromJson(const nlohmann::json& json, const std::string& origin);
    // Reads `path` (a config.json).
    static UNet2DConditionConfig fromFile(const std::string& path);
    // The Stable Diffusion 1.5 UNet (runwayml/stable-diffusion-v1-5 `unet/config.json`), for
    // single-file checkpoints, which carry no config.
    static UNet2DConditionConfig stableDiffusion15();
};

}  // namespace archival::engine
