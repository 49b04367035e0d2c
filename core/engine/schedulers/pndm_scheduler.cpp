#include "engine/schedulers/pndm_scheduler.h"

#include <algorithm>
#include <cmath>

#include "engine/errors.h"
#include "engine/schedulers/reference_numerics.h"

namespace archival::engine {

namespace {
constexpr int kPndmOrder = 4;  // diffusers' pndm_order: the Runge-Kutta warm-up covers 4 steps
}

PndmScheduler::PndmScheduler(const SchedulerConfig& config)
    : alphasCumprod_(trainAlphasCumprod(config)),
      numTrainTimesteps_(static_cast<int>(alphasCumprod_.size())),
      skipPrkSteps_(config.boolean("skip_prk_steps", false)),
      prediction_(
          readPredictionType(config, {PredictionType::Epsilon, PredictionType::VPrediction})),
      spacing_(config.choice("timestep_spacing", "leading", {"linspace", "leading", "trailing"})),
      stepsOffset_(config.integer("steps_offset", 0)) {
    // With set_alpha_to_one the last step lands on a clean sample; the SD1.5 config instead
    // reuses the first training level.
    finalAlphaCumprod_ = config.boolean("set_alpha_to_one", false) ? 1.0f : alphasCumprod_[0];
}

void PndmScheduler::setTimesteps(int numInferenceSteps) {
    if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps_)
        throw EngineError(ErrorKind::InvalidRequest,
                          "pndm: the number of steps must be between 1 and " +
                              std::to_string(numTrainTimesteps_) + ", got " +
                              std::to_string(numInferenceSteps));
    const int n = numInferenceSteps;
    numInferenceSteps_ = n;
    // The ascending base schedule (`_timesteps` in scheduling_pndm.py set_timesteps).
    std::vector<std::int64_t> base;
    if (spacing_ == "linspace") {
        for (double t : refnum::numpyLinspace(0.0, numTrainTimesteps_ - 1.0, n))
            base.push_back(static_cast<std::int64_t>(refnum::roundHalfEven(t)));
    } else if (spacing_ == "leading") {
        const std::int64_t ratio = numTrainTimesteps_ / n;
        for (int i = 0; i < n; ++i) base.push_back(i * ratio + stepsOffset_);
    } else {  // trailing
        const double ratio = static_cast<double>(numTrainTimesteps_) / n;
        const auto values = refnum::numpyArange(numTrainTimesteps_, 0.0, -ratio);
        for (auto it = values.rbegin(); it != values.rend(); ++it)
            base.push_back(static_cast<std::int64_t>(refnum::roundHalfEven(*it)) - 1);
    }

    std::vector<std::int64_t> prk, plms;
    if (skipPrkSteps_) {
        // PLMS warm-up: the second-to-last base timestep is visited twice; then reversed.
        plms.assign(base.begin(), base.end() - 1);
        if (base.size() >= 2) plms.push_back(base[base.size() - 2]);
        plms.push_back(base.back());
        std::reverse(plms.begin(), plms.end());
    } else {
        // Runge-Kutta warm-up over the last pndm_order base timesteps, each visited at t,
        // t + half a step (twice) and the next t: [d, c+h, c+h, c, c, b+h, ..., a].
        const std::int64_t half = numTrainTimesteps_ / n / 2;
        const std::size_t first = base.size() > kPndmOrder ? base.size() - kPndmOrder : 0;
        std::vector<std::int64_t> pairs;
        for (std::size_t i = first; i < base.size(); ++i) {
            pairs.push_back(base[i]);
            pairs.push_back(base[i] + half);
        }
        pairs.pop_back();
        std::vector<std::int64_t> doubled;
        for (std::int64_t t : pairs) {
            doubled.push_back(t);
            doubled.push_back(t);
        }
        if (doubled.size() >= 2) prk.assign(doubled.begin() + 1, doubled.end() - 1);
        std::reverse(prk.begin(), prk.end());
        if (base.size() > 3) plms.assign(base.begin(), base.end() - 3);
        std::reverse(plms.begin(), plms.end());
    }
    prkTimesteps_ = prk;
    std::vector<std::int64_t> all = prk;
    all.insert(all.end(), plms.begin(), plms.end());
    for (std::int64_t t : all) alphaCumprodAt(alphasCumprod_, t);  // fail now, not mid-run
    timesteps_ = at::tensor(all, at::TensorOptions().dtype(at::kLong));
    beginIndex_ = -1;
    resetHistory();
}

void PndmScheduler::resetHistory() {
    ets_.clear();
    counter_ = 0;
    curSample_ = at::Tensor();
    curModelOutput_ = at::Tensor();
    lastStepIndex_ = -1;
}

void PndmScheduler::setBeginIndex(int index) {
    Scheduler::setBeginIndex(index);
    // diffusers' PNDM has no begin index: img2img slices the timesteps after set_timesteps,
    // which restarted the counter, so the first img2img step is a warm-up step again.
    resetHistory();
}

at::Tensor PndmScheduler::step(const at::Tensor& modelOutput, int stepIndex,
                               const at::Tensor& sample, at::Generator* /*generator*/) {
    checkStepIndex(stepIndex);
    if (lastStepIndex_ >= 0 && stepIndex != lastStepIndex_ + 1)
        throw EngineError(ErrorKind::InvalidRequest, "pndm: steps must be taken in order (step " +
                                                         std::to_string(lastStepIndex_ + 1) +
                                                         " expected, got " +
                                                         std::to_string(stepIndex) + ")");
    lastStepIndex_ = stepIndex;
    const std::int64_t t = timesteps_[stepIndex].item<std::int64_t>();
    if (counter_ < static_cast<int>(prkTimesteps_.size()) && !skipPrkSteps_)
        return stepPrk(modelOutput, t, sample);
    return stepPlms(modelOutput, t, sample);
}

