#pragma once
// The engine's public surface for generation: plain C++ types, no libtorch, no Qt. Front ends
// (the pipeline service, the bench) see only core/engine/include: this header, errors.h and
// token_count.h; everything else in core/engine is private to the engine and its tests.
//
//   auto pipe = openPipeline(folder, options);            // loads every component
//   GenerationResult r = pipe->generate(request, hooks);   // one job, any batch size

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace archival::engine {

// ---------------------------------------------------------------------------------------
// Choices, as enums. Each has the spellings of the settings and program files:
// `xName` writes the canonical one, `xFromName` reads it (std::nullopt when unknown) and
// `parseX` does the same but throws EngineError(InvalidRequest) with a message that lists
// what is accepted.

// The model family: decides the architecture, the samplers and the size multiple.
enum class Family { Sd15, Sd3 };
const char* familyName(Family family);  // "sd15", "sd3"
std::optional<Family> familyFromName(const std::string& name);
Family parseFamily(const std::string& name);

// Where a pipeline runs. "auto": CUDA when present, else the CPU.
enum class DeviceKind { Auto, Cpu, Cuda };
struct Device {
    DeviceKind kind = DeviceKind::Auto;
    int index = -1;  // CUDA only: N of "cuda:N"; -1 is plain "cuda" (the current CUDA device)

    static Device automatic() { return {}; }
    static Device cpu() { return {DeviceKind::Cpu, -1}; }
    static Device cuda(int index = -1) { return {DeviceKind::Cuda, index < 0 ? -1 : index}; }
    bool isCuda() const { return kind == DeviceKind::Cuda; }
    friend bool operator==(const Device& a, const Device& b) {
        return a.kind == b.kind && (a.kind != DeviceKind::Cuda || a.index == b.index);
    }
    friend bool operator!=(const Device& a, const Device& b) { return !(a == b); }
};
std::string deviceName(const Device& device);  // "auto", "cpu", "cuda", "cuda:N"
// Also reads "" as auto. "cuda:N" needs a non-negative decimal N.
std::optional<Device> deviceFromName(const std::string& name);
Device parseDevice(const std::string& name);

// The floating-point type of the weights and activations. Auto: on CUDA bf16 for SD3 (T5 and
// MMDiT activations overflow fp16) and fp16 for SD 1.5; on the CPU bf16 where the CPU has
// bf16 instructions (AMX or AVX512-BF16) and fp32 elsewhere, or everywhere when the
// environment sets ARCHIVAL_CPU_BF16=0. Fp32 is the reference goldens' precision.
enum class Dtype { Auto, Fp32, Fp16, Bf16 };
const char* dtypeName(Dtype dtype);  // "auto", "fp32", "fp16", "bf16"
// Also reads "" as auto and the long names "float32", "float16", "bfloat16".
std::optional<Dtype> dtypeFromName(const std::string& name);
Dtype parseDtype(const std::string& name);

// The sampling algorithm (the engine's schedulers, see samplersFor).
enum class Sampler {
    ModelDefault,    // the scheduler the model folder was saved with (scheduler_config.json)
    Pndm,            // "pndm": PNDM (PLMS), the SD 1.5 default
    Ddim,            // "ddim"
    Euler,           // "euler"
    EulerAncestral,  // "euler_ancestral"
    DpmPP2M,         // "dpmpp_2m": DPM-Solver++ (2M)
    DpmPP2MKarras,   // "dpmpp_2m_karras": the same on Karras sigmas
    FlowMatchEuler,  // "flowmatch_euler": flow-matching Euler, the only SD3 sampler
};
std::string samplerName(Sampler sampler);  // ModelDefault: ""
// "" reads as ModelDefault.
std::optional<Sampler> samplerFromName(const std::string& name);
Sampler parseSampler(const std::string& name);
// The samplers a family can use, from the engine's scheduler factory, the family's usual
// default first (SD 1.5: pndm ... dpmpp_2m_karras; SD3: flowmatch_euler).
std::vector<Sampler> samplersFor(Family family);

// ---------------------------------------------------------------------------------------
// Requests and results.

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

// Everything in a request is owned by it: a request may be copied, kept or sent to another
// thread freely.
struct GenerationRequest {
    std::string prompt;  // as sent (the program's template already applied)
    std::string negativePrompt;
    int width = 512;
    int height = 512;
    int steps = 20;
    double guidance = 7.5;
    Sampler sampler = Sampler::ModelDefault;
    std::uint64_t seed = 0;  // the CPU generator uses the full 64-bit seed
    int batch = 1;           // images in one forward pass (seed, seed+1, ... are NOT used:
                             // one generator draws the whole batch, like the reference)
    // Image-to-image when set: strength in (0, 1].
    std::optional<Image> initImage;
    double strength = 0.75;
    std::vector<LoraRequest> loras;
    int clipSkip = 0;  // SD 1.5 only
};

// Cooperative cancellation, the one way to stop a job: set from any thread, polled by the
// sampler before and after every step (and inside long model passes), so a running job stops
// within one step with EngineError(Interrupted).
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
    // The scheduler's timestep of this step, as the reference pipelines pass it to the
    // model (SD 1.5: 999 …; flow matching: sigma × 1000). Exhibition clients show progress
    // from it.
    double timestep = 0;
    // The denoised estimate of the first image at this step, as a cheap latent→RGB
    // projection at latent resolution (or TAESD when available). Owned by the progress
    // report and valid during the callback (copy it to keep it); empty when previews are off.
    Image preview;
};

