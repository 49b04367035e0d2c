#include "engine/pipelines/sd15_pipeline.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <filesystem>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/models/ldm_unet_names.h"
#include "engine/pipelines/denoise_loop.h"
#include "engine/pipelines/image_tensors.h"
#include "engine/pipelines/model_folder.h"
#include "engine/pipelines/reference_configs.h"
#include "engine/pipelines/vae_for_stage.h"
#include "engine/runtime/device.h"
#include "engine/runtime/host_memory.h"
#include "engine/schedulers/scheduler_config.h"
#include "engine/schedulers/scheduler_factory.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// The scheduler a diffusers folder was saved with, as one of our sampler names.
std::string samplerForClass(const nlohmann::json& config) {
    const std::string cls = jsonValue<std::string>(config, "_class_name", "PNDMScheduler");
    if (cls == "PNDMScheduler") return "pndm";
    if (cls == "DDIMScheduler") return "ddim";
    if (cls == "EulerDiscreteScheduler") return "euler";
    if (cls == "EulerAncestralDiscreteScheduler") return "euler_ancestral";
    if (cls == "DPMSolverMultistepScheduler")
        return jsonValue<bool>(config, "use_karras_sigmas", false) ? "dpmpp_2m_karras" : "dpmpp_2m";
    return "pndm";
}

// A tokenizer for a single-file checkpoint (which has none inside): a tokenizer/ folder next
// to the file, else the CLIP-L tokenizer in the Hugging Face cache.
std::string findTokenizerFor(const std::string& file) {
    std::vector<std::string> candidates = {(fs::path(file).parent_path() / "tokenizer").string()};
    std::string hub;
    if (const char* c = std::getenv("HF_HUB_CACHE"))
        hub = c;
    else if (const char* h = std::getenv("HF_HOME"))
        hub = std::string(h) + "/hub";
    else if (const char* home = std::getenv("HOME"))
        hub = std::string(home) + "/.cache/huggingface/hub";
    for (const char* repo :
         {"models--openai--clip-vit-large-patch14", "models--runwayml--stable-diffusion-v1-5",
          "models--stable-diffusion-v1-5--stable-diffusion-v1-5"}) {
        std::error_code ec;
        const fs::path snaps = fs::path(hub) / repo / "snapshots";
        for (const auto& e : fs::directory_iterator(snaps, ec)) {
            candidates.push_back(e.path().string());
            candidates.push_back((e.path() / "tokenizer").string());
        }
    }
    for (const auto& c : candidates)
        if (fs::exists(fs::path(c) / "vocab.json") && fs::exists(fs::path(c) / "merges.txt"))
            return c;
    throw EngineError(
        ErrorKind::ModelLoad,
        "single-file checkpoint " + file +
            " carries no tokenizer: put the CLIP tokenizer files (vocab.json, merges.txt) in " +
            candidates.front() + "/");
}

}  // namespace

