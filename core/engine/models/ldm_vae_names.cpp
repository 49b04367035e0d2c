#include "engine/models/ldm_vae_names.h"

#include <vector>

#include "engine/errors.h"

namespace archival::engine {
namespace {

std::vector<std::string> split(const std::string& name) {
    std::vector<std::string> parts;
    std::string::size_type start = 0;
    while (true) {
        const auto dot = name.find('.', start);
        parts.push_back(name.substr(start, dot == std::string::npos ? dot : dot - start));
        if (dot == std::string::npos) return parts;
        start = dot + 1;
    }
}

std::string join(const std::vector<std::string>& parts, size_t from) {
    std::string out;
    for (size_t i = from; i < parts.size(); ++i) out += (out.empty() ? "" : ".") + parts[i];
    return out;
}

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

[[noreturn]] void notAVaeName(const std::string& name) {
    throw EngineError(ErrorKind::Internal, "no LDM name for VAE tensor '" + name + "'");
}

// The diffusers attention projections and their names elsewhere.
struct AttentionNames {
    const char* diffusers;
    const char* legacy;
    const char* ldm;
};
constexpr AttentionNames kAttentionNames[] = {
    {"group_norm", "group_norm", "norm"},
    {"to_q", "query", "q"},
    {"to_k", "key", "k"},
    {"to_v", "value", "v"},
    {"to_out.0", "proj_attn", "proj_out"},
};

// "to_out.0.weight" -> ("to_out.0", "weight"); the projection names hold at most one dot.
const AttentionNames* matchAttention(const std::string& rest, std::string* tail) {
    for (const auto& names : kAttentionNames) {
        const std::string head = std::string(names.diffusers) + ".";
        if (startsWith(rest, head)) {
            *tail = rest.substr(head.size());
            return &names;
        }
    }
    return nullptr;
}

// "mid_block.<rest>" of the encoder or decoder, in LDM naming ("mid.block_1.norm1.weight").
std::string ldmMidBlockName(const std::vector<std::string>& p, const std::string& full) {
    // p = [coder, "mid_block", "resnets"|"attentions", index, ...]
    if (p.size() < 5) notAVaeName(full);
    if (p[2] == "resnets" && (p[3] == "0" || p[3] == "1"))
        return p[0] + ".mid.block_" + (p[3] == "0" ? "1" : "2") + "." + join(p, 4);
    if (p[2] == "attentions" && p[3] == "0") {
        std::string tail;
        if (const auto* names = matchAttention(join(p, 4), &tail))
            return p[0] + ".mid.attn_1." + names->ldm + "." + tail;
    }
    notAVaeName(full);
}

// ResnetBlock2D's 1x1 shortcut is `nin_shortcut` in LDM; the other names agree.
std::string ldmResnetTail(const std::vector<std::string>& p, size_t from) {
    std::string tail = join(p, from);
    if (startsWith(tail, "conv_shortcut.")) tail = "nin_shortcut." + tail.substr(14);
    return tail;
}

}  // namespace

std::string legacyVaeAttentionName(const std::string& diffusersName) {
    const std::string marker = ".mid_block.attentions.0.";
    const auto at = diffusersName.find(marker);
    if (at == std::string::npos) return diffusersName;
    const std::string head = diffusersName.substr(0, at + marker.size());
    std::string tail;
    const auto* names = matchAttention(diffusersName.substr(head.size()), &tail);
    if (!names) return diffusersName;
    return head + names->legacy + "." + tail;
}

std::string ldmVaeName(const std::string& name, const AutoencoderKLConfig& config) {
    const auto p = split(name);
    if (p.size() < 2) notAVaeName(name);
    if (p[0] == "quant_conv" || p[0] == "post_quant_conv") return name;
    if (p[0] != "encoder" && p[0] != "decoder") notAVaeName(name);
    const std::string& coder = p[0];
    if (p[1] == "conv_in" || p[1] == "conv_out") return name;
    if (p[1] == "conv_norm_out") return coder + ".norm_out." + join(p, 2);
    if (p[1] == "mid_block") return ldmMidBlockName(p, name);

    // [coder, down_blocks|up_blocks, i, resnets|downsamplers|upsamplers, j, ...]
    if (p.size() < 6) notAVaeName(name);
    const bool down = coder == "encoder" && p[1] == "down_blocks";
    const bool up = coder == "decoder" && p[1] == "up_blocks";
    if (!down && !up) notAVaeName(name);
    const auto blocks = static_cast<int>(config.blockOutChannels.size());
    int index = 0;
    try {
        index = std::stoi(p[2]);
    } catch (const std::exception&) {
        notAVaeName(name);
    }
    if (index < 0 || index >= blocks) notAVaeName(name);
    // LDM numbers the decoder's up blocks from the lowest resolution up: the reverse of
    // diffusers, which numbers them in the order they run.
    const std::string block =
        coder + (down ? ".down." : ".up.") + std::to_string(down ? index : blocks - 1 - index);
    if (p[3] == "resnets") return block + ".block." + p[4] + "." + ldmResnetTail(p, 5);
    if (p[4] == "0" && p[5] == "conv" && (p[3] == "downsamplers" || p[3] == "upsamplers"))
        return block + (down ? ".downsample." : ".upsample.") + join(p, 5);
    notAVaeName(name);
}

CheckpointSource::Rename ldmVaeRename(const AutoencoderKLConfig& config) {
    return [config](const std::string& name) { return ldmVaeName(name, config); };
}

VaeCheckpointLayout detectVaeLayout(const Checkpoint& checkpoint) {
    for (const std::string prefix : {"", "first_stage_model."}) {
        if (!checkpoint.find(prefix + "decoder.conv_in.weight")) continue;
        VaeCheckpointLayout layout;
        layout.prefix = prefix;
        // The first decoder block's first resnet exists in every AutoencoderKL.
        if (checkpoint.find(prefix + "decoder.up.0.block.0.conv1.weight"))
            layout.naming = VaeCheckpointLayout::Naming::Ldm;
        return layout;
    }
    throw EngineError(ErrorKind::ModelLoad,
                      "no AutoencoderKL in " + checkpoint.path() +
                          ": neither 'decoder.conv_in.weight' nor "
                          "'first_stage_model.decoder.conv_in.weight' is in the file");
}

CheckpointSource::Rename vaeRename(const VaeCheckpointLayout& layout,
                                   const AutoencoderKLConfig& config,
                                   const Checkpoint& checkpoint) {
    if (layout.naming == VaeCheckpointLayout::Naming::Ldm) return ldmVaeRename(config);
    const std::string prefix = layout.prefix;
    return [&checkpoint, prefix](const std::string& name) {
        if (checkpoint.find(prefix + name)) return name;
        const std::string legacy = legacyVaeAttentionName(name);
        return checkpoint.find(prefix + legacy) ? legacy : name;
    };
}

ConvAsLinearSource::ConvAsLinearSource(ParameterSource& inner, const Checkpoint& checkpoint,
                                       CheckpointSource::Rename rename, std::string prefix)
    : inner_(inner),
      checkpoint_(checkpoint),
      rename_(std::move(rename)),
      prefix_(std::move(prefix)) {}

at::Tensor ConvAsLinearSource::take(const std::string& name, at::IntArrayRef shape) {
    at::Tensor t;
    const Checkpoint::Entry* entry = nullptr;
    std::vector<std::int64_t> asConv;
    if (shape.size() == 2) {
        entry = checkpoint_.find(prefix_ + (rename_ ? rename_(name) : name));
        asConv = {shape[0], shape[1], 1, 1};
    }
    if (entry && entry->info->shape == asConv) {
        t = inner_.take(name, asConv);
        if (t.defined()) t = t.view(shape);  // a view: the model and the record share storage
    } else {
        t = inner_.take(name, shape);
    }
    remember(name, shape, t);
    return t;
}

}  // namespace archival::engine
