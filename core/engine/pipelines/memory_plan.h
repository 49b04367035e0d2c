#pragma once
// Where a pipeline's components live when the device's memory budget is smaller than the
// whole model (SD 3.5 Large: ~16 GB transformer + ~11 GB text encoders in 16 bits).
//   - The device is the host (CPU): the text encoders are freed once the prompt is encoded
//     and read again for the next job; the peak is then the larger stage, not the sum.
//   - A separate device (GPU): components are kept in host memory and moved to the device
//     for their stage only, text encoders first (used once per job), then the VAE.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/generation.h"

namespace archival::engine {

struct MemoryPlan {
    bool releaseTextEncoders = false;    // free them after encoding (and reload per job)
    std::vector<std::string> offloaded;  // kept in host memory between their stages
    bool offloads(const std::string& component) const;
};

// `components`: every component's weight bytes on the device, named as ResidentComponent
// names them (text encoders start with "text_encoder"). `budget` 0 means no limit.
// `releaseAsked`: the user's setting to free the text encoders whatever the budget.
MemoryPlan planMemory(const std::vector<ResidentComponent>& components, std::uint64_t budget,
                      bool deviceIsHost, bool releaseAsked);

// A readable line for logs and warnings, e.g. "offloaded to host: text_encoder_3, vae".
std::string describe(const MemoryPlan& plan);

}  // namespace archival::engine