std::unique_ptr<Sd15Pipeline> Sd15Pipeline::open(const std::string& path,
                                                 const PipelineOptions& options) {
    std::unique_ptr<Sd15Pipeline> p(new Sd15Pipeline());
    p->device_ = resolveDevice(options.device);
    p->dtype_ = resolveDtype(options.dtype, p->device_, Family::Sd15);
    auto progress = [&](const std::string& what, int i) {
        if (options.onLoad) options.onLoad(what, i, 4);
    };
    // A simulated device budget plans the CPU as if it were a GPU of that size beside the
    // host, so the offloading path runs (and is tested) without one. On the CPU itself the
    // plan moves nothing (SD 1.5 has no text encoder worth releasing).
    const bool separateDevice = p->device_.is_cuda() || simulatedDeviceBudget();
    auto plan = [&](std::uint64_t text, std::uint64_t unet, std::uint64_t vae) {
        if (!separateDevice) return;
        p->plan_ = planMemory({{"text_encoder", text}, {"unet", unet}, {"vae", vae}},
                              options.memoryBudgetBytes, false, false,
                              deviceMemory(publicDevice(p->device_)).totalBytes);
    };
    auto home = [&](const char* component) {
        return p->plan_.offloads(component) ? at::Device(at::kCPU) : p->device_;
    };
    translateTorchErrors([&] {
        if (fs::is_regular_file(path)) {
            const Checkpoint cp = Checkpoint::open(path);
            // The plan comes from the file's header, before any weight is read.
            auto bytesUnder = [&](const std::string& prefix) {
                std::uint64_t n = 0;
                for (const auto& [name, e] : cp.entries())
                    if (name.rfind(prefix, 0) == 0)
                        n += static_cast<std::uint64_t>(e.info->numel()) *
                             c10::elementSize(p->dtype_);
                return n;
            };
            plan(bytesUnder("cond_stage_model."), bytesUnder("model.diffusion_model."),
                 bytesUnder("first_stage_model."));
            progress("tokenizer", 0);
            p->tokenizer_.emplace(ClipTokenizer::fromFolder(findTokenizerFor(path)));
            progress("text encoder", 1);
            p->textEncoder_.emplace(
                loadClipText(cp, ClipTextConfig::sd15ViTL14(), p->dtype_, home("text_encoder"),
                             kSd15SingleFileTextEncoderPrefix, &p->textParameters_));
            progress("UNet", 2);
            const auto unetConfig = UNet2DConditionConfig::stableDiffusion15();
            p->unet_.emplace(loadUNet2DConditionFromLdm(cp, unetConfig, p->dtype_, p->device_));
            progress("VAE", 3);
            p->vae_.emplace(loadAutoencoderKL(
                cp, AutoencoderKLConfig::fromJson(referenceConfig(ReferenceConfig::Sd15Vae), path),
                p->dtype_, home("vae"), &p->vaeParameters_));
            p->schedulerConfig_ = referenceConfig(ReferenceConfig::Sd15Scheduler);
            for (const auto& [name, e] : cp.entries())
                if (name.rfind("first_stage_model.", 0) == 0)
                    p->vaeBytes_ +=
                        static_cast<std::uint64_t>(e.info->numel()) * c10::elementSize(p->dtype_);
        } else {
            const ModelFolder folder = ModelFolder::open(path);
            if (folder.family != Family::Sd15)
                throw EngineError(ErrorKind::ModelLoad, path + " is a " + folder.pipelineClass +
                                                            " folder, not Stable Diffusion 1.x");
            const std::string te = folder.path("text_encoder");
            plan(checkpointBytesAs(te, p->dtype_),
                 checkpointBytesAs(folder.path("unet"), p->dtype_),
                 checkpointBytesAs(folder.path("vae"), p->dtype_));
            progress("tokenizer", 0);
            p->tokenizer_.emplace(ClipTokenizer::fromFolder(folder.path("tokenizer")));
            progress("text encoder", 1);
            const Checkpoint teCp = Checkpoint::open(te);
            p->textEncoder_.emplace(loadClipText(
                teCp, ClipTextConfig::fromFile((fs::path(te) / "config.json").string()), p->dtype_,
                home("text_encoder"), {}, &p->textParameters_));
            progress("UNet", 2);
            p->unet_.emplace(loadUNet2DCondition(folder.path("unet"), p->dtype_, p->device_));
            progress("VAE", 3);
            p->vae_.emplace(
                loadAutoencoderKL(folder.path("vae"), p->dtype_, home("vae"), &p->vaeParameters_));
            p->vaeBytes_ = checkpointBytesAs(folder.path("vae"), p->dtype_);
            p->schedulerConfig_ = readSchedulerConfigFile(
                (fs::path(folder.path("scheduler")) / "scheduler_config.json").string());
        }
        if (!options.taesdPath.empty())
            p->taesd_.emplace(loadTaesdDecoder(options.taesdPath, p->dtype_, p->device_));
    });
    // Kept by name only where the plan needs them to build the VAE's copy for a stage.
    if (!p->plan_.offloads("vae")) p->vaeParameters_.clear();
    p->defaultSampler_ = samplerForClass(p->schedulerConfig_);
    p->unetParameters_ = p->unet_->parameters();
    const UNet2DConditionConfig unetConfig = p->unet_->config();
    // kohya LoRAs address UNet modules by either path style (REFERENCE.md).
    p->unetLdmNames_ = [unetConfig](const std::string& module) -> std::vector<std::string> {
        try {
            std::string ldm = ldmUnetName(unetConfig, module + ".weight");
            return {ldm.substr(0, ldm.size() - 7)};
        } catch (const EngineError&) {
            return {};
        }
    };
    return p;
}

std::vector<ResidentComponent> Sd15Pipeline::residentComponents() const {
    return {{"text_encoder", weightBytes(textParameters_)},
            {"unet", weightBytes(unetParameters_)},
            {"vae", vaeBytes_}};
}

at::Tensor Sd15Pipeline::encodePrompt(const ClipTextModel& encoder, const std::string& text,
                                      int batch, int clipSkip, GenerationResult* result,
                                      bool isNegative) const {
    const Tokenized tok = tokenizer_->encode(text);
    if (!isNegative && result) {
        result->promptTokens = static_cast<int>(tok.tokenCount);
        result->promptTruncated = tok.truncated;
    }
    if (tok.truncated && result)
        result->warnings.push_back(std::string(isNegative ? "negative prompt" : "prompt") + " is " +
                                   std::to_string(tok.tokenCount) + " tokens; the last " +
                                   std::to_string(tok.droppedTokens) +
                                   " were cut off (CLIP reads " +
                                   std::to_string(tokenizer_->capacity()) + ")");
    const at::Tensor ids = at::tensor(tok.ids, at::kLong).unsqueeze(0).to(device_);
    // On the device even when the plan runs the encoder on the host.
    const at::Tensor embeds = encoder.forward(ids, clipSkip).clipSkipped.to(device_);
    return embeds.repeat({batch, 1, 1});
}

