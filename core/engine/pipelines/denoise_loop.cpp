#include "engine/pipelines/denoise_loop.h"

#include <c10/core/Event.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <optional>

#include "engine/errors.h"

namespace archival::engine {
namespace {

void throwIfCancelled(const GenerationHooks& hooks, const char* when, int step, int total) {
    if (hooks.cancel && hooks.cancel->cancelled())
        throw EngineError(ErrorKind::Interrupted, std::string("cancelled ") + when + " step " +
                                                      std::to_string(step) + " of " +
                                                      std::to_string(total));
}

// A step's callback waiting for its preview's copy to the host.
struct PendingStep {
    StepProgress progress;
    at::Tensor previewOnHost;          // [h, w, 3] uint8 on the CPU, maybe still being copied
    std::optional<c10::Event> copied;  // set when the copy was queued on a device

    void deliver(const GenerationHooks& hooks) {
        if (copied) copied->synchronize();  // long done by now: the next step is queued
        if (previewOnHost.defined()) progress.preview = toImage(previewOnHost);
        hooks.onStep(progress);
    }
};

PendingStep startCopy(StepProgress progress, const at::Tensor& preview) {
    PendingStep pending{std::move(progress), {}, std::nullopt};
    if (!preview.defined()) return pending;
    if (preview.is_cpu()) {
        pending.previewOnHost = preview;
        return pending;
    }
    // Non-blocking to the CPU lands in page-locked memory; the event says when it is there.
    pending.previewOnHost = preview.to(at::kCPU, /*non_blocking=*/true);
    const c10::impl::VirtualGuardImpl guard(preview.device().type());
    pending.copied.emplace(preview.device().type());
    pending.copied->record(guard.getStream(preview.device()));
    return pending;
}

}  // namespace

at::Tensor runDenoiseLoop(const DenoiseLoop& loop, at::Tensor latents,
                          const GenerationHooks& hooks) {
    Scheduler& s = *loop.scheduler;
    const int count = static_cast<int>(s.timesteps().size(0));
    const int total = count - loop.beginIndex;
    std::optional<PendingStep> late;  // the previous step's callback, when made late
    auto deliverLate = [&] {
        if (!late) return;
        const int step = late->progress.step;
        PendingStep pending = std::move(*late);
        late.reset();
        pending.deliver(hooks);
        throwIfCancelled(hooks, "after", step, total);
    };
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
            p.timestep = s.timesteps()[i].item<double>();  // the schedule lives on the host
            at::Tensor hwc;
            if (wantPreview) {
                const at::Tensor first = x0.slice(0, 0, 1);
                hwc = loop.previewDecoder ? loop.previewDecoder(first)
                                          : projectLatentsToRgb(first, loop.previewFormat)[0];
            }
            if (loop.callbacksOneStepLate) {
                // This step is queued: hand out the previous one, then keep this one.
                deliverLate();
                late = startCopy(std::move(p), hwc);
            } else {
                startCopy(std::move(p), hwc).deliver(hooks);
            }
        }
        // A cancel during the step (or from the callback) stops here: the last step too, so
        // a cancelled job never goes on to decode.
        throwIfCancelled(hooks, "after", i - loop.beginIndex + 1, total);
    }
    deliverLate();
    return latents;
}

}  // namespace archival::engine
