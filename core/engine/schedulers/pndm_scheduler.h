#pragma once
// PNDM (pseudo numerical methods for diffusion models, Liu et al. 2022), the SD1.5 default
// sampler: diffusers v0.31 PNDMScheduler (schedulers/scheduling_pndm.py).
//
// With `skip_prk_steps` (the SD1.5 config) it is the PLMS sampler of latent-diffusion: a
// linear multistep method over up to four past model outputs whose warm-up evaluates the
// model twice at the first timestep. timesteps() therefore has N + 1 entries with the second
// one repeated, and a step is not a pure function of (t, x): it keeps the output history,
// a step counter and the sample of the warm-up step. Without skip_prk_steps the first
// steps are the 4-stage pseudo Runge-Kutta warm-up of the original paper.

#include <vector>

#include "engine/schedulers/noise_schedule.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

class PndmScheduler : public Scheduler {
  public:
    // Reads num_train_timesteps, the beta schedule, skip_prk_steps (default false),
    // set_alpha_to_one (false), prediction_type (epsilon or v_prediction),
    // timestep_spacing (leading) and steps_offset (0).
    explicit PndmScheduler(const SchedulerConfig& config);

    const char* name() const override { return "pndm"; }
    void setTimesteps(int numInferenceSteps) override;
    const at::Tensor& timesteps() const override { return timesteps_; }
    double initNoiseSigma() const override { return 1.0; }
    at::Tensor step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample,
                    at::Generator* generator = nullptr) override;
    void setBeginIndex(int index) override;
    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise,
                        int stepIndex) const override;
    at::Tensor predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                               const at::Tensor& sample) const override;

  private:
    void resetHistory();
    at::Tensor stepPrk(const at::Tensor& modelOutput, std::int64_t timestep,
                       const at::Tensor& sample);
    at::Tensor stepPlms(const at::Tensor& modelOutput, std::int64_t timestep,
                        const at::Tensor& sample);
    // Formula (9) of the PNDM paper: x_{t-delta} from x_t and the combined model output.
    at::Tensor previousSample(const at::Tensor& sample, std::int64_t timestep,
                              std::int64_t prevTimestep, const at::Tensor& modelOutput) const;

    std::vector<float> alphasCumprod_;
    float finalAlphaCumprod_ = 1.0f;
    int numTrainTimesteps_ = 1000;
    bool skipPrkSteps_ = false;
    PredictionType prediction_ = PredictionType::Epsilon;
    std::string spacing_;
    int stepsOffset_ = 0;

    int numInferenceSteps_ = 0;
    std::vector<std::int64_t> prkTimesteps_;
    at::Tensor timesteps_;

    // Multistep state, as in diffusers: past model outputs, evaluation counter, the sample
    // the PLMS warm-up restarts from and the running Runge-Kutta sum.
    std::vector<at::Tensor> ets_;
    int counter_ = 0;
    at::Tensor curSample_;
    at::Tensor curModelOutput_;
    int lastStepIndex_ = -1;
};

}  // namespace archival::engine
