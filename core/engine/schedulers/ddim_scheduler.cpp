#include "engine/schedulers/ddim_scheduler.h"

#include <cmath>

#include "engine/errors.h"
#include "engine/schedulers/reference_numerics.h"

namespace archival::engine {

DdimScheduler::DdimScheduler(const SchedulerConfig& config)
    : alphasCumprod_(trainAlphasCumprod(config)),
      numTrainTimesteps_(static_cast<int>(alphasCumprod_.size())),
      prediction_(readPredictionType(
          config, {PredictionType::Epsilon, PredictionType::VPrediction, PredictionType::Sample})),
      clipSample_(config.boolean("clip_sample", true)),
      clipSampleRange_(config.number("clip_sample_range", 1.0)),
      spacing_(config.choice("timestep_spacing", "leading", {"linspace", "leading", "trailing"})),
      stepsOffset_(config.integer("steps_offset", 0)) {
    // Dynamic thresholding (Imagen) is for pixel-space models; latent models never enable it.
    config.requireBoolean("thresholding", false, false);
    finalAlphaCumprod_ = config.boolean("set_alpha_to_one", true) ? 1.0f : alphasCumprod_[0];
}

void DdimScheduler::setTimesteps(int numInferenceSteps) {
    // scheduling_ddim.py set_timesteps refuses more steps than training timesteps.
    if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps_)
        throw EngineError(ErrorKind::InvalidRequest,
                          "ddim: the number of steps must be between 1 and " +
                              std::to_string(numTrainTimesteps_) + ", got " +
                              std::to_string(numInferenceSteps));
    const int n = numInferenceSteps;
    numInferenceSteps_ = n;
    std::vector<std::int64_t> ts;  // descending
    if (spacing_ == "linspace") {
        const auto values = refnum::numpyLinspace(0.0, numTrainTimesteps_ - 1.0, n);
        for (auto it = values.rbegin(); it != values.rend(); ++it)
            ts.push_back(static_cast<std::int64_t>(refnum::roundHalfEven(*it)));
    } else if (spacing_ == "leading") {
        const std::int64_t ratio = numTrainTimesteps_ / n;
        for (int i = n - 1; i >= 0; --i) ts.push_back(i * ratio + stepsOffset_);
    } else {  // trailing
        const double ratio = static_cast<double>(numTrainTimesteps_) / n;
        for (double t : refnum::numpyArange(numTrainTimesteps_, 0.0, -ratio))
            ts.push_back(static_cast<std::int64_t>(refnum::roundHalfEven(t)) - 1);
    }
    for (std::int64_t t : ts) alphaCumprodAt(alphasCumprod_, t);  // fail now, not mid-run
    timesteps_ = at::tensor(ts, at::TensorOptions().dtype(at::kLong));
    beginIndex_ = -1;
}

at::Tensor DdimScheduler::step(const at::Tensor& modelOutput, int stepIndex,
                               const at::Tensor& sample, at::Generator* /*generator*/) {
    checkStepIndex(stepIndex);
    // scheduling_ddim.py step with eta = 0; float32 scalars like the reference's 0-dim tensors.
    const std::int64_t t = timesteps_[stepIndex].item<std::int64_t>();
    const std::int64_t prevT = t - numTrainTimesteps_ / numInferenceSteps_;
    const float alphaT = alphaCumprodAt(alphasCumprod_, t);
    const float alphaPrev = prevT >= 0 ? alphaCumprodAt(alphasCumprod_, prevT) : finalAlphaCumprod_;
    const float betaT = 1.0f - alphaT;
    const double sqrtAlpha = std::sqrt(alphaT), sqrtBeta = std::sqrt(betaT);

    at::Tensor predOriginal, predEpsilon;
    switch (prediction_) {
        case PredictionType::Epsilon:
            predOriginal = (sample - modelOutput * sqrtBeta) / sqrtAlpha;
            predEpsilon = modelOutput;
            break;
        case PredictionType::Sample:
            predOriginal = modelOutput;
            predEpsilon = (sample - predOriginal * sqrtAlpha) / sqrtBeta;
            break;
        case PredictionType::VPrediction:
            predOriginal = sample * sqrtAlpha - modelOutput * sqrtBeta;
            predEpsilon = modelOutput * sqrtAlpha + sample * sqrtBeta;
            break;
    }
    if (clipSample_) predOriginal = predOriginal.clamp(-clipSampleRange_, clipSampleRange_);
    // eta = 0: no variance term, so the direction coefficient is sqrt(1 - a_prev).
    const at::Tensor direction = predEpsilon * static_cast<double>(std::sqrt(1.0f - alphaPrev));
    return predOriginal * static_cast<double>(std::sqrt(alphaPrev)) + direction;
}

at::Tensor DdimScheduler::addNoise(const at::Tensor& original, const at::Tensor& noise,
                                   int stepIndex) const {
    checkStepIndex(stepIndex);
    const std::int64_t t = timesteps_[stepIndex].item<std::int64_t>();
    return noiseAtTimestep(alphaCumprodAt(alphasCumprod_, t), original, noise);
}

at::Tensor DdimScheduler::predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                                          const at::Tensor& sample) const {
    checkStepIndex(stepIndex);
    const std::int64_t t = timesteps_[stepIndex].item<std::int64_t>();
    return originalFromModelOutput(prediction_, alphaCumprodAt(alphasCumprod_, t), modelOutput,
                                   sample);
}

}  // namespace archival::engine
