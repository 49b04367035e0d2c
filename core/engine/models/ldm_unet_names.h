#pragma once
// Tensor names of the UNet in original (CompVis ldm) single-file checkpoints, such as
// `v1-5-pruned-emaonly.safetensors`, which most SD 1.5 users have. There the UNet lives
// under `model.diffusion_model.` and is numbered sequentially instead of by block:
//
//   diffusers                                   ldm (after model.diffusion_model.)
//   conv_in                                     input_blocks.0.0
//   time_embedding.linear_1 / linear_2          time_embed.0 / time_embed.2
//   down_blocks.i.resnets.j                     input_blocks.k.0        k = 1 + Σ_{b<i}(L_b+1) + j
//   down_blocks.i.attentions.j                  input_blocks.k.1
//   down_blocks.i.downsamplers.0.conv           input_blocks.(k_i+L_i).0.op
//   mid_block.resnets.0 / attentions.0 / resnets.1   middle_block.0 / .1 / .2
//   up_blocks.i.resnets.j                       output_blocks.m.0       m = Σ_{b<i}(L'_b) + j
//   up_blocks.i.attentions.j                    output_blocks.m.1
//   up_blocks.i.upsamplers.0.conv               output_blocks.(last m).1.conv, or .2.conv
//                                               when the block has attentions
//   conv_norm_out / conv_out                    out.0 / out.2
//
// with L_b = layers_per_block of down block b and L'_b = (reversed layers)[b] + 1. Inside a
// resnet: norm1 → in_layers.0, conv1 → in_layers.2, time_emb_proj → emb_layers.1,
// norm2 → out_layers.0, conv2 → out_layers.3, conv_shortcut → skip_connection. Attention
// modules (norm, proj_in, transformer_blocks.N.*, proj_out) keep their names.
// (Layout as in diffusers' scripts/convert_original_stable_diffusion_to_diffusers.py.)

#include <map>
#include <string>

#include "engine/models/unet2d_condition_config.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

// Where the UNet's tensors live inside a single-file SD checkpoint.
inline constexpr const char* kLdmUnetPrefix = "model.diffusion_model.";

// The ldm name (without kLdmUnetPrefix) of the diffusers UNet tensor `diffusersName` for a
// UNet built from `config`. Throws EngineError(Internal) for a name no such UNet has.
std::string ldmUnetName(const UNet2DConditionConfig& config, const std::string& diffusersName);

// ldmUnetName as the `rename` of a CheckpointSource (use with prefix kLdmUnetPrefix).
CheckpointSource::Rename ldmUnetRename(const UNet2DConditionConfig& config);

// The reverse direction for every tensor of a UNet built from `config`: ldm name (without
// kLdmUnetPrefix) → diffusers name. For files that address UNet modules by their ldm path,
// such as kohya LoRAs with `lora_unet_input_blocks_4_1_...` keys.
std::map<std::string, std::string> diffusersUnetNamesByLdmName(const UNet2DConditionConfig& config);

}  // namespace archival::engine
