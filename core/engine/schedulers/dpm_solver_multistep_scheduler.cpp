#include "engine/schedulers/dpm_solver_multistep_scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/errors.h"
#include "engine/schedulers/reference_numerics.h"
#include "engine/schedulers/sigma_schedule.h"

namespace archival::engine {

namespace {

// A noise level in the variance-preserving form: x_t = alpha * x0 + sigma * eps with
// alpha = 1 / sqrt(s^2 + 1), sigma = s * alpha, and its log-SNR lambda = log(alpha / sigma)
// (_sigma_to_alpha_sigma_t; float32 like the reference's 0-dim tensors). At s = 0 lambda is
// +inf, and the first-order update then returns the data prediction exactly.
struct Level {
    float alpha, sigma, lambda;
};

Level levelOf(float s) {
    Level l;
    l.alpha = 1.0f / varianceScale(s);
    l.sigma = s * l.alpha;
    l.lambda = std::log(l.alpha) - std::log(l.sigma);
    return l;
}

}  // namespace

DpmSolverMultistepScheduler::DpmSolverMultistepScheduler(const SchedulerConfig& config,
                                                         std::string registryName)
    : registryName_(std::move(registryName)),
      alphasCumprod_(trainAlphasCumprod(config)),
      trainSigmas_(trainSigmas(alphasCumprod_)),
      numTrainTimesteps_(static_cast<int>(alphasCumprod_.size())),
      solverOrder_(config.integer("solver_order", 2)),
      prediction_(readPredictionType(
          config, {PredictionType::Epsilon, PredictionType::VPrediction, PredictionType::Sample})),
      lowerOrderFinal_(config.boolean("lower_order_final", true)),
      eulerAtFinal_(config.boolean("euler_at_final", false)),
      karras_(config.boolean("use_karras_sigmas", false)),
      lambdaMinClipped_(
          config.number("lambda_min_clipped", -std::numeric_limits<double>::infinity())),
      spacing_(config.choice("timestep_spacing", "linspace", {"linspace", "leading", "trailing"})),
      stepsOffset_(config.integer("steps_offset", 0)) {
    if (solverOrder_ < 1 || solverOrder_ > 3) config.fail("solver_order", "must be 1, 2 or 3");
    // The SDE variants draw noise at every step; "deis" is mapped to dpmsolver++ by diffusers.
    const std::string algorithm =
        config.choice("algorithm_type", "dpmsolver++", {"dpmsolver++", "dpmsolver", "deis"});
    dataPrediction_ = algorithm != "dpmsolver";
    // logrho / bh1 / bh2 belong to other solvers; diffusers maps them to midpoint.
    midpoint_ = config.choice("solver_type", "midpoint",
                              {"midpoint", "heun", "logrho", "bh1", "bh2"}) != "heun";
    finalSigmaMin_ =
        config.choice("final_sigmas_type", "zero", {"zero", "sigma_min"}) == "sigma_min";
    if (!dataPrediction_ && !finalSigmaMin_)
        config.fail("final_sigmas_type",
                    "\"zero\" needs algorithm_type dpmsolver++; use \"sigma_min\" with dpmsolver");
    config.requireBoolean("thresholding", false, false);
    config.requireBoolean("use_lu_lambdas", false, false);
    config.requireBoolean("use_exponential_sigmas", false, false);
    config.requireBoolean("use_beta_sigmas", false, false);
    if (config.has("variance_type"))
        config.fail("variance_type", "models that predict their variance are not supported");
}

void DpmSolverMultistepScheduler::resetHistory() {
    modelOutputs_.assign(static_cast<std::size_t>(solverOrder_), at::Tensor());
    lowerOrderNums_ = 0;
    lastStepIndex_ = -1;
}

void DpmSolverMultistepScheduler::setTimesteps(int numInferenceSteps) {
    if (numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps_)
        throw EngineError(ErrorKind::InvalidRequest,
                          registryName_ + ": the number of steps must be between 1 and " +
                              std::to_string(numTrainTimesteps_) + ", got " +
                              std::to_string(numInferenceSteps));
    const int n = numInferenceSteps;
    // lambda_min_clipped cuts off the noisiest timesteps whose log-SNR is below it (for the
    // cosine schedule): last_timestep = T - searchsorted(flip(lambda_t), lambda_min_clipped).
    int clipped = 0;
    for (int i = numTrainTimesteps_ - 1; i >= 0; --i) {
        const float a = alphasCumprod_[static_cast<std::size_t>(i)];
        const float lambda = std::log(std::sqrt(a)) - std::log(std::sqrt(1.0f - a));
        if (static_cast<double>(lambda) >= lambdaMinClipped_) break;
        ++clipped;
    }
    const int lastTimestep = numTrainTimesteps_ - clipped;

    // scheduling_dpmsolver_multistep.py set_timesteps: n + 1 points, the last (0) dropped.
    std::vector<std::int64_t> ts;
    if (spacing_ == "linspace") {
        const auto values = refnum::numpyLinspace(0.0, lastTimestep - 1.0, n + 1);
        for (int i = n; i >= 1; --i)
            ts.push_back(static_cast<std::int64_t>(
                refnum::roundHalfEven(values[static_cast<std::size_t>(i)])));
    } else if (spacing_ == "leading") {
        const std::int64_t ratio = lastTimestep / (n + 1);
        for (int i = n; i >= 1; --i) ts.push_back(i * ratio + stepsOffset_);
    } else {  // trailing
        const double ratio = static_cast<double>(numTrainTimesteps_) / n;
        for (double t : refnum::numpyArange(lastTimestep, 0.0, -ratio))
            ts.push_back(static_cast<std::int64_t>(refnum::roundHalfEven(t)) - 1);
    }

    std::vector<double> levels;
    if (karras_) {
        // Karras levels between the training extremes; each timestep is the rounded
        // fractional t of its level, so the model sees integers again.
        levels = refnum::karrasSigmas(trainSigmas_.front(), trainSigmas_.back(), n);
        std::vector<float> logSigmas(trainSigmas_.size());
        for (std::size_t i = 0; i < logSigmas.size(); ++i) logSigmas[i] = std::log(trainSigmas_[i]);
        ts.clear();
        for (double s : levels)
            ts.push_back(static_cast<std::int64_t>(
                refnum::roundHalfEven(refnum::sigmaToTimestep(s, logSigmas))));
    } else {
        for (std::int64_t t : ts) {
            if (t < 0 || t >= numTrainTimesteps_)
                throw EngineError(ErrorKind::InvalidRequest,
                                  registryName_ + ": timestep " + std::to_string(t) +
                                      " is outside the training range (check steps_offset)");
            levels.push_back(refnum::numpyInterpIndexGrid(static_cast<double>(t), trainSigmas_));
        }
    }
    sigmas_.clear();
    for (double s : levels) sigmas_.push_back(static_cast<float>(s));
    sigmas_.push_back(finalSigmaMin_ ? trainSigmas_.front() : 0.0f);
    timesteps_ = at::tensor(ts, at::TensorOptions().dtype(at::kLong));
    sigmasTensor_ = floatTensor(sigmas_);
    beginIndex_ = -1;
    resetHistory();
}

void DpmSolverMultistepScheduler::setBeginIndex(int index) {
    Scheduler::setBeginIndex(index);
    resetHistory();
}

at::Tensor DpmSolverMultistepScheduler::convertModelOutput(const at::Tensor& modelOutput,
                                                           int stepIndex,
                                                           const at::Tensor& sample) const {
    const Level s = levelOf(sigmas_[static_cast<std::size_t>(stepIndex)]);
    const double alpha = s.alpha, sigma = s.sigma;
    if (dataPrediction_) {  // the solver integrates x0
        switch (prediction_) {
            case PredictionType::Epsilon:
                return (sample - modelOutput * sigma) / alpha;
            case PredictionType::Sample:
                return modelOutput;
            case PredictionType::VPrediction:
                return sample * alpha - modelOutput * sigma;
        }
    }
    switch (prediction_) {  // the solver integrates eps
        case PredictionType::Epsilon:
            return modelOutput;
        case PredictionType::Sample:
            return (sample - modelOutput * alpha) / sigma;
        case PredictionType::VPrediction:
            return modelOutput * alpha + sample * sigma;
    }
    return modelOutput;
}

at::Tensor DpmSolverMultistepScheduler::firstOrderUpdate(const at::Tensor& m0, int stepIndex,
                                                         const at::Tensor& sample) const {
    // dpm_solver_first_order_update (DDIM in lambda).
    const auto i = static_cast<std::size_t>(stepIndex);
    const Level t = levelOf(sigmas_[i + 1]), s = levelOf(sigmas_[i]);
    const float h = t.lambda - s.lambda;
    if (dataPrediction_) {
        const float c = t.alpha * (std::exp(-h) - 1.0f);
        return sample * static_cast<double>(t.sigma / s.sigma) - m0 * static_cast<double>(c);
    }
    const float c = t.sigma * (std::exp(h) - 1.0f);
    return sample * static_cast<double>(t.alpha / s.alpha) - m0 * static_cast<double>(c);
}

at::Tensor DpmSolverMultistepScheduler::secondOrderUpdate(int stepIndex,
                                                          const at::Tensor& sample) const {
    // multistep_dpm_solver_second_order_update.
    const auto i = static_cast<std::size_t>(stepIndex);
    const Level t = levelOf(sigmas_[i + 1]), s0 = levelOf(sigmas_[i]), s1 = levelOf(sigmas_[i - 1]);
    const at::Tensor& m0 = modelOutputs_[modelOutputs_.size() - 1];
    const at::Tensor& m1 = modelOutputs_[modelOutputs_.size() - 2];
    const float h = t.lambda - s0.lambda, h0 = s0.lambda - s1.lambda;
    const float r0 = h0 / h;
    const at::Tensor& d0 = m0;
    const at::Tensor d1 = (m0 - m1) * static_cast<double>(1.0f / r0);
    if (dataPrediction_) {
        const float e = std::exp(-h) - 1.0f;
        const float c0 = t.alpha * e;
        const at::Tensor x =
            sample * static_cast<double>(t.sigma / s0.sigma) - d0 * static_cast<double>(c0);
        if (midpoint_) return x - d1 * static_cast<double>(0.5f * c0);
        return x + d1 * static_cast<double>(t.alpha * (e / h + 1.0f));
    }
    const float e = std::exp(h) - 1.0f;
    const float c0 = t.sigma * e;
    const at::Tensor x =
        sample * static_cast<double>(t.alpha / s0.alpha) - d0 * static_cast<double>(c0);
    if (midpoint_) return x - d1 * static_cast<double>(0.5f * c0);
    return x - d1 * static_cast<double>(t.sigma * (e / h - 1.0f));
}

at::Tensor DpmSolverMultistepScheduler::thirdOrderUpdate(int stepIndex,
                                                         const at::Tensor& sample) const {
    // multistep_dpm_solver_third_order_update.
    const auto i = static_cast<std::size_t>(stepIndex);
    const Level t = levelOf(sigmas_[i + 1]), s0 = levelOf(sigmas_[i]), s1 = levelOf(sigmas_[i - 1]),
                s2 = levelOf(sigmas_[i - 2]);
    const std::size_t k = modelOutputs_.size();
    const at::Tensor &m0 = modelOutputs_[k - 1], &m1 = modelOutputs_[k - 2],
                     &m2 = modelOutputs_[k - 3];
    const float h = t.lambda - s0.lambda, h0 = s0.lambda - s1.lambda, h1 = s1.lambda - s2.lambda;
    const float r0 = h0 / h, r1 = h1 / h;
    const at::Tensor& d0 = m0;
    const at::Tensor d10 = (m0 - m1) * static_cast<double>(1.0f / r0);
    const at::Tensor d11 = (m1 - m2) * static_cast<double>(1.0f / r1);
    const at::Tensor d1 = d10 + (d10 - d11) * static_cast<double>(r0 / (r0 + r1));
    const at::Tensor d2 = (d10 - d11) * static_cast<double>(1.0f / (r0 + r1));
    if (dataPrediction_) {
        const float e = std::exp(-h) - 1.0f;
        return sample * static_cast<double>(t.sigma / s0.sigma) -
               d0 * static_cast<double>(t.alpha * e) +
               d1 * static_cast<double>(t.alpha * (e / h + 1.0f)) -
               d2 * static_cast<double>(t.alpha * ((e + h) / (h * h) - 0.5f));
    }
    const float e = std::exp(h) - 1.0f;
    return sample * static_cast<double>(t.alpha / s0.alpha) -
           d0 * static_cast<double>(t.sigma * e) -
           d1 * static_cast<double>(t.sigma * (e / h - 1.0f)) -
           d2 * static_cast<double>(t.sigma * ((e - h) / (h * h) - 0.5f));
}

at::Tensor DpmSolverMultistepScheduler::step(const at::Tensor& modelOutput, int stepIndex,
                                             const at::Tensor& sample,
                                             at::Generator* /*generator*/) {
    checkStepIndex(stepIndex);
    if (lastStepIndex_ >= 0 && stepIndex != lastStepIndex_ + 1)
        throw EngineError(ErrorKind::InvalidRequest,
                          registryName_ + ": steps must be taken in order (step " +
                              std::to_string(lastStepIndex_ + 1) + " expected, got " +
                              std::to_string(stepIndex) + ")");
    lastStepIndex_ = stepIndex;
    // scheduling_dpmsolver_multistep.py step. len(self.timesteps) is the full list even in
    // img2img, whose pipeline slices its own copy.
    const int count = static_cast<int>(timesteps_.size(0));
    const bool lowerOrderFinal =
        stepIndex == count - 1 &&
        (eulerAtFinal_ || (lowerOrderFinal_ && count < 15) || !finalSigmaMin_);
    const bool lowerOrderSecond = stepIndex == count - 2 && lowerOrderFinal_ && count < 15;

    const at::Tensor converted = convertModelOutput(modelOutput, stepIndex, sample);
    std::rotate(modelOutputs_.begin(), modelOutputs_.begin() + 1, modelOutputs_.end());
    modelOutputs_.back() = converted;

    const at::Tensor x = sample.to(at::kFloat);
    at::Tensor prev;
    if (solverOrder_ == 1 || lowerOrderNums_ < 1 || lowerOrderFinal)
        prev = firstOrderUpdate(converted, stepIndex, x);
    else if (solverOrder_ == 2 || lowerOrderNums_ < 2 || lowerOrderSecond)
        prev = secondOrderUpdate(stepIndex, x);
    else
        prev = thirdOrderUpdate(stepIndex, x);
    if (lowerOrderNums_ < solverOrder_) ++lowerOrderNums_;
    return prev.to(modelOutput.scalar_type());
}

at::Tensor DpmSolverMultistepScheduler::addNoise(const at::Tensor& original,
                                                 const at::Tensor& noise, int stepIndex) const {
    checkStepIndex(stepIndex);
    const Level l = levelOf(sigmas_[static_cast<std::size_t>(stepIndex)]);
    return original * static_cast<double>(l.alpha) + noise * static_cast<double>(l.sigma);
}

at::Tensor DpmSolverMultistepScheduler::predictOriginal(const at::Tensor& modelOutput,
                                                        int stepIndex,
                                                        const at::Tensor& sample) const {
    checkStepIndex(stepIndex);
    const Level l = levelOf(sigmas_[static_cast<std::size_t>(stepIndex)]);
    switch (prediction_) {
        case PredictionType::Epsilon:
            return (sample - modelOutput * static_cast<double>(l.sigma)) /
                   static_cast<double>(l.alpha);
        case PredictionType::VPrediction:
            return sample * static_cast<double>(l.alpha) -
                   modelOutput * static_cast<double>(l.sigma);
        case PredictionType::Sample:
            return modelOutput;
    }
    return modelOutput;
}

}  // namespace archival::engine
