#include "engine/models/ldm_unet_names.h"

#include <cctype>

#include "engine/errors.h"
#include "engine/models/unet2d_condition.h"

namespace archival::engine {
namespace {

[[noreturn]] void unknown(const std::string& name) {
    throw EngineError(ErrorKind::Internal,
                      "no original (ldm) checkpoint name for UNet tensor '" + name + "'");
}

// Consumes `prefix` from the front of `rest`.
bool consume(std::string& rest, const std::string& prefix) {
    if (rest.compare(0, prefix.size(), prefix) != 0) return false;
    rest.erase(0, prefix.size());
    return true;
}

// Consumes "<digits>." from the front of `rest`.
bool consumeIndex(std::string& rest, std::size_t& index) {
    std::size_t i = 0;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    if (i == 0 || i >= rest.size() || rest[i] != '.' || i > 9) return false;
    index = static_cast<std::size_t>(std::stoul(rest.substr(0, i)));
    rest.erase(0, i + 1);
    return true;
}

// Resnet parameter names: `rest` is e.g. "norm1.weight".
std::string resnetName(const std::string& rest, const std::string& full) {
    static const std::pair<const char*, const char*> kMap[] = {
        {"norm1.", "in_layers.0."},          {"conv1.", "in_layers.2."},
        {"time_emb_proj.", "emb_layers.1."}, {"norm2.", "out_layers.0."},
        {"conv2.", "out_layers.3."},         {"conv_shortcut.", "skip_connection."},
    };
    for (const auto& [from, to] : kMap) {
        std::string r = rest;
        if (consume(r, from)) return to + r;
    }
    unknown(full);
}

// Attention (SpatialTransformer) parameter names are the same in both layouts.
std::string attentionName(const std::string& rest, const std::string& full) {
    for (const char* head : {"norm.", "proj_in.", "proj_out.", "transformer_blocks."})
        if (rest.compare(0, std::char_traits<char>::length(head), head) == 0) return rest;
    unknown(full);
}

}  // namespace

std::string ldmUnetName(const UNet2DConditionConfig& c, const std::string& name) {
    std::string rest = name;
    if (consume(rest, "conv_in.")) return "input_blocks.0.0." + rest;
    if (consume(rest, "time_embedding.linear_1.")) return "time_embed.0." + rest;
    if (consume(rest, "time_embedding.linear_2.")) return "time_embed.2." + rest;
    if (consume(rest, "conv_norm_out.")) return "out.0." + rest;
    if (consume(rest, "conv_out.")) return "out.2." + rest;

    const std::size_t n = c.numBlocks();
    std::size_t i = 0, j = 0;
    if (consume(rest, "down_blocks.")) {
        if (!consumeIndex(rest, i) || i >= n) unknown(name);
        const auto layers = static_cast<std::size_t>(c.layersPerBlock[i]);
        // input_blocks.0 is conv_in; each down block then takes one slot per layer plus one
        // for its downsampler.
        std::size_t first = 1;
        for (std::size_t b = 0; b < i; ++b)
            first += static_cast<std::size_t>(c.layersPerBlock[b]) + 1;
        if (consume(rest, "resnets.") && consumeIndex(rest, j) && j < layers)
            return "input_blocks." + std::to_string(first + j) + ".0." + resnetName(rest, name);
        if (consume(rest, "attentions.") && consumeIndex(rest, j) && j < layers &&
            c.downBlockHasAttention(i))
            return "input_blocks." + std::to_string(first + j) + ".1." + attentionName(rest, name);
        if (consume(rest, "downsamplers.0.conv.") && i + 1 < n)
            return "input_blocks." + std::to_string(first + layers) + ".0.op." + rest;
        unknown(name);
    }
    if (consume(rest, "mid_block.")) {
        if (consume(rest, "resnets.") && consumeIndex(rest, j) && j < 2)
            return "middle_block." + std::to_string(2 * j) + "." + resnetName(rest, name);
        if (consume(rest, "attentions.0.")) return "middle_block.1." + attentionName(rest, name);
        unknown(name);
    }
    if (consume(rest, "up_blocks.")) {
        if (!consumeIndex(rest, i) || i >= n) unknown(name);
        // Up block b has (layers of down block n-1-b) + 1 resnets, one output_block each.
        auto upLayers = [&](std::size_t b) {
            return static_cast<std::size_t>(c.layersPerBlock[n - 1 - b]) + 1;
        };
        std::size_t first = 0;
        for (std::size_t b = 0; b < i; ++b) first += upLayers(b);
        const std::size_t layers = upLayers(i);
        if (consume(rest, "resnets.") && consumeIndex(rest, j) && j < layers)
            return "output_blocks." + std::to_string(first + j) + ".0." + resnetName(rest, name);
        if (consume(rest, "attentions.") && consumeIndex(rest, j) && j < layers &&
            c.upBlockHasAttention(i))
            return "output_blocks." + std::to_string(first + j) + ".1." + attentionName(rest, name);
        // The upsampler sits in the block's last output_block, after the resnet and (when
        // present) the attention.
        if (consume(rest, "upsamplers.0.conv.") && i + 1 < n)
            return "output_blocks." + std::to_string(first + layers - 1) +
                   (c.upBlockHasAttention(i) ? ".2.conv." : ".1.conv.") + rest;
        unknown(name);
    }
    unknown(name);
}

CheckpointSource::Rename ldmUnetRename(const UNet2DConditionConfig& config) {
    return [config](const std::string& name) { return ldmUnetName(config, name); };
}

std::map<std::string, std::string> diffusersUnetNamesByLdmName(
    const UNet2DConditionConfig& config) {
    // The model's own construction lists its tensors; the meta device makes that free.
    MetaSource meta;
    const UNet2DCondition unet(config, Scope(meta));
    std::map<std::string, std::string> byLdm;
    for (const auto& spec : meta.specs())
        byLdm.emplace(ldmUnetName(config, spec.first), spec.first);
    return byLdm;
}

}  // namespace archival::engine
