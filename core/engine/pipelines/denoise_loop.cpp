#include "engine/pipelines/denoise_loop.h"

#include "engine/errors.h"

namespace archival::engine {
namespace {

void throwIfCancelled(const GenerationHooks& hooks, const char* when, int step, int total) {
    if (hooks.cancel && hooks.cancel->cancelled())
        throw EngineError(ErrorKind::Interrupted, std::string("cancelled ") + when + " step " +
                                                      std::to_string(step) + " of " +
                                                      std::to_string(total));
}

}  // namespace

at::Tensor runDenoiseLoop(const DenoiseLoop& loop, at::Tensor latents,
                          const GenerationHooks& hooks) {
    Scheduler& s = *loop.scheduler;
    const int count = static_cast<int>(s.timesteps().size(0));
    const int total = count - loop.beginIndex;
    for (int i = loop.beginIndex; i < count; ++i) {
        throwIfCancelled(hooks, "before", i - loop.beginIndex + 1, total);
        at::Tensor input = s.scaleModelInput(latents, i);
        if (loop.classifierFree()) input = at::cat({input, input});
        const at::Tensor out = loop.model(input, i);
        at::Tensor guided = out;
        if (loop.classifierFree()) {
            const auto halves = out.chunk(2);
            guided = halves[0] + loop.guidance * (halves[1] - halves[0]);
        }
        const bool wantPreview = hooks.previews && hooks.onStep;
        at::Tensor x0;
        if (wantPreview) x0 = s.predictOriginal(guided, i, latents);
        latents = s.step(guided, i, latents, loop.generator);
        if (loop.observe) loop.observe(i, guided, latents);

        if (hooks.onStep) {
            StepProgress p;
            p.step = i - loop.beginIndex + 1;
            p.total = total;
            p.timestep = s.timesteps()[i].item<double>();
            if (wantPreview) {
                const at::Tensor first = x0.slice(0, 0, 1);
                const at::Tensor hwc = loop.previewDecoder
                                           ? loop.previewDecoder(first)
                                           : projectLatentsToRgb(first, loop.previewFormat)[0];
                p.preview = toImage(hwc);
            }
            hooks.onStep(p);
        }
        // A cancel during the step (or from the callback) stops here: the last step too, so
        // a cancelled job never goes on to decode.
        throwIfCancelled(hooks, "after", i - loop.beginIndex + 1, total);
    }
    return latents;
}

}  // namespace archival::engine
