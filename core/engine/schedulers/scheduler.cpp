#include "engine/schedulers/scheduler.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/errors.h"

namespace archival::engine {

at::Tensor Scheduler::scaleModelInput(const at::Tensor& sample, int /*stepIndex*/) const {
    return sample;
}

void Scheduler::checkReady() const {
    if (!timesteps().defined())
        throw EngineError(ErrorKind::InvalidRequest,
                          std::string(name()) + ": setTimesteps must be called before sampling");
}

void Scheduler::checkStepIndex(int stepIndex) const {
    checkReady();
    const std::int64_t count = timesteps().size(0);
    if (stepIndex < 0 || stepIndex >= count)
        throw EngineError(ErrorKind::InvalidRequest,
                          std::string(name()) + ": step index " + std::to_string(stepIndex) +
                              " is outside the " + std::to_string(count) + " timesteps");
}

void Scheduler::setBeginIndex(int index) {
    const std::int64_t count = timesteps().defined() ? timesteps().size(0) : 0;
    if (index < 0 || index > count)
        throw EngineError(ErrorKind::InvalidRequest,
                          std::string(name()) + ": begin index " + std::to_string(index) +
                              " is outside the " + std::to_string(count) +
                              " timesteps (call setTimesteps first)");
    beginIndex_ = index;
}

int img2imgStartIndex(int numInferenceSteps, double strength, Img2ImgStartRule rule) {
    if (numInferenceSteps < 1)
        throw EngineError(ErrorKind::InvalidRequest, "img2img needs at least 1 step, got " +
                                                         std::to_string(numInferenceSteps));
    if (!(strength >= 0.0 && strength <= 1.0))
        throw EngineError(
            ErrorKind::InvalidRequest,
            "img2img strength must be between 0 and 1, got " + std::to_string(strength));
    const double n = numInferenceSteps;
    int start;
    if (rule == Img2ImgStartRule::WholeSteps) {
        // pipeline_stable_diffusion_img2img.py get_timesteps: int() truncates toward zero.
        const int init = std::min(static_cast<int>(n * strength), numInferenceSteps);
        start = std::max(numInferenceSteps - init, 0);
    } else {
        // pipeline_stable_diffusion_3_img2img.py get_timesteps: the float is truncated last, so
        // N=15, strength 0.75 skips 3 steps here and 4 with WholeSteps.
        const double init = std::min(n * strength, n);
        start = static_cast<int>(std::max(n - init, 0.0));
    }
    // diffusers would go on with an empty schedule and fail later, on an empty tensor.
    if (start >= numInferenceSteps)
        throw EngineError(ErrorKind::InvalidRequest,
                          "img2img strength " + std::to_string(strength) + " with " +
                              std::to_string(numInferenceSteps) +
                              " steps leaves no denoising step; raise the strength or the steps");
    return start;
}

}  // namespace archival::engine
