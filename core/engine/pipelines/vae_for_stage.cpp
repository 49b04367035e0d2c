#include "engine/pipelines/vae_for_stage.h"

#include "engine/generation.h"

namespace archival::engine {

VaeForStage::VaeForStage(const AutoencoderKL& loaded,
                         const std::map<std::string, at::Tensor>& hostWeights,
                         const MemoryPlan& plan, at::Device device)
    : loaded_(loaded) {
    if (!plan.offloads("vae") || plan.runsOnHost("vae")) return;
    TensorMapSource source(hostWeights, device);
    copy_.emplace(AutoencoderKL(loaded.config(), Scope(source)));
}

VaeForStage::~VaeForStage() {
    if (!copy_) return;
    copy_.reset();
    releaseCachedDeviceMemory();  // the card's room goes back to the denoiser's activations
}

}  // namespace archival::engine
