#pragma once
// DDIM (denoising diffusion implicit models, Song et al. 2021) with eta = 0, the
// deterministic sampler: diffusers v0.31 DDIMScheduler (schedulers/scheduling_ddim.py).
// Each step predicts x0 and re-noises it to the previous timestep,
// x_prev = sqrt(a_prev) * x0 + sqrt(1 - a_prev) * eps; it keeps no state between steps.

#include <vector>

#include "engine/schedulers/noise_schedule.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

class DdimScheduler : public Scheduler {
  public:
    // Reads num_train_timesteps, the beta schedule, clip_sample (default true),
    // clip_sample_range (1.0), set_alpha_to_one (true), steps_offset (0), prediction_type
    // (epsilon, v_prediction or sample), timestep_spacing (leading) and thresholding (false only).
    explicit DdimScheduler(const SchedulerConfig& config);

    const char* name() const override { return "ddim"; }
    void setTimesteps(int numInferenceSteps) override;
    const at::Tensor& timesteps() const override { return timesteps_; }
    double initNoiseSigma() const override { return 1.0; }
    at::Tensor step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample,
                    at::Generator* generator = nullptr) override;
    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise,
                        int stepIndex) const override;
    at::Tensor predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                               const at::Tensor& sample) const override;

  private:
    std::vector<float> alphasCumprod_;
    float finalAlphaCumprod_ = 1.0f;
    int numTrainTimesteps_ = 1000;
    PredictionType prediction_ = PredictionType::Epsilon;
    bool clipSample_ = true;
    double clipSampleRange_ = 1.0;
    std::string spacing_;
    int stepsOffset_ = 0;

    int numInferenceSteps_ = 0;
    at::Tensor timesteps_;
};

}  // namespace archival::engine
