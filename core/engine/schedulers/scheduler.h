#pragma once
// The sampler interface the pipelines drive. A scheduler turns a number of inference steps
// into the list of timesteps the model is fed, and turns each model output into the next
// latents. Every implementation reproduces its Hugging Face diffusers v0.31 counterpart as
// built with `from_config(scheduler_config.json)`, so that a run here matches a run there.
//
// Steps are addressed by index into timesteps(), never by timestep value: PNDM feeds the
// model the same timestep twice, and a value lookup would pick the wrong entry.
//
// Usage (txt2img):
//   s->setTimesteps(n);
//   x = noise * s->initNoiseSigma();
//   for (i = 0; i < s->timesteps().size(0); ++i) {
//       out = model(s->scaleModelInput(x, i), s->timesteps()[i]);
//       x = s->step(out, i, x, &generator);
//   }
// img2img:
//   begin = img2imgStartIndex(n, strength, rule) * s->order();
//   s->setTimesteps(n); s->setBeginIndex(begin);
//   x = s->addNoise(clean, noise, begin);  then the same loop from i = begin.

#include <ATen/ATen.h>

namespace archival::engine {

class Scheduler {
  public:
    virtual ~Scheduler() = default;

    // The registry name ("pndm", "euler_ancestral", ...).
    virtual const char* name() const = 0;

    // Builds the timestep list for `numInferenceSteps` (>= 1) and resets all state (multistep
    // history, begin index). Throws EngineError(InvalidRequest) for a step count it cannot do.
    virtual void setTimesteps(int numInferenceSteps) = 0;

    // What the model is fed, on the CPU: I64 (PNDM, DDIM, DPM-Solver) or F32 (Euler family,
    // flow matching: fractional values). PNDM has numInferenceSteps + 1 entries.
    virtual const at::Tensor& timesteps() const = 0;

    // The noise levels, one more than timesteps() (the last is the final level, usually 0),
    // F32 on the CPU; an undefined tensor for schedulers without sigmas (PNDM, DDIM).
    virtual at::Tensor sigmas() const { return {}; }

    // The scale of the starting noise for txt2img.
    virtual double initNoiseSigma() const = 0;

    // Model evaluations per step (1 for every scheduler here, as in diffusers).
    virtual int order() const { return 1; }

    // The model input for step `stepIndex`: identity except for the Euler family, which
    // works on x = x0 + sigma * eps and hands the model x / sqrt(sigma^2 + 1).
    virtual at::Tensor scaleModelInput(const at::Tensor& sample, int stepIndex) const;

    // One denoising step from the model output at timesteps()[stepIndex]; returns the next
    // latents. Stateful schedulers (PNDM, DPM-Solver) require consecutive indices after the
    // first step. `generator` (a CPU generator) is only used by stochastic schedulers (Euler
    // ancestral), which throw EngineError(InvalidRequest) without one.
    virtual at::Tensor step(const at::Tensor& modelOutput, int stepIndex, const at::Tensor& sample,
                            at::Generator* generator = nullptr) = 0;

    // img2img: the index into timesteps() where denoising starts (diffusers' set_begin_index).
    // Also restarts multistep history, as diffusers' set_timesteps before it does.
    virtual void setBeginIndex(int index);

    // img2img start latents: the clean latents noised to the level of step `stepIndex`
    // (flow matching: diffusers' scale_noise, sigma * noise + (1 - sigma) * x0).
    virtual at::Tensor addNoise(const at::Tensor& original, const at::Tensor& noise,
                                int stepIndex) const = 0;

    // The model-space denoised estimate x0 at step `stepIndex` (for live previews), from the
    // model output and the sample that step() is about to be given.
    virtual at::Tensor predictOriginal(const at::Tensor& modelOutput, int stepIndex,
                                       const at::Tensor& sample) const = 0;

  protected:
    // Throws EngineError(InvalidRequest) unless 0 <= stepIndex < timesteps().size(0).
    void checkStepIndex(int stepIndex) const;
    // Throws EngineError(InvalidRequest) unless setTimesteps has been called.
    void checkReady() const;

    // The index given to setBeginIndex, or -1 when none was given since setTimesteps.
    int beginIndex_ = -1;
};

// How an img2img pipeline turns (steps, strength) into the first step it runs. The two
// model families of diffusers v0.31 round differently (fixture README section 6):
enum class Img2ImgStartRule {
    // StableDiffusionImg2ImgPipeline: init = min(int(N * strength), N); start = N - init.
    WholeSteps,
    // StableDiffusion3Img2ImgPipeline: init = min(N * strength, N); start = int(N - init).
    FractionalSteps,
};

// The number of steps img2img skips (diffusers' t_start); multiply by order() for the index
// into timesteps(). Throws EngineError(InvalidRequest) for steps < 1, strength outside [0, 1],
// or a strength so low that no step is left to run.
int img2imgStartIndex(int numInferenceSteps, double strength, Img2ImgStartRule rule);

}  // namespace archival::engine
