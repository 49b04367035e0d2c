#pragma once
// Euler's method on the probability-flow ODE in the sigma parameterisation of Karras et al.
// (2022), x = x0 + sigma * eps: diffusers v0.31 EulerDiscreteScheduler
// (schedulers/scheduling_euler_discrete.py) without churn (s_churn = 0, so no noise).
// Timesteps are float32 and fractional with the default `linspace` spacing; the model is fed
// x / sqrt(sigma^2 + 1) (scaleModelInput) and the start noise is scaled by the largest sigma.

#include <optional>
#include <vector>

#include "engine/schedulers/noise_schedule.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

class EulerScheduler : public Scheduler {
  public:
    // Reads num_train_timesteps, the beta schedule, prediction_type (epsilon, v_prediction,
    // sample), timestep_spacing (linspace), steps_offset (0), use_karras_sigmas (false),
    // sigma_min / sigma_max (for Karras), final_sigmas_type (zero or sigma_min);
    // interpolation_type, timestep_type, use_exponential_sigmas and use_beta_sigmas only at
    // their defaults.
    explicit EulerScheduler(const SchedulerConfig& config);

    const char* name() const override { return "euler"; }
    void setTimesteps(int numInferenceSteps) override;
    const at::Tensor& timesteps() const override { return timesteps_; }
    at::Tensor sigmas() const override { return sigmasTensor_; }
    double initNoiseSigma() const override;
    at::Tensor scaleModelInput(const at::Tensor& sample, int stepIndex) const override;
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
    bool karras_ = false;
    std::optional<double> configSigmaMin_, configSigmaMax_;  // Karras range overrides
    bool finalSigmaMin_ = false;

    std::vector<float> sigmas_;  // N + 1 entries
    at::Tensor timesteps_, sigmasTensor_;
};

}  // namespace archival::engine
