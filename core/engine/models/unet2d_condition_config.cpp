#include "engine/models/unet2d_condition_config.h"

#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& origin, const std::string& message) {
    throw EngineError(ErrorKind::ModelLoad, origin + ": " + message);
}

bool isAbsent(const json& j, const char* key) {
    auto it = j.find(key);
    return it == j.end() || it->is_null();
}

// A typed scalar with a default; a value of another type is named in the error.
template <typename T>
T scalar(const json& j, const char* key, const T& fallback, const std::string& origin) {
    if (isAbsent(j, key)) return fallback;
    try {
        return j.at(key).get<T>();
    } catch (const json::exception&) {
        fail(origin,
             std::string("'") + key + "' has an unexpected type (" + j.at(key).dump() + ")");
    }
}

// diffusers accepts an int (repeated for every down block) or one value per down block.
template <typename T>
std::vector<T> perBlock(const json& j, const char* key, const T& fallback, std::size_t blocks,
                        const std::string& origin) {
    if (isAbsent(j, key)) return std::vector<T>(blocks, fallback);
    const json& v = j.at(key);
    try {
        if (!v.is_array()) return std::vector<T>(blocks, v.get<T>());
        if (v.size() != blocks)
            fail(origin, std::string("'") + key + "' lists " + std::to_string(v.size()) +
                             " values for " + std::to_string(blocks) + " down blocks");
        std::vector<T> out;
        for (const auto& e : v) out.push_back(e.get<T>());
        return out;
    } catch (const json::exception&) {
        fail(origin, std::string("'") + key + "' has an unexpected type (" + v.dump() + ")");
    }
}

std::vector<std::string> stringList(const json& j, const char* key,
                                    const std::vector<std::string>& fallback,
                                    const std::string& origin) {
    return scalar<std::vector<std::string>>(j, key, fallback, origin);
}

// diffusers' get_down_block / get_up_block accept a legacy "UNetRes" prefix.
std::string stripLegacyPrefix(const std::string& type) {
    return type.rfind("UNetRes", 0) == 0 ? type.substr(7) : type;
}

// Features that change the computation but are not implemented here: refuse them.
void rejectUnsupported(const json& j, const std::string& origin) {
    const char* mustBeNull[] = {
        "class_embed_type",
        "num_class_embeds",
        "addition_embed_type",
        "addition_time_embed_dim",
        "encoder_hid_dim",
        "encoder_hid_dim_type",
        "time_cond_proj_dim",
        "time_embedding_act_fn",
        "timestep_post_act",
        "cross_attention_norm",
        "reverse_transformer_layers_per_block",
    };
    for (const char* key : mustBeNull)
        if (!isAbsent(j, key))
            fail(origin, std::string("'") + key + "' = " + j.at(key).dump() +
                             " is not supported (only SD 1.x/2.x style UNets are)");
    // diffusers v0.31 itself refuses this key (naming issue diffusers#2011).
    if (!isAbsent(j, "num_attention_heads"))
        fail(origin,
             "'num_attention_heads' is not supported; SD 1.x/2.x configs give the number of "
             "heads as 'attention_head_dim'");
    const std::pair<const char*, const char*> mustEqual[] = {
        {"act_fn", "silu"},
        {"time_embedding_type", "positional"},
        {"resnet_time_scale_shift", "default"},
        {"attention_type", "default"},
        {"mid_block_type", "UNetMidBlock2DCrossAttn"},
    };
    for (const auto& [key, wanted] : mustEqual) {
        const std::string value = scalar<std::string>(j, key, wanted, origin);
        if (value != wanted)
            fail(origin, std::string("'") + key + "' = \"" + value +
                             "\" is not supported (only \"" + wanted + "\")");
    }
    for (const char* key : {"dual_cross_attention", "resnet_skip_time_act"})
        if (scalar<bool>(j, key, false, origin))
            fail(origin, std::string("'") + key + "' = true is not supported");
    if (!isAbsent(j, "norm_num_groups") && j.at("norm_num_groups").is_null())
        fail(origin, "'norm_num_groups' = null (no output norm) is not supported");
}

}  // namespace

