#pragma once
// The DDPM training noise schedule shared by PNDM, DDIM, Euler, Euler ancestral and
// DPM-Solver: betas from the config, then the cumulative product of (1 - beta). Values are
// float32 exactly as diffusers v0.31 computes them (e.g. scheduling_ddim.py __init__).

#include <ATen/ATen.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "engine/schedulers/scheduler_config.h"

namespace archival::engine {

// What the model predicts (`prediction_type`): the noise (SD1.x), the velocity
// v = sqrt(a) * eps - sqrt(1 - a) * x0 (SD2.x 768), or the clean sample.
enum class PredictionType { Epsilon, VPrediction, Sample };

// Reads `prediction_type` (default "epsilon"); `allowed` lists what the scheduler implements.
PredictionType readPredictionType(const SchedulerConfig& config,
                                  std::initializer_list<PredictionType> allowed);

// alphas_cumprod[t] for t = 0 .. num_train_timesteps - 1, from `trained_betas` when given,
// else `beta_schedule` (linear, scaled_linear, squaredcos_cap_v2) with beta_start/beta_end.
// Reads num_train_timesteps (default 1000), beta_start (0.0001), beta_end (0.02),
// beta_schedule ("linear"), trained_betas and rescale_betas_zero_snr (only false).
std::vector<float> trainAlphasCumprod(const SchedulerConfig& config);

// The training noise levels in the "x = x0 + sigma * eps" parameterisation:
// sqrt((1 - alphas_cumprod) / alphas_cumprod), in float32, ascending with t.
std::vector<float> trainSigmas(const std::vector<float>& alphasCumprod);

// Timesteps are indices into alphas_cumprod; a schedule built from a config can still hold
// one outside it (steps_offset): this throws EngineError(InvalidRequest) instead of reading
// out of bounds.
float alphaCumprodAt(const std::vector<float>& alphasCumprod, std::int64_t timestep);

// The forward process at a training timestep, as DDPM-family add_noise computes it:
// sqrt(a) * x0 + sqrt(1 - a) * noise with a = alphas_cumprod[t] in float32.
at::Tensor noiseAtTimestep(float alphaCumprod, const at::Tensor& original, const at::Tensor& noise);

// x0 from a model output at noise level a = alphas_cumprod[t] (the sample is the plain
// x_t = sqrt(a) x0 + sqrt(1 - a) eps), in DDIM's order of operations (scheduling_ddim.py step).
at::Tensor originalFromModelOutput(PredictionType type, float alphaCumprod,
                                   const at::Tensor& modelOutput, const at::Tensor& sample);

}  // namespace archival::engine