struct GenerationHooks {
    // Called on the generating thread after every step. It only observes: to stop the job,
    // cancel the token below (from the callback or from any other thread).
    std::function<void(const StepProgress&)> onStep;
    // Not owned. When set, the token must stay alive until generate() has returned (or
    // thrown); generate() only reads it. Null: the job cannot be cancelled.
    const CancellationToken* cancel = nullptr;
    bool previews = true;
    // Loading and encoding stages for status lines ("text encoder", "VAE decode", ...),
    // called on the generating thread.
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
    Device device;  // auto: CUDA when present, else CPU
    Dtype dtype = Dtype::Auto;
    bool loadT5 = true;  // SD3: false runs without T5 (zeros), for small machines
    // SD3: free the text encoders (T5-XXL alone is ~9.5 GB in bf16) once a job's prompt is
    // encoded, and load them again for the next job: slower jobs, less resident memory.
    bool releaseTextEncoders = false;
    // The memory the pipeline's device may fill, in bytes (0: no limit). When the whole
    // model is larger, SD3 frees its text encoders after encoding on the CPU, and on a GPU
    // keeps components in host memory, moving each to the device for its stage.
    std::uint64_t memoryBudgetBytes = 0;
    std::string taesdPath;  // optional TAESD/TAESD3 decoder weights for previews
    // Called on the loading thread before each component loads.
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
    // Throws EngineError: InvalidRequest (bad size, strength, a sampler of the other
    // family...), Interrupted (cancelled), OutOfMemory, ModelLoad (a LoRA file), Internal.
    virtual GenerationResult generate(const GenerationRequest& request,
                                      const GenerationHooks& hooks) = 0;
    virtual Family family() const = 0;
    virtual Device device() const = 0;  // resolved: cpu or cuda:N, never auto
    virtual Dtype dtype() const = 0;    // resolved: never auto
    virtual std::uint64_t parameterBytes() const = 0;
    // What is loaded right now (text encoders may be released between jobs).
    virtual std::vector<ResidentComponent> residentComponents() const = 0;
    std::vector<Sampler> samplers() const { return samplersFor(family()); }
};

// Memory of a device: what the pipeline factory budgets against and what the studio shows.
struct DeviceMemory {
    Device device;  // resolved: cpu or cuda:N (as asked when it could not be resolved)
    bool cuda = false;
    std::uint64_t totalBytes = 0;      // CPU: MemTotal; CUDA: the card's memory
    std::uint64_t freeBytes = 0;       // CPU: MemAvailable; CUDA: total minus what torch reserved
    std::uint64_t allocatedBytes = 0;  // CUDA caching allocator: in tensors now
    std::uint64_t reservedBytes = 0;   // CUDA caching allocator: held from the driver
    std::uint64_t peakAllocatedBytes = 0;
};

// Auto resolves as openPipeline does. Never throws: a device that is not there (CUDA on a
// machine without it) reads as zeros.
DeviceMemory deviceMemory(const Device& device);
// Returns cached, unused CUDA memory to the driver, and the freed tensor blocks the CPU
// allocator keeps for reuse to the system.
void releaseCachedDeviceMemory();

// Loads a diffusers-layout folder (model_index.json decides the family) or, for SD 1.5,
// a single-file original-layout .safetensors checkpoint.
std::unique_ptr<ImagePipeline> openPipeline(const std::string& path,
                                            const PipelineOptions& options = {});

}  // namespace archival::engine
