#pragma once
// Where a pipeline's components live when the device's memory budget is smaller than the
// whole model (SD 3.5 Large: ~16 GB transformer + ~11 GB text encoders in 16 bits).
//   - The device is the host (CPU): the text encoders are freed once the prompt is encoded
//     and read again for the next job; the peak is then the larger stage, not the sum.
//   - A separate device (GPU): components are kept in host memory between their stages,
//     text encoders first (used once per job), then the VAE (once at the end); the denoiser
//     runs every step and stays. An offloaded component moves to the device for its stage
//     when it fits there beside the resident ones, and runs that stage on the host when it
//     does not (T5-XXL beside the SD 3.5 Large transformer on a 24 GB card).

#include <cstdint>
#include <string>
#include <vector>

#include "engine/generation.h"

namespace archival::engine {

struct MemoryPlan {
    bool releaseTextEncoders = false;     // free them after encoding (and reload per job)
    std::vector<std::string> offloaded;   // kept in host memory between their stages
    std::vector<std::string> hostStages;  // offloaded ones whose stage runs on the host
    bool offloads(const std::string& component) const;
    bool runsOnHost(const std::string& component) const;
};

// `components`: every component's weight bytes on the device, named as ResidentComponent
// names them (text encoders start with "text_encoder"; "vae"; the denoiser by any other
// name). `budget`: what the components may hold on the device between stages (0: no limit).
// `deviceBytes`: what the device holds at all, the limit while a component is over for its
// stage (0: the budget). `releaseAsked`: the user's setting to free the text encoders
// whatever the budget.
MemoryPlan planMemory(const std::vector<ResidentComponent>& components, std::uint64_t budget,
                      bool deviceIsHost, bool releaseAsked, std::uint64_t deviceBytes = 0);

// A readable line for logs and warnings, e.g. "offloaded to host between stages:
// text_encoder_3 (runs on the host), vae".
std::string describe(const MemoryPlan& plan);

}  // namespace archival::engine
