#pragma once
// Euler ancestral sampling (k-diffusion's sample_euler_ancestral): each step goes down to a
// level sigma_down below the next one with an Euler step, then adds fresh noise of scale
// sigma_up so that the variance reaches the next level:
//   sigma_up = sqrt(s_to^2 (s_from^2 - s_to^2) / s_from^2), sigma_down = sqrt(s_to^2 - sigma_up^2).
// diffusers v0.31 EulerAncestralDiscreteScheduler
// (schedulers/scheduling_euler_ancestral_discrete.py). The noise is drawn inside step()
// from the caller's CPU generator, exactly once per step as randn(shape), so a seed
// reproduces a diffusers run.

#include <vector>

#include "engine/schedulers/noise_schedule.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

class EulerAncestralScheduler : public Scheduler {
  public:
    // Reads num_train_timesteps, the beta schedule, prediction_type (epsilon or
    // v_prediction), timestep_spacing (linspace) and steps_offset (0).
    explicit EulerAncestralScheduler(const SchedulerConfig& config);

    const char* name() const override { return "euler_ancestral"; }
    void setTimesteps(int numInferenceSteps) override;
    const at::Tensor& timesteps() const override { return timesteps_; }
    at::Tensor sigmas() const override { return sigmasTensor_; }
    double initNoiseSigma() const override;
    at::Tensor scaleModelInput(const at::Tensor& sample, int stepIndex) const override;
    // `generator` is required: a CPU generator (the noise is drawn on the CPU and moved to
    // the sample's device, as diffusers' randn_tensor does with a CPU generator).
    at::Tensor step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample,
                    at::Generator* generator = nullptr) override;
    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise,
                        int stepIndex) const override;
    at::Tensor predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                               const at::Tensor& sample) const override;

  private:
    std::vector<float> trainSigmas_;
    int numTrainTimesteps_ = 1000;
    PredictionType prediction_ = PredictionType::Epsilon;
    std::string spacing_;
    int stepsOffset_ = 0;

    std::vector<float> sigmas_;  // N + 1 entries, the last 0
    at::Tensor timesteps_, sigmasTensor_;
};

}  // namespace archival::engine
