#include "engine/schedulers/euler_ancestral_scheduler.h"

#include <algorithm>
#include <cmath>

#include "engine/errors.h"
#include "engine/runtime/host_to_device.h"
#include "engine/schedulers/sigma_schedule.h"

namespace archival::engine {

namespace {

// x0 from the model output at level sigma (scheduling_euler_ancestral_discrete.py step).
at::Tensor ancestralOriginal(PredictionType type, float sigma, const at::Tensor& modelOutput,
                             const at::Tensor& sample) {
    if (type == PredictionType::VPrediction) {
        const float c = -sigma / varianceScale(sigma);
        const float v = sigma * sigma + 1.0f;
        return modelOutput * static_cast<double>(c) + sample / static_cast<double>(v);
    }
    return sample - modelOutput * static_cast<double>(sigma);
}

}  // namespace

EulerAncestralScheduler::EulerAncestralScheduler(const SchedulerConfig& config)
    : trainSigmas_(trainSigmas(trainAlphasCumprod(config))),
      numTrainTimesteps_(static_cast<int>(trainSigmas_.size())),
      prediction_(
          readPredictionType(config, {PredictionType::Epsilon, PredictionType::VPrediction})),
      spacing_(config.choice("timestep_spacing", "linspace", {"linspace", "leading", "trailing"})),
      stepsOffset_(config.integer("steps_offset", 0)) {}

void EulerAncestralScheduler::setTimesteps(int numInferenceSteps) {
    if (numInferenceSteps < 1)
        throw EngineError(ErrorKind::InvalidRequest,
                          "euler_ancestral: the number of steps must be at least 1, got " +
                              std::to_string(numInferenceSteps));
    const std::vector<float> ts =
        eulerFamilyTimesteps(spacing_, numTrainTimesteps_, numInferenceSteps, stepsOffset_);
    sigmas_.clear();
    for (double s : sigmasAtTimesteps(ts, trainSigmas_)) sigmas_.push_back(static_cast<float>(s));
    sigmas_.push_back(0.0f);
    timesteps_ = floatTensor(ts);
    sigmasTensor_ = floatTensor(sigmas_);
    beginIndex_ = -1;
}

double EulerAncestralScheduler::initNoiseSigma() const {
    checkReady();
    const float maxSigma = *std::max_element(sigmas_.begin(), sigmas_.end());
    if (spacing_ == "linspace" || spacing_ == "trailing") return maxSigma;
    return varianceScale(maxSigma);
}

at::Tensor EulerAncestralScheduler::scaleModelInput(const at::Tensor& sample, int stepIndex) const {
    checkStepIndex(stepIndex);
    return sample /
           static_cast<double>(varianceScale(sigmas_[static_cast<std::size_t>(stepIndex)]));
}

at::Tensor EulerAncestralScheduler::step(const at::Tensor& modelOutput, int stepIndex,
                                         const at::Tensor& sample, at::Generator* generator) {
    checkStepIndex(stepIndex);
    if (generator == nullptr || !generator->defined())
        throw EngineError(ErrorKind::InvalidRequest,
                          "euler_ancestral draws noise at every step: pass the job's seeded CPU "
                          "generator to step(), or the result cannot be reproduced");
    if (generator->device().type() != at::kCPU)
        throw EngineError(ErrorKind::InvalidRequest,
                          "euler_ancestral: the generator must be a CPU generator (seeds then give "
                          "the same noise on every device)");
    const float sigmaFrom = sigmas_[static_cast<std::size_t>(stepIndex)];
    const float sigmaTo = sigmas_[static_cast<std::size_t>(stepIndex) + 1];
    const at::Tensor x = sample.to(at::kFloat);
    const at::Tensor predOriginal = ancestralOriginal(prediction_, sigmaFrom, modelOutput, x);

    // The same float32 operations, in the same order, as the 0-dim tensors of the reference.
    const float from2 = sigmaFrom * sigmaFrom, to2 = sigmaTo * sigmaTo;
    const float sigmaUp = std::sqrt(to2 * (from2 - to2) / from2);
    const float sigmaDown = std::sqrt(to2 - sigmaUp * sigmaUp);

    const at::Tensor derivative = (x - predOriginal) / static_cast<double>(sigmaFrom);
    const float dt = sigmaDown - sigmaFrom;
    at::Tensor prev = x + derivative * static_cast<double>(dt);
    // diffusers' randn_tensor with a CPU generator: draw on the CPU in the model output's
    // dtype (so a seed gives the same noise on every device), then move without making the
    // host wait for the device (the draw does not depend on the device's results).
    const at::Tensor noise = copyToDeviceAsync(
        at::randn(modelOutput.sizes(), *generator,
                  at::TensorOptions().dtype(modelOutput.scalar_type()).device(at::kCPU)),
        modelOutput.device());
    prev = prev + noise * static_cast<double>(sigmaUp);
    return prev.to(modelOutput.scalar_type());
}

at::Tensor EulerAncestralScheduler::addNoise(const at::Tensor& original, const at::Tensor& noise,
                                             int stepIndex) const {
    checkStepIndex(stepIndex);
    return original + noise * static_cast<double>(sigmas_[static_cast<std::size_t>(stepIndex)]);
}

at::Tensor EulerAncestralScheduler::predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                                                    const at::Tensor& sample) const {
    checkStepIndex(stepIndex);
    return ancestralOriginal(prediction_, sigmas_[static_cast<std::size_t>(stepIndex)], modelOutput,
                             sample);
}

}  // namespace archival::engine
