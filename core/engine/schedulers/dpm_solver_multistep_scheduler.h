#pragma once
// DPM-Solver / DPM-Solver++ multistep (Lu et al. 2022, arXiv 2206.00927 and 2211.01095):
// diffusers v0.31 DPMSolverMultistepScheduler (schedulers/scheduling_dpmsolver_multistep.py).
// "DPM++ 2M" is algorithm_type dpmsolver++ with solver_order 2 and the midpoint solver;
// "DPM++ 2M Karras" the same on Karras-spaced noise levels (use_karras_sigmas).
//
// The solver integrates the data prediction x0 in log-SNR lambda = log(alpha_t / sigma_t)
// and reuses the previous step's x0 for the second-order term, so steps must come in order.
// The first step is first order, and so is the last one with final_sigmas_type "zero"
// (or below 15 steps with lower_order_final).

#include <vector>

#include "engine/schedulers/noise_schedule.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

class DpmSolverMultistepScheduler : public Scheduler {
  public:
    // Reads num_train_timesteps, the beta schedule, solver_order (1-3), prediction_type
    // (epsilon, v_prediction, sample), algorithm_type (dpmsolver++ or dpmsolver),
    // solver_type (midpoint or heun), lower_order_final, euler_at_final, use_karras_sigmas,
    // final_sigmas_type (zero or sigma_min), lambda_min_clipped, timestep_spacing
    // (linspace), steps_offset; thresholding, use_lu_lambdas, use_exponential_sigmas,
    // use_beta_sigmas and variance_type only at their defaults. `registryName` names the
    // scheduler in messages ("dpmpp_2m", "dpmpp_2m_karras").
    DpmSolverMultistepScheduler(const SchedulerConfig& config, std::string registryName);

    const char* name() const override { return registryName_.c_str(); }
    void setTimesteps(int numInferenceSteps) override;
    const at::Tensor& timesteps() const override { return timesteps_; }
    at::Tensor sigmas() const override { return sigmasTensor_; }
    double initNoiseSigma() const override { return 1.0; }
    at::Tensor step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample,
                    at::Generator* generator = nullptr) override;
    void setBeginIndex(int index) override;
    at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise,
                        int stepIndex) const override;
    at::Tensor predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                               const at::Tensor& sample) const override;

  private:
    // convert_model_output: x0 (dpmsolver++) or eps (dpmsolver) at step `stepIndex`.
    at::Tensor convertModelOutput(const at::Tensor& modelOutput, int stepIndex,
                                  const at::Tensor& sample) const;
    at::Tensor firstOrderUpdate(const at::Tensor& m0, int stepIndex,
                                const at::Tensor& sample) const;
    at::Tensor secondOrderUpdate(int stepIndex, const at::Tensor& sample) const;
    at::Tensor thirdOrderUpdate(int stepIndex, const at::Tensor& sample) const;
    void resetHistory();

    std::string registryName_;
    std::vector<float> alphasCumprod_;
    std::vector<float> trainSigmas_;
    int numTrainTimesteps_ = 1000;
    int solverOrder_ = 2;
    PredictionType prediction_ = PredictionType::Epsilon;
    bool dataPrediction_ = true;  // dpmsolver++ (x0) rather than dpmsolver (eps)
    bool midpoint_ = true;        // else heun
    bool lowerOrderFinal_ = true;
    bool eulerAtFinal_ = false;
    bool karras_ = false;
    bool finalSigmaMin_ = false;
    double lambdaMinClipped_ = 0;
    std::string spacing_;
    int stepsOffset_ = 0;

    std::vector<float> sigmas_;  // N + 1 entries
    at::Tensor timesteps_, sigmasTensor_;

    // The converted outputs of the last solver_order steps, oldest first.
    std::vector<at::Tensor> modelOutputs_;
    int lowerOrderNums_ = 0;
    int lastStepIndex_ = -1;
};

}  // namespace archival::engine
