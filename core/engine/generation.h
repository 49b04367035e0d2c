#pragma once
// The engine's public surface for generation: plain C++ types, no libtorch, no Qt, so the
// pipeline service (and any other front end) includes only this header.
//
//   auto pipe = openPipeline(folder, options);            // loads every component
//   GenerationResult r = pipe->generate(request, hooks);   // one job, any batch size

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace archival::engine {

// An 8-bit RGB picture, rows top to bottom, no padding.
struct Image {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  // width * height * 3
    bool empty() const { return rgb.empty(); }
};

struct LoraRequest {
    std::string path;
    double scale = 1.0;
};

struct GenerationRequest {
    std::string prompt;  // as sent (the program's template already applied)
    std::string negativePrompt;
    int width = 512;
    int height = 512;
    int steps = 20;
    double guidance = 7.5;
    std::string sampler;     // empty: the model's scheduler_config default
    std::uint64_t seed = 0;  // the CPU generator uses the full 64-bit seed
    int batch = 1;           // images in one forward pass (seed, seed+1, ... are NOT used:
                             // one generator draws the whole batch, like the reference)
    // Image-to-image when set: strength in (0, 1].
    const Image* initImage = nullptr;
    double strength = 0.75;
    std::vector<LoraRequest> loras;
    int clipSkip = 0;  // SD 1.5 only
};

// Cooperative cancellation: set from any thread, polled by the sampler every step (and
// inside long model passes), so a running job stops within one step.
class CancellationToken {
  public:
    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

  private:
    std::atomic<bool> cancelled_{false};
};
static_assert(std::atomic<bool>::is_always_lock_free, "the cancel flag must be lock-free");

struct StepProgress {
    int step = 0;   // 1-based, after the step
    int total = 0;  // model evaluations of the loop
    // The denoised estimate of the first image at this step, as a cheap latent→RGB
    // projection at latent resolution (or TAESD when available). Empty when previews are off.
    const Image* preview = nullptr;
};

struct GenerationHooks {
    // Called after every step; return false to stop (same as cancelling).
    std::function<bool(const StepProgress&)> onStep;
    const CancellationToken* cancel = nullptr;
    bool previews = true;
    // Loading and encoding stages for status lines ("text encoder", "VAE decode", ...).
    std::function<void(const std::string& stage)> onStage;
};

struct StageTimings {
    double textEncodeSeconds = 0;
    double denoiseSeconds = 0;
    double decodeSeconds = 0;
    double totalSeconds = 0;
};

struct GenerationResult {
    std::vector<Image> images;
    std::vector<std::string> warnings;  // prompt truncated, LoRA modules unmatched, ...
    StageTimings timings;
    std::string previewMethod;  // "latent projection" or "TAESD"
    int promptTokens = 0;       // CLIP tokens of the prompt (without BOS/EOS)
    bool promptTruncated = false;
};

struct PipelineOptions {
    std::string device = "auto";  // "auto", "cpu", "cuda", "cuda:N"
    std::string dtype =
        "auto";  // "auto" (CUDA: bf16 for SD3, fp16 for SD 1.5; CPU: fp32), "fp32", "fp16", "bf16"
    bool loadT5 = true;  // SD3: false runs without T5 (zeros), for small machines
    // SD3: free the text encoders (T5-XXL alone is ~9.5 GB in bf16) once a job's prompt is
    // encoded, and load them again for the next job: slower jobs, less resident memory.
    bool releaseTextEncoders = false;
    std::string taesdPath;  // optional TAESD/TAESD3 decoder weights for previews
    std::function<void(const std::string& component, int index, int count)> onLoad;
};

// A loaded part of a pipeline and the memory its weights take.
struct ResidentComponent {
    std::string name;  // "unet", "transformer", "text_encoder_3", ...
    std::uint64_t bytes = 0;
};

class ImagePipeline {
  public:
    virtual ~ImagePipeline() = default;
    // Throws EngineError: InvalidRequest (bad size, strength...), Interrupted (cancelled),
    // OutOfMemory, ModelLoad (a LoRA file), Internal.
    virtual GenerationResult generate(const GenerationRequest& request,
                                      const GenerationHooks& hooks) = 0;
    virtual std::string family() const = 0;      // "sd15" or "sd3"
    virtual std::string deviceName() const = 0;  // "cpu", "cuda:0"
    virtual std::string dtypeName() const = 0;
    virtual std::uint64_t parameterBytes() const = 0;
    // What is loaded right now (text encoders may be released between jobs).
    virtual std::vector<ResidentComponent> residentComponents() const = 0;
    virtual std::vector<std::string> samplers() const = 0;
};

// Memory of a device: what the pipeline factory budgets against and what the studio shows.
struct DeviceMemory {
    std::string device;  // "cpu", "cuda:0"
    bool cuda = false;
    std::uint64_t totalBytes = 0;  // CPU: MemTotal; CUDA: the card's memory
    std::uint64_t freeBytes = 0;   // CPU: MemAvailable; CUDA: total minus what torch reserved
    std::uint64_t allocatedBytes = 0;  // CUDA caching allocator: in tensors now
    std::uint64_t reservedBytes = 0;   // CUDA caching allocator: held from the driver
    std::uint64_t peakAllocatedBytes = 0;
};

// "auto" resolves as openPipeline does. Never throws: an unknown device reads as zeros.
DeviceMemory deviceMemory(const std::string& deviceSpec);
// Returns cached, unused CUDA memory to the driver (no-op on CPU).
void releaseCachedDeviceMemory();

// Loads a diffusers-layout folder (model_index.json decides the family) or, for SD 1.5,
// a single-file original-layout .safetensors checkpoint.
std::unique_ptr<ImagePipeline> openPipeline(const std::string& path,
                                            const PipelineOptions& options = {});

}  // namespace archival::engine
