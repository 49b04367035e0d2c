#include "engine/schedulers/flow_match_euler_scheduler.h"

#include "engine/errors.h"
#include "engine/schedulers/reference_numerics.h"
#include "engine/schedulers/sigma_schedule.h"

namespace archival::engine {

FlowMatchEulerScheduler::FlowMatchEulerScheduler(const SchedulerConfig& config)
    : numTrainTimesteps_(config.integer("num_train_timesteps", 1000)),
      shift_(config.number("shift", 1.0)) {
    if (numTrainTimesteps_ < 1) config.fail("num_train_timesteps", "must be at least 1");
    if (!(shift_ > 0)) config.fail("shift", "must be positive");
    config.requireBoolean("use_dynamic_shifting", false, false);
    // __init__: the training levels t / T for t = T .. 1, shifted in float32 tensors. Only the
    // extremes are used later.
    // Python scalars meet float32 tensors: shift and shift - 1 are each rounded to float.
    const float shift = static_cast<float>(shift_);
    const float shiftMinusOne = static_cast<float>(shift_ - 1.0);
    auto shifted = [&](float s) { return shift * s / (1.0f + shiftMinusOne * s); };
    const float t = static_cast<float>(numTrainTimesteps_);
    sigmaMax_ = shifted(t / t);
    sigmaMin_ = shifted(1.0f / t);
}

void FlowMatchEulerScheduler::setTimesteps(int numInferenceSteps) {
    if (numInferenceSteps < 1)
        throw EngineError(ErrorKind::InvalidRequest,
                          "flowmatch_euler: the number of steps must be at least 1, got " +
                              std::to_string(numInferenceSteps));
    // set_timesteps: a float64 linspace between the shifted extremes (as timesteps), back to
    // sigmas, shifted again in float64, then stored as float32; timesteps = sigma * T in float32.
    const double t = numTrainTimesteps_;
    const auto points = refnum::numpyLinspace(
        static_cast<double>(sigmaMax_) * t, static_cast<double>(sigmaMin_) * t, numInferenceSteps);
    sigmas_.clear();
    std::vector<float> ts;
    for (double p : points) {
        const double s = p / t;
        const float shifted = static_cast<float>(shift_ * s / (1.0 + (shift_ - 1.0) * s));
        sigmas_.push_back(shifted);
        ts.push_back(shifted * static_cast<float>(numTrainTimesteps_));
    }
    sigmas_.push_back(0.0f);
    timesteps_ = floatTensor(ts);
    sigmasTensor_ = floatTensor(sigmas_);
    beginIndex_ = -1;
}

at::Tensor FlowMatchEulerScheduler::step(const at::Tensor& modelOutput, int stepIndex,
                                         const at::Tensor& sample, at::Generator* /*generator*/) {
    checkStepIndex(stepIndex);
    const auto i = static_cast<std::size_t>(stepIndex);
    const float dt = sigmas_[i + 1] - sigmas_[i];
    return (sample.to(at::kFloat) + modelOutput * static_cast<double>(dt))
        .to(modelOutput.scalar_type());
}

at::Tensor FlowMatchEulerScheduler::addNoise(const at::Tensor& original, const at::Tensor& noise,
                                             int stepIndex) const {
    checkStepIndex(stepIndex);
    const float sigma = sigmas_[static_cast<std::size_t>(stepIndex)];
    return noise * static_cast<double>(sigma) + original * static_cast<double>(1.0f - sigma);
}

at::Tensor FlowMatchEulerScheduler::predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                                                    const at::Tensor& sample) const {
    checkStepIndex(stepIndex);
    return sample - modelOutput * static_cast<double>(sigmas_[static_cast<std::size_t>(stepIndex)]);
}

}  // namespace archival::engine
