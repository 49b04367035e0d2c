#pragma once
// The sampling loop both model families share: classifier-free guidance, scheduler steps,
// step callbacks with previews, and cancellation checked before every model evaluation.

#include <ATen/ATen.h>

#include <functional>

#include "engine/generation.h"
#include "engine/preview/latent_preview.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

struct DenoiseLoop {
    Scheduler* scheduler = nullptr;
    int beginIndex = 0;  // img2img starts part-way through the timesteps
    double guidance = 1.0;
    // Classifier-free guidance doubles the batch: [negative, positive], as the reference
    // pipelines batch it. Off when guidance <= 1 (the reference's rule).
    bool classifierFree() const { return guidance > 1.0; }
    // The denoiser: model input (2B when guided) and the step index → raw model output.
    std::function<at::Tensor(const at::Tensor& modelInput, int stepIndex)> model;
    at::Generator* generator = nullptr;  // for stochastic samplers (Euler ancestral)
    LatentFormat previewFormat = LatentFormat::SD15;
    // Optional better preview (TAESD): model-space x0 → [h, w, 3] uint8 of the first image.
    std::function<at::Tensor(const at::Tensor& x0)> previewDecoder;
    // On a GPU the host must never wait for the device inside the loop: each step's preview
    // is copied to the host without waiting, and the step's callback (progress + preview)
    // is made once the next step is queued, i.e. one step late. Off: every callback comes
    // right after its step (CPU, where nothing is queued).
    bool callbacksOneStepLate = false;
    // Tests observe every step: the guided model output and the latents after the step.
    std::function<void(int stepIndex, const at::Tensor& guided, const at::Tensor& latents)> observe;
};

// Runs the loop from `latents` (already scaled by init_noise_sigma or noised for img2img)
// and returns the final latents. Throws EngineError(Interrupted) when `hooks.cancel` is
// cancelled: checked before and after every step, and after every late callback.
at::Tensor runDenoiseLoop(const DenoiseLoop& loop, at::Tensor latents,
                          const GenerationHooks& hooks);

}  // namespace archival::engine