at::Tensor PndmScheduler::stepPrk(const at::Tensor& modelOutput, std::int64_t timestep,
                                  const at::Tensor& sample) {
    // scheduling_pndm.py step_prk: four evaluations per step combined with RK4 weights
    // 1/6, 1/3, 1/3, 1/6; odd evaluations sit half a step below.
    const std::int64_t diffToPrev = counter_ % 2 ? 0 : numTrainTimesteps_ / numInferenceSteps_ / 2;
    const std::int64_t prevTimestep = timestep - diffToPrev;
    const std::int64_t t = prkTimesteps_[static_cast<std::size_t>(counter_ / 4 * 4)];
    at::Tensor output = modelOutput;
    const double sixth = 1.0 / 6.0, third = 1.0 / 3.0;
    auto accumulate = [&](double weight) {
        const at::Tensor term = modelOutput * weight;
        curModelOutput_ = curModelOutput_.defined() ? curModelOutput_ + term : term;
    };
    if (counter_ % 4 == 0) {
        accumulate(sixth);
        ets_.push_back(modelOutput);
        curSample_ = sample;
    } else if ((counter_ - 1) % 4 == 0 || (counter_ - 2) % 4 == 0) {
        accumulate(third);
    } else {
        const at::Tensor term = modelOutput * sixth;
        output = curModelOutput_.defined() ? curModelOutput_ + term : term;
        curModelOutput_ = at::Tensor();
    }
    const at::Tensor& from = curSample_.defined() ? curSample_ : sample;
    at::Tensor prev = previousSample(from, t, prevTimestep, output);
    ++counter_;
    return prev;
}

at::Tensor PndmScheduler::stepPlms(const at::Tensor& modelOutput, std::int64_t timestep,
                                   const at::Tensor& sample) {
    // scheduling_pndm.py step_plms.
    if (!skipPrkSteps_ && ets_.size() < 3)
        throw EngineError(ErrorKind::Internal, "pndm: linear multistep before the warm-up");
    const std::int64_t stride = numTrainTimesteps_ / numInferenceSteps_;
    std::int64_t t = timestep;
    std::int64_t prevTimestep = timestep - stride;
    if (counter_ != 1) {
        if (ets_.size() > 3) ets_.erase(ets_.begin(), ets_.end() - 3);
        ets_.push_back(modelOutput);
    } else {
        // The repeated timestep: redo the first step from its starting sample.
        prevTimestep = timestep;
        t = timestep + stride;
    }

    at::Tensor output;
    at::Tensor from = sample;
    const std::size_t k = ets_.size();
    if (k == 1 && counter_ == 0) {
        output = modelOutput;
        curSample_ = sample;
    } else if (k == 1 && counter_ == 1) {
        output = (modelOutput + ets_[k - 1]) / 2.0;
        from = curSample_;
        curSample_ = at::Tensor();
    } else if (k == 2) {
        output = (ets_[k - 1] * 3.0 - ets_[k - 2]) / 2.0;
    } else if (k == 3) {
        output = (ets_[k - 1] * 23.0 - ets_[k - 2] * 16.0 + ets_[k - 3] * 5.0) / 12.0;
    } else {
        output =
            (ets_[k - 1] * 55.0 - ets_[k - 2] * 59.0 + ets_[k - 3] * 37.0 - ets_[k - 4] * 9.0) *
            (1.0 / 24.0);
    }
    if (!from.defined()) throw EngineError(ErrorKind::Internal, "pndm: warm-up sample missing");
    at::Tensor prev = previousSample(from, t, prevTimestep, output);
    ++counter_;
    return prev;
}

at::Tensor PndmScheduler::previousSample(const at::Tensor& sample, std::int64_t timestep,
                                         std::int64_t prevTimestep,
                                         const at::Tensor& modelOutput) const {
    // scheduling_pndm.py _get_prev_sample, in float32 like the reference's 0-dim tensors.
    const float alphaT = alphaCumprodAt(alphasCumprod_, timestep);
    const float alphaPrev =
        prevTimestep >= 0 ? alphaCumprodAt(alphasCumprod_, prevTimestep) : finalAlphaCumprod_;
    const float betaT = 1.0f - alphaT;
    const float betaPrev = 1.0f - alphaPrev;
    at::Tensor eps = modelOutput;
    if (prediction_ == PredictionType::VPrediction)
        eps = modelOutput * static_cast<double>(std::sqrt(alphaT)) +
              sample * static_cast<double>(std::sqrt(betaT));
    // (alpha_{t-delta} / alpha_t)^(1/2): the x_t coefficient of formula (9).
    const float sampleCoeff = std::sqrt(alphaPrev / alphaT);
    // The denominator of the eps coefficient of formula (9).
    const float denom = alphaT * std::sqrt(betaPrev) + std::sqrt(alphaT * betaT * alphaPrev);
    return sample * static_cast<double>(sampleCoeff) -
           eps * static_cast<double>(alphaPrev - alphaT) / static_cast<double>(denom);
}

at::Tensor PndmScheduler::addNoise(const at::Tensor& original, const at::Tensor& noise,
                                   int stepIndex) const {
    checkStepIndex(stepIndex);
    const std::int64_t t = timesteps_[stepIndex].item<std::int64_t>();
    return noiseAtTimestep(alphaCumprodAt(alphasCumprod_, t), original, noise);
}

at::Tensor PndmScheduler::predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                                          const at::Tensor& sample) const {
    checkStepIndex(stepIndex);
    const std::int64_t t = timesteps_[stepIndex].item<std::int64_t>();
    return originalFromModelOutput(prediction_, alphaCumprodAt(alphasCumprod_, t), modelOutput,
                                   sample);
}

}  // namespace archival::engine
