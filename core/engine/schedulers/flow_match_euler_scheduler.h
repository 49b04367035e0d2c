#pragma once
// Euler on a rectified-flow ODE (SD3 / SD3.5): x_sigma = (1 - sigma) x0 + sigma * noise, the
// model predicts the velocity v = noise - x0, and a step is x + (sigma_next - sigma) * v.
// diffusers v0.31 FlowMatchEulerDiscreteScheduler
// (schedulers/scheduling_flow_match_euler_discrete.py) with a static `shift`:
// sigma -> shift * sigma / (1 + (shift - 1) * sigma) spends more steps at high noise.
//
// Quirk kept on purpose (fixture README section 5): set_timesteps spaces its levels between
// the *already shifted* training extremes and then shifts again, so the last timestep for
// shift 3 is 8.93, not 3. Timesteps are sigma * 1000 as float32.

#include <vector>

#include "engine/schedulers/scheduler.h"
#include "engine/schedulers/scheduler_config.h"

namespace archival::engine {

class FlowMatchEulerScheduler : public Scheduler {
  public:
    // Reads num_train_timesteps (1000) and shift (1.0); use_dynamic_shifting only false
    // (it needs the image size, which SD3.5's config does not ask for).
    explicit FlowMatchEulerScheduler(const SchedulerConfig& config);

    const char* name() const override { return "flowmatch_euler"; }
    void setTimesteps(int numInferenceSteps) override;
    const at::Tensor& timesteps() const override { return timesteps_; }
    at::Tensor sigmas() const override { return sigmasTensor_; }
    // The SD3 pipelines use the noise as is.
    double initNoiseSigma() const override { return 1.0; }
    at::Tensor step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample,
                    at::Generator* generator = nullptr) override;
    // diffusers' scale_noise: sigma * noise + (1 - sigma) * original.
    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise,
                        int stepIndex) const override;
    // x0 = x - sigma * v.
    at::Tensor predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                               const at::Tensor& sample) const override;

  private:
    int numTrainTimesteps_ = 1000;
    double shift_ = 1.0;
    float sigmaMin_ = 0, sigmaMax_ = 1;  // the shifted training extremes

    std::vector<float> sigmas_;  // N + 1 entries, the last 0
    at::Tensor timesteps_, sigmasTensor_;
};

}  // namespace archival::engine