bool UNet2DConditionConfig::downBlockHasAttention(std::size_t i) const {
    return downBlockTypes.at(i) == "CrossAttnDownBlock2D";
}

bool UNet2DConditionConfig::upBlockHasAttention(std::size_t i) const {
    return upBlockTypes.at(i) == "CrossAttnUpBlock2D";
}

UNet2DConditionConfig UNet2DConditionConfig::fromJson(const json& j, const std::string& origin) {
    if (!j.is_object()) fail(origin, "the UNet config is not a JSON object");
    const std::string cls = scalar<std::string>(j, "_class_name", "UNet2DConditionModel", origin);
    if (cls != "UNet2DConditionModel")
        fail(origin, "'_class_name' is \"" + cls + "\", expected \"UNet2DConditionModel\"");
    rejectUnsupported(j, origin);

    UNet2DConditionConfig c;
    // Defaults: diffusers v0.31.0 UNet2DConditionModel.__init__.
    c.inChannels = scalar<std::int64_t>(j, "in_channels", 4, origin);
    c.outChannels = scalar<std::int64_t>(j, "out_channels", 4, origin);
    c.centerInputSample = scalar<bool>(j, "center_input_sample", false, origin);
    c.flipSinToCos = scalar<bool>(j, "flip_sin_to_cos", true, origin);
    c.freqShift = scalar<double>(j, "freq_shift", 0.0, origin);
    c.downBlockTypes = stringList(
        j, "down_block_types",
        {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"},
        origin);
    c.upBlockTypes = stringList(
        j, "up_block_types",
        {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}, origin);
    c.blockOutChannels =
        scalar<std::vector<std::int64_t>>(j, "block_out_channels", {320, 640, 1280, 1280}, origin);

    const std::size_t n = c.blockOutChannels.size();
    if (n == 0) fail(origin, "'block_out_channels' is empty");
    if (c.downBlockTypes.size() != n || c.upBlockTypes.size() != n)
        fail(origin, "'down_block_types' (" + std::to_string(c.downBlockTypes.size()) +
                         "), 'up_block_types' (" + std::to_string(c.upBlockTypes.size()) +
                         ") and 'block_out_channels' (" + std::to_string(n) +
                         ") must have the same length");
    for (auto& t : c.downBlockTypes) {
        t = stripLegacyPrefix(t);
        if (t != "CrossAttnDownBlock2D" && t != "DownBlock2D")
            fail(origin, "down block type \"" + t +
                             "\" is not supported (CrossAttnDownBlock2D, DownBlock2D)");
    }
    for (auto& t : c.upBlockTypes) {
        t = stripLegacyPrefix(t);
        if (t != "CrossAttnUpBlock2D" && t != "UpBlock2D")
            fail(origin,
                 "up block type \"" + t + "\" is not supported (CrossAttnUpBlock2D, UpBlock2D)");
    }

    c.layersPerBlock = perBlock<std::int64_t>(j, "layers_per_block", 2, n, origin);
    c.attentionHeads = perBlock<std::int64_t>(j, "attention_head_dim", 8, n, origin);
    c.crossAttentionDim = perBlock<std::int64_t>(j, "cross_attention_dim", 1280, n, origin);
    if (!isAbsent(j, "transformer_layers_per_block") &&
        j.at("transformer_layers_per_block").is_array())
        for (const auto& e : j.at("transformer_layers_per_block"))
            if (e.is_array())
                fail(origin,
                     "nested 'transformer_layers_per_block' lists (per-layer depths) are not "
                     "supported");
    c.transformerLayersPerBlock =
        perBlock<std::int64_t>(j, "transformer_layers_per_block", 1, n, origin);
    c.onlyCrossAttention = perBlock<bool>(j, "only_cross_attention", false, n, origin);

    c.normNumGroups = scalar<std::int64_t>(j, "norm_num_groups", 32, origin);
    c.normEps = scalar<double>(j, "norm_eps", 1e-5, origin);
    c.useLinearProjection = scalar<bool>(j, "use_linear_projection", false, origin);
    c.upcastAttention = scalar<bool>(j, "upcast_attention", false, origin);
    c.downsamplePadding = scalar<std::int64_t>(j, "downsample_padding", 1, origin);
    c.midBlockScaleFactor = scalar<double>(j, "mid_block_scale_factor", 1.0, origin);
    c.timeEmbeddingDim =
        scalar<std::int64_t>(j, "time_embedding_dim", 4 * c.blockOutChannels[0], origin);
    c.convInKernel = scalar<std::int64_t>(j, "conv_in_kernel", 3, origin);
    c.convOutKernel = scalar<std::int64_t>(j, "conv_out_kernel", 3, origin);

    // Sanity checks whose failure would otherwise surface as an obscure libtorch error.
    auto positive = [&](std::int64_t v, const char* what) {
        if (v <= 0) fail(origin, std::string("'") + what + "' must be positive");
    };
    positive(c.inChannels, "in_channels");
    positive(c.outChannels, "out_channels");
    positive(c.normNumGroups, "norm_num_groups");
    positive(c.timeEmbeddingDim, "time_embedding_dim");
    for (std::size_t i = 0; i < n; ++i) {
        positive(c.blockOutChannels[i], "block_out_channels");
        positive(c.layersPerBlock[i], "layers_per_block");
        positive(c.attentionHeads[i], "attention_head_dim");
        positive(c.crossAttentionDim[i], "cross_attention_dim");
        positive(c.transformerLayersPerBlock[i], "transformer_layers_per_block");
        if (c.blockOutChannels[i] % c.normNumGroups != 0)
            fail(origin,
                 "block_out_channels[" + std::to_string(i) +
                     "] = " + std::to_string(c.blockOutChannels[i]) +
                     " is not divisible by norm_num_groups = " + std::to_string(c.normNumGroups));
        if (c.blockOutChannels[i] % c.attentionHeads[i] != 0)
            fail(origin, "block_out_channels[" + std::to_string(i) + "] = " +
                             std::to_string(c.blockOutChannels[i]) + " is not divisible by its " +
                             std::to_string(c.attentionHeads[i]) + " attention heads");
    }
    if (c.convInKernel % 2 == 0 || c.convOutKernel % 2 == 0)
        fail(origin, "'conv_in_kernel' and 'conv_out_kernel' must be odd");
    return c;
}

UNet2DConditionConfig UNet2DConditionConfig::fromFile(const std::string& path) {
    return fromJson(readJsonFile(path), path);
}

UNet2DConditionConfig UNet2DConditionConfig::stableDiffusion15() {
    // runwayml/stable-diffusion-v1-5 (now stable-diffusion-v1-5/stable-diffusion-v1-5),
    // unet/config.json: every key not listed there keeps its diffusers default.
    const json j = {
        {"_class_name", "UNet2DConditionModel"},
        {"act_fn", "silu"},
        {"attention_head_dim", 8},
        {"block_out_channels", {320, 640, 1280, 1280}},
        {"center_input_sample", false},
        {"cross_attention_dim", 768},
        {"down_block_types",
         {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}},
        {"downsample_padding", 1},
        {"flip_sin_to_cos", true},
        {"freq_shift", 0},
        {"in_channels", 4},
        {"layers_per_block", 2},
        {"mid_block_scale_factor", 1},
        {"norm_eps", 1e-5},
        {"norm_num_groups", 32},
        {"out_channels", 4},
        {"sample_size", 64},
        {"up_block_types",
         {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}},
    };
    return fromJson(j, "built-in Stable Diffusion 1.5 UNet config");
}

}  // namespace archival::engine