void Sd15Pipeline::applyLoras(const std::vector<LoraRequest>& loras, LoraPatcher& patcher,
                              GenerationResult& result) {
    if (loras.empty()) return;
    const auto files = readLoraRequests(loras);
    LoraTargetComponent unet{"unet",           {"lora_unet_"}, {"unet.", "lora_unet."},
                             &unetParameters_, unetLdmNames_,  nullptr};
    LoraTargetComponent te{"text_encoder",
                           {"lora_te_", "lora_te1_"},
                           {"text_encoder.", "lora_te."},
                           &textParameters_,
                           nullptr,
                           nullptr};
    reportUnmatchedLoras(patcher.apply(files, {unet, te}), result);
}

GenerationResult Sd15Pipeline::generate(const GenerationRequest& request,
                                        const GenerationHooks& hooks) {
    return generate(request, hooks, Sd15Trace{});
}

GenerationResult Sd15Pipeline::generate(const GenerationRequest& req, const GenerationHooks& hooks,
                                        const Sd15Trace& trace) {
    checkRequest(req, 8);
    const bool img2img = req.initImage.has_value();

    GenerationResult result;
    const auto t0 = Clock::now();
    auto stage = [&](const char* s) {
        if (hooks.onStage) hooks.onStage(s);
    };
    LoraPatcher patcher;  // restores the weights when the job ends, however it ends
    translateTorchErrors([&] {
        c10::InferenceMode inference;  // no autograd bookkeeping during a job
        applyLoras(req.loras, patcher, result);
        std::unique_ptr<Scheduler> scheduler =
            req.sampler == Sampler::ModelDefault ? makeScheduler(defaultSampler_, schedulerConfig_)
                                                 : makeScheduler(req.sampler, schedulerConfig_);

        stage("text encoder");
        const auto tText = Clock::now();
        const int b = req.batch;
        // Offloaded and moved over: a copy on the device for this stage (with the job's
        // LoRA, merged into the host weights above), freed after it.
        std::optional<ClipTextModel> moved;
        if (plan_.offloads("text_encoder") && !plan_.runsOnHost("text_encoder")) {
            TensorMapSource source(textParameters_, device_);
            moved.emplace(ClipTextModel(textEncoder_->config(), Scope(source)));
        }
        const ClipTextModel& encoder = moved ? *moved : *textEncoder_;
        const at::Tensor cond = encodePrompt(encoder, req.prompt, b, req.clipSkip, &result, false);
        const bool cfg = req.guidance > 1.0;
        at::Tensor embeds = cond;
        if (cfg) {
            const at::Tensor uncond =
                encodePrompt(encoder, req.negativePrompt, b, req.clipSkip, &result, true);
            trace("negative_prompt_embeds", uncond);
            embeds = at::cat({uncond, cond});
        }
        if (moved) {
            moved.reset();
            releaseCachedDeviceMemory();
        }
        trace("prompt_embeds", cond);
        result.timings.textEncodeSeconds = since(tText);

        const auto tDenoise = Clock::now();
        const int64_t channels = unet_->config().inChannels;
        const std::vector<int64_t> shape = {b, channels, req.height / 8, req.width / 8};
        at::Generator gen = cpuGenerator(req.seed);
        scheduler->setTimesteps(req.steps);
        int begin = 0;
        at::Tensor latents;
        if (img2img) {
            stage("VAE encode");
            const VaeForStage vae(*vae_, vaeParameters_, plan_, device_);
            const StartLatents start = imageToImageStart(
                *vae, *scheduler, req, Img2ImgStartRule::WholeSteps, gen, device_, dtype_, trace);
            latents = start.latents;
            begin = start.beginIndex;
        } else {
            latents = seededNoise(shape, gen, device_, dtype_) * scheduler->initNoiseSigma();
        }
        trace("init_latents", latents);

        stage("denoising");
        DenoiseLoop loop;
        loop.scheduler = scheduler.get();
        loop.beginIndex = begin;
        loop.guidance = req.guidance;
        loop.generator = &gen;
        loop.previewFormat = LatentFormat::SD15;
        loop.callbacksOneStepLate = device_.is_cuda();
        // On the device once: a per-step copy would make the host wait for the device.
        const at::Tensor timesteps = scheduler->timesteps().to(device_);
        loop.model = [&](const at::Tensor& input, int i) {
            return unet_->forward(input.to(dtype_), timesteps[i], embeds);
        };
        if (taesd_) {
            loop.previewDecoder = [&](const at::Tensor& x0) {
                return unitToUint8(taesd_->decode(x0.to(dtype_)).clamp(0.0, 1.0))[0];
            };
        }
        loop.observe = [&](int i, const at::Tensor& guided, const at::Tensor& after) {
            trace("noise_pred." + std::to_string(i - begin), guided);
            trace("step_latent." + std::to_string(i - begin), after);
        };
        latents = runDenoiseLoop(loop, latents, hooks);
        result.timings.denoiseSeconds = since(tDenoise);

        stage("VAE decode");
        const auto tDecode = Clock::now();
        const VaeForStage vae(*vae_, vaeParameters_, plan_, device_);
        result.images = decodeToImages(*vae, latents, trace);
        result.timings.decodeSeconds = since(tDecode);
    });
    result.previewMethod = taesd_ ? "TAESD" : "latent projection";
    result.timings.totalSeconds = since(t0);
    return result;
}

}  // namespace archival::engine
