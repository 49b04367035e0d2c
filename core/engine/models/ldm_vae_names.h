#pragma once
// The other names AutoencoderKL weights go by, mapped from the diffusers names the model
// asks for (CheckpointSource's `rename` hook):
//
//  * legacy diffusers: files converted before diffusers 0.14 name the mid-block attention
//    `query/key/value/proj_attn` instead of `to_q/to_k/to_v/to_out.0`
//    (fixtures: manifests/sd15_vae.deprecated_names.json);
//  * the original LDM layout of single-file SD 1.x checkpoints (CompVis
//    `ldm/modules/diffusionmodules/model.py`, under `first_stage_model.`):
//    `encoder.down.N.block.M`, `encoder.mid.block_1/attn_1/block_2`, `decoder.up.N` with the
//    up blocks in the reverse order of diffusers, attention `norm/q/k/v/proj_out` as 1x1
//    convolutions [C, C, 1, 1].
//
// And a parameter source that accepts a linear weight stored as such a 1x1 convolution.

#include <string>

#include "engine/io/checkpoint.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

// The legacy diffusers name of a mid-block attention tensor ("...attentions.0.to_q.weight"
// -> "...attentions.0.query.weight"); every other name is returned unchanged.
std::string legacyVaeAttentionName(const std::string& diffusersName);

// The LDM name of a diffusers AutoencoderKL tensor, without the `first_stage_model.` prefix.
// The up-block order depends on the number of blocks, hence the config. Throws
// EngineError(Internal) for a name that is not an AutoencoderKL tensor.
std::string ldmVaeName(const std::string& diffusersName, const AutoencoderKLConfig& config);
CheckpointSource::Rename ldmVaeRename(const AutoencoderKLConfig& config);

// How a checkpoint spells the VAE: where its tensors start and which names it uses.
struct VaeCheckpointLayout {
    enum class Naming { Diffusers, Ldm };
    Naming naming = Naming::Diffusers;
    std::string prefix;  // "first_stage_model." in single-file SD 1.x checkpoints
};

// Diffusers when `<prefix>decoder.conv_in.weight` sits beside `decoder.up_blocks.*`, LDM
// when it sits beside `decoder.up.*`; the prefix is "" or "first_stage_model.". Throws
// EngineError(ModelLoad) when the checkpoint holds no AutoencoderKL decoder.
VaeCheckpointLayout detectVaeLayout(const Checkpoint& checkpoint);

// The rename for a layout. For the diffusers naming, each mid-block attention tensor is
// looked up under its current name first and under its legacy name second, so current,
// legacy and mixed files all load.
CheckpointSource::Rename vaeRename(const VaeCheckpointLayout& layout,
                                   const AutoencoderKLConfig& config, const Checkpoint& checkpoint);

// Wraps a source over `checkpoint`: a 2-D weight [out, in] that the checkpoint stores as a
// 1x1 convolution [out, in, 1, 1] (LDM attention, some old conversions) is taken with the
// stored shape and viewed as [out, in] (same storage). Everything else is passed through;
// finish() is the wrapped source's, so the strict checks still hold. `rename` and `prefix`
// must be those of the wrapped source.
class ConvAsLinearSource : public ParameterSource {
  public:
    ConvAsLinearSource(ParameterSource& inner, const Checkpoint& checkpoint,
                       CheckpointSource::Rename rename, std::string prefix);
    at::Tensor take(const std::string& name, at::IntArrayRef shape) override;
    void finish() override { inner_.finish(); }

  private:
    ParameterSource& inner_;
    const Checkpoint& checkpoint_;
    CheckpointSource::Rename rename_;
    std::string prefix_;
};

}  // namespace archival::engine
