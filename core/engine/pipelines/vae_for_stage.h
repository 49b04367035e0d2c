#pragma once
// The VAE one stage (image-to-image encode, decode) runs with, as the memory plan places it.

#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <string>

#include "engine/models/autoencoder_kl.h"
#include "engine/pipelines/memory_plan.h"

namespace archival::engine {

// When the plan keeps the VAE in host memory between stages and it fits on the device for
// its stage, a device copy is built from its host weights for the stage and freed with this
// object; otherwise the loaded VAE runs (on the device, or on the host when the plan says
// its stage runs there: its outputs are then host tensors).
class VaeForStage {
  public:
    VaeForStage(const AutoencoderKL& loaded, const std::map<std::string, at::Tensor>& hostWeights,
                const MemoryPlan& plan, at::Device device);
    ~VaeForStage();
    VaeForStage(const VaeForStage&) = delete;
    VaeForStage& operator=(const VaeForStage&) = delete;

    const AutoencoderKL& operator*() const { return copy_ ? *copy_ : loaded_; }
    // Whether a device copy was made for the stage.
    bool movedOver() const { return copy_.has_value(); }

  private:
    const AutoencoderKL& loaded_;
    std::optional<AutoencoderKL> copy_;
};

}  // namespace archival::engine
