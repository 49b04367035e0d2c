#include "engine/schedulers/euler_scheduler.h"

#include <algorithm>
#include <cmath>

#include "engine/errors.h"
#include "engine/schedulers/reference_numerics.h"
#include "engine/schedulers/sigma_schedule.h"

namespace archival::engine {

namespace {

// x0 in the sigma parameterisation (scheduling_euler_discrete.py step, with sigma_hat = sigma).
at::Tensor eulerOriginal(PredictionType type, float sigma, const at::Tensor& modelOutput,
                         const at::Tensor& sample) {
    switch (type) {
        case PredictionType::Epsilon:
            return sample - modelOutput * static_cast<double>(sigma);
        case PredictionType::VPrediction: {
            const float c = -sigma / varianceScale(sigma);
            const float v = sigma * sigma + 1.0f;
            return modelOutput * static_cast<double>(c) + sample / static_cast<double>(v);
        }
        case PredictionType::Sample:
            return modelOutput;
    }
    return modelOutput;
}

PredictionType eulerPredictionType(const SchedulerConfig& config) {
    // Euler also accepts the older spelling "original_sample" for "sample".
    if (config.text("prediction_type", "epsilon") == "original_sample")
        return PredictionType::Sample;
    return readPredictionType(
        config, {PredictionType::Epsilon, PredictionType::VPrediction, PredictionType::Sample});
}

}  // namespace

EulerScheduler::EulerScheduler(const SchedulerConfig& config)
    : trainSigmas_(trainSigmas(trainAlphasCumprod(config))),
      numTrainTimesteps_(static_cast<int>(trainSigmas_.size())),
      prediction_(eulerPredictionType(config)),
      spacing_(config.choice("timestep_spacing", "linspace", {"linspace", "leading", "trailing"})),
      stepsOffset_(config.integer("steps_offset", 0)),
      karras_(config.boolean("use_karras_sigmas", false)) {
    config.choice("interpolation_type", "linear", {"linear"});
    config.requireBoolean("use_exponential_sigmas", false, false);
    config.requireBoolean("use_beta_sigmas", false, false);
    // EDM-style continuous timesteps (0.25 log sigma) only change v-prediction models.
    if (prediction_ == PredictionType::VPrediction)
        config.choice("timestep_type", "discrete", {"discrete"});
    if (config.has("sigma_min")) configSigmaMin_ = config.number("sigma_min", 0);
    if (config.has("sigma_max")) configSigmaMax_ = config.number("sigma_max", 0);
    finalSigmaMin_ =
        config.choice("final_sigmas_type", "zero", {"zero", "sigma_min"}) == "sigma_min";
}

void EulerScheduler::setTimesteps(int numInferenceSteps) {
    if (numInferenceSteps < 1)
        throw EngineError(ErrorKind::InvalidRequest,
                          "euler: the number of steps must be at least 1, got " +
                              std::to_string(numInferenceSteps));
    const int n = numInferenceSteps;
    std::vector<float> ts = eulerFamilyTimesteps(spacing_, numTrainTimesteps_, n, stepsOffset_);
    std::vector<double> levels = sigmasAtTimesteps(ts, trainSigmas_);
    if (karras_) {
        // Karras spacing between the interpolated extremes (or the configured ones); the
        // timesteps become the fractional t of each level (not rounded for Euler).
        const double lo = configSigmaMin_.value_or(levels.back());
        const double hi = configSigmaMax_.value_or(levels.front());
        levels = refnum::karrasSigmas(lo, hi, n);
        std::vector<float> logSigmas(trainSigmas_.size());
        for (std::size_t i = 0; i < logSigmas.size(); ++i) logSigmas[i] = std::log(trainSigmas_[i]);
        ts.clear();
        for (double s : levels)
            ts.push_back(static_cast<float>(refnum::sigmaToTimestep(s, logSigmas)));
    }
    sigmas_.clear();
    for (double s : levels) sigmas_.push_back(static_cast<float>(s));
    sigmas_.push_back(finalSigmaMin_ ? trainSigmas_.front() : 0.0f);
    timesteps_ = floatTensor(ts);
    sigmasTensor_ = floatTensor(sigmas_);
    beginIndex_ = -1;
}

double EulerScheduler::initNoiseSigma() const {
    checkReady();
    // scheduling_euler_discrete.py init_noise_sigma.
    const float maxSigma = *std::max_element(sigmas_.begin(), sigmas_.end());
    if (spacing_ == "linspace" || spacing_ == "trailing") return maxSigma;
    return varianceScale(maxSigma);
}

at::Tensor EulerScheduler::scaleModelInput(const at::Tensor& sample, int stepIndex) const {
    checkStepIndex(stepIndex);
    return sample /
           static_cast<double>(varianceScale(sigmas_[static_cast<std::size_t>(stepIndex)]));
}

at::Tensor EulerScheduler::step(const at::Tensor& modelOutput, int stepIndex,
                                const at::Tensor& sample, at::Generator* /*generator*/) {
    checkStepIndex(stepIndex);
    // scheduling_euler_discrete.py step with gamma = 0 (sigma_hat = sigma), upcast to float32.
    const float sigma = sigmas_[static_cast<std::size_t>(stepIndex)];
    const float sigmaNext = sigmas_[static_cast<std::size_t>(stepIndex) + 1];
    const at::Tensor x = sample.to(at::kFloat);
    const at::Tensor predOriginal = eulerOriginal(prediction_, sigma, modelOutput, x);
    const at::Tensor derivative = (x - predOriginal) / static_cast<double>(sigma);
    const float dt = sigmaNext - sigma;
    return (x + derivative * static_cast<double>(dt)).to(modelOutput.scalar_type());
}

at::Tensor EulerScheduler::addNoise(const at::Tensor& original, const at::Tensor& noise,
                                    int stepIndex) const {
    checkStepIndex(stepIndex);
    return original + noise * static_cast<double>(sigmas_[static_cast<std::size_t>(stepIndex)]);
}

at::Tensor EulerScheduler::predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                                           const at::Tensor& sample) const {
    checkStepIndex(stepIndex);
    return eulerOriginal(prediction_, sigmas_[static_cast<std::size_t>(stepIndex)], modelOutput,
                         sample);
}

}  // namespace archival::engine
