#include "engine/pipelines/sd3_pipeline.h"

#include <c10/core/InferenceMode.h>

#include <chrono>
#include <filesystem>
#include <regex>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/pipelines/denoise_loop.h"
#include "engine/pipelines/image_tensors.h"
#include "engine/pipelines/model_folder.h"
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

ClipTextModel loadClip(const std::string& folder, at::ScalarType dtype, at::Device device,
                       std::map<std::string, at::Tensor>* parameters) {
    const Checkpoint cp = Checkpoint::open(folder);
    return loadClipText(cp, ClipTextConfig::fromFile((fs::path(folder) / "config.json").string()),
                        dtype, device, {}, parameters);
}

// kohya names SD3 modules by the original MMDiT layout (REFERENCE.md, LoRA formats):
// joint_blocks.<i>.{x,context}_block.{attn.proj, mlp.fc1, mlp.fc2, adaLN_modulation.1}.
std::vector<std::string> mmditNamesOf(const std::string& module) {
    static const std::regex block(R"(transformer_blocks\.(\d+)\.(.+))");
    std::smatch m;
    if (!std::regex_match(module, m, block)) return {};
    const std::string i = m[1], rest = m[2];
    const std::string x = "joint_blocks." + i + ".x_block.",
                      c = "joint_blocks." + i + ".context_block.";
    static const std::map<std::string, std::pair<bool, std::string>> table = {
        {"attn.to_out.0", {true, "attn.proj"}},
        {"attn.to_add_out", {false, "attn.proj"}},
        {"ff.net.0.proj", {true, "mlp.fc1"}},
        {"ff.net.2", {true, "mlp.fc2"}},
        {"ff_context.net.0.proj", {false, "mlp.fc1"}},
        {"ff_context.net.2", {false, "mlp.fc2"}},
        {"norm1.linear", {true, "adaLN_modulation.1"}},
        {"norm1_context.linear", {false, "adaLN_modulation.1"}},
    };
    auto it = table.find(rest);
    if (it == table.end()) return {};
    return {(it->second.first ? x : c) + it->second.second};
}

}  // namespace

std::unique_ptr<Sd3Pipeline> Sd3Pipeline::open(const std::string& path,
                                               const PipelineOptions& options) {
    std::unique_ptr<Sd3Pipeline> p(new Sd3Pipeline());
    p->device_ = resolveDevice(options.device);
    p->dtype_ = resolveDtype(options.dtype, p->device_, Family::Sd3);
    // T5-XXL overflows fp16 (README-text.md): bf16 on CUDA when fp16 is asked for, else as the
    // rest.
    p->t5Dtype_ = p->dtype_ == at::kHalf ? at::kBFloat16 : p->dtype_;
    const ModelFolder folder = ModelFolder::open(path);
    if (folder.family != Family::Sd3)
        throw EngineError(ErrorKind::ModelLoad, path + " is a " + folder.pipelineClass +
                                                    " folder, not Stable Diffusion 3");
    const bool withT5 = options.loadT5 && folder.has("text_encoder_3") && folder.has("tokenizer_3");
    const int count = withT5 ? 6 : 5;
    auto progress = [&](const std::string& what, int i) {
        if (options.onLoad) options.onLoad(what, i, count);
    };
    translateTorchErrors([&] {
        progress("tokenizers", 0);
        p->tokenizerL_.emplace(ClipTokenizer::fromFolder(folder.path("tokenizer")));
        p->tokenizerG_.emplace(ClipTokenizer::fromFolder(folder.path("tokenizer_2")));
        p->textEncoderL_ = folder.path("text_encoder");
        p->textEncoderG_ = folder.path("text_encoder_2");
        int next = 1;
        if (withT5) {
            p->tokenizerT5_.emplace(T5Tokenizer::fromFolder(folder.path("tokenizer_3")));
            p->textEncoderT5_ = folder.path("text_encoder_3");
        }
        // The plan comes from the files' headers, before any weight is read.
        std::vector<ResidentComponent> sizes = {
            {"text_encoder", checkpointBytesAs(p->textEncoderL_, p->dtype_)},
            {"text_encoder_2", checkpointBytesAs(p->textEncoderG_, p->dtype_)}};
        if (withT5)
            sizes.push_back({"text_encoder_3", checkpointBytesAs(p->textEncoderT5_, p->t5Dtype_)});
        sizes.push_back({"transformer", checkpointBytesAs(folder.path("transformer"), p->dtype_)});
        sizes.push_back({"vae", checkpointBytesAs(folder.path("vae"), p->dtype_)});
        // A simulated device budget plans the CPU as if it were a GPU of that size beside the
        // host, so the offloading path runs (and is tested) without one.
        const bool deviceIsHost = !p->device_.is_cuda() && !simulatedDeviceBudget();
        const std::uint64_t deviceBytes =
            deviceIsHost ? 0 : deviceMemory(publicDevice(p->device_)).totalBytes;
        p->plan_ = planMemory(sizes, options.memoryBudgetBytes, deviceIsHost,
                              options.releaseTextEncoders, deviceBytes);
        progress(withT5 ? "text encoders (CLIP-L, CLIP-G, T5)" : "text encoders (CLIP-L, CLIP-G)",
                 next++);
        p->loadTextEncoders();
        next += withT5 ? 2 : 1;
        progress("transformer", next++);
        p->transformer_.emplace(
            loadSD3Transformer(folder.path("transformer"), p->dtype_, p->device_));
        progress("VAE", next++);
        const bool vaeOffloaded = p->plan_.offloads("vae");
        p->vae_.emplace(loadAutoencoderKL(folder.path("vae"), p->dtype_,
                                          vaeOffloaded ? at::Device(at::kCPU) : p->device_,
                                          vaeOffloaded ? &p->vaeParameters_ : nullptr));
        p->vaeBytes_ = checkpointBytesAs(folder.path("vae"), p->dtype_);
        p->schedulerConfig_ = readSchedulerConfigFile(
            (fs::path(folder.path("scheduler")) / "scheduler_config.json").string());
        if (!options.taesdPath.empty())
            p->taesd_.emplace(loadTaesdDecoder(options.taesdPath, p->dtype_, p->device_));
    });
    p->transformerParameters_ = p->transformer_->parameters();
    // Loaded once above, so that a broken text encoder fails the open, not the first job.
    if (p->plan_.releaseTextEncoders) p->releaseTextEncoders();
    return p;
}

void Sd3Pipeline::loadTextEncoders() {
    auto where = [&](const char* component) {
        return plan_.offloads(component) ? at::Device(at::kCPU) : device_;
    };
    if (!clipL_)
        clipL_.emplace(loadClip(textEncoderL_, dtype_, where("text_encoder"), &clipLParameters_));
    if (!clipG_)
        clipG_.emplace(loadClip(textEncoderG_, dtype_, where("text_encoder_2"), &clipGParameters_));
    if (!t5_ && !textEncoderT5_.empty())
        t5_ = loadT5Encoder(textEncoderT5_, t5Dtype_, where("text_encoder_3"), &t5Parameters_);
}

void Sd3Pipeline::releaseTextEncoders() {
    clipL_.reset();
    clipG_.reset();
    t5_.reset();
    clipLParameters_.clear();
    clipGParameters_.clear();
    t5Parameters_.clear();
    // Views of the files are unmapped with their last tensor; casted copies go back to the
    // heap, which keeps them resident unless told otherwise.
    returnFreedHostMemory();
    releaseCachedDeviceMemory();
}

void Sd3Pipeline::placeTextEncoders(at::Device where) {
    // The weights by name stay where they were loaded (host memory); only the models built
    // from them move: those the plan offloads and moves over for their stage.
    auto moves = [&](const char* component) {
        return plan_.offloads(component) && !plan_.runsOnHost(component);
    };
    if (clipL_ && moves("text_encoder")) {
        TensorMapSource source(clipLParameters_, where);
        clipL_.emplace(ClipTextModel(clipL_->config(), Scope(source)));
    }
    if (clipG_ && moves("text_encoder_2")) {
        TensorMapSource source(clipGParameters_, where);
        clipG_.emplace(ClipTextModel(clipG_->config(), Scope(source)));
    }
    if (t5_ && moves("text_encoder_3")) {
        TensorMapSource source(t5Parameters_, where);
        t5_ = std::make_unique<T5Encoder>(t5_->config(), Scope(source));
    }
    if (where.is_cpu()) releaseCachedDeviceMemory();
}

std::vector<ResidentComponent> Sd3Pipeline::residentComponents() const {
    std::vector<ResidentComponent> out;
    if (clipL_) out.push_back({"text_encoder", weightBytes(clipLParameters_)});
    if (clipG_) out.push_back({"text_encoder_2", weightBytes(clipGParameters_)});
    if (t5_) out.push_back({"text_encoder_3", weightBytes(t5Parameters_)});
    out.push_back({"transformer", weightBytes(transformerParameters_)});
    out.push_back({"vae", vaeBytes_});
    return out;
}

Sd3PromptEmbeds Sd3Pipeline::encodePrompt(const std::string& text, GenerationResult* result,
                                          bool isNegative, const Sd3Trace& trace) const {
    if (!clipL_ || !clipG_)
        throw EngineError(ErrorKind::Internal,
                          "SD3 text encoders are not loaded (released after the last job)");
    const std::string prefix = isNegative ? "negative_" : "";
    const Tokenized l = tokenizerL_->encode(text), g = tokenizerG_->encode(text);
    if (result && !isNegative) {
        result->promptTokens = static_cast<int>(l.tokenCount);
        result->promptTruncated = l.truncated;
    }
    if (result && l.truncated)
        result->warnings.push_back(std::string(isNegative ? "negative prompt" : "prompt") + " is " +
                                   std::to_string(l.tokenCount) + " CLIP tokens; the last " +
                                   std::to_string(l.droppedTokens) +
                                   " were cut off for CLIP (75 fit)" +
                                   (t5_ ? "; T5 reads up to 255" : ""));
    const at::Tensor idsL = at::tensor(l.ids, at::kLong).unsqueeze(0).to(device_);
    const at::Tensor idsG = at::tensor(g.ids, at::kLong).unsqueeze(0).to(device_);
    trace(prefix + "clip_l_input_ids", idsL);
    trace(prefix + "clip_g_input_ids", idsG);
    // An encoder whose stage the memory plan runs on the host answers there.
    auto onDevice = [&](ClipTextModel::Output out) {
        out.penultimate = out.penultimate.to(device_);
        if (out.textEmbeds.defined()) out.textEmbeds = out.textEmbeds.to(device_);
        return out;
    };
    const auto outL = onDevice(clipL_->forward(idsL)), outG = onDevice(clipG_->forward(idsG));
    trace(prefix + "clip_l_hidden_states_penultimate", outL.penultimate);
    trace(prefix + "clip_g_hidden_states_penultimate", outG.penultimate);
    trace(prefix + "clip_l_text_embeds", outL.textEmbeds);
    trace(prefix + "clip_g_text_embeds", outG.textEmbeds);

    const std::int64_t jointDim = transformer_->config().jointAttentionDim;
    at::Tensor clip = at::cat({outL.penultimate, outG.penultimate}, -1);
    if (clip.size(-1) > jointDim)
        throw EngineError(ErrorKind::ModelLoad,
                          "the CLIP encoders are wider than the transformer's joint dimension");
    clip = at::constant_pad_nd(clip, {0, jointDim - clip.size(-1)});
    at::Tensor t5;
    if (t5_) {
        const T5Tokens tok = tokenizerT5_->encode(text, t5Length_);
        if (result && tok.truncated)
            result->warnings.push_back(std::string(isNegative ? "negative prompt" : "prompt") +
                                       " is " + std::to_string(tok.tokenCount) +
                                       " T5 tokens; the last " + std::to_string(tok.droppedTokens) +
                                       " were cut off");
        const at::Tensor ids = at::tensor(tok.ids, at::kLong).unsqueeze(0).to(device_);
        trace(prefix + "t5_input_ids", ids);
        t5 = t5_->forward(ids).to(device_, clip.scalar_type());
        trace(prefix + "t5_last_hidden_state", t5);
    } else {
        // The reference's stand-in without text_encoder_3: zeros as long as the CLIP
        // sequence (tokenizer.model_max_length, 77), not the T5 length.
        t5 = at::zeros({1, static_cast<std::int64_t>(tokenizerL_->maxLength()), jointDim},
                       clip.options());
    }
    Sd3PromptEmbeds out;
    out.embeds = at::cat({clip, t5}, -2);
    out.pooled = at::cat({outL.textEmbeds, outG.textEmbeds}, -1);
    return out;
}

void Sd3Pipeline::applyLoras(const std::vector<LoraRequest>& loras, LoraPatcher& patcher,
                             GenerationResult& result) {
    if (loras.empty()) return;
    const auto files = readLoraRequests(loras);
    const std::int64_t inner = transformer_->config().innerDim();
    LoraTargetComponent transformer{
        "transformer",           {"lora_unet_"}, {"transformer.", "base_model.model."},
        &transformerParameters_, mmditNamesOf,   nullptr};
    // kohya fuses q, k and v: one down, the up rows split in three (REFERENCE.md).
    transformer.fusedModules = [inner](const std::string& rest) {
        static const std::regex qkv(R"(joint_blocks_(\d+)_(x|context)_block_attn_qkv)");
        std::smatch m;
        std::vector<LoraTargetComponent::Split> out;
        if (!std::regex_match(rest, m, qkv)) return out;
        const std::string base = "transformer_blocks." + m[1].str() + ".attn.";
        const bool x = m[2] == "x";
        const char* names[3] = {x ? "to_q" : "add_q_proj", x ? "to_k" : "add_k_proj",
                                x ? "to_v" : "add_v_proj"};
        for (int k = 0; k < 3; ++k) out.push_back({base + names[k], k * inner, (k + 1) * inner});
        return out;
    };
    LoraTargetComponent clipL{"text_encoder",    {"lora_te1_", "lora_te_"},
                              {"text_encoder."}, &clipLParameters_,
                              nullptr,           nullptr};
    LoraTargetComponent clipG{"text_encoder_2",  {"lora_te2_"}, {"text_encoder_2."},
                              &clipGParameters_, nullptr,       nullptr};
    reportUnmatchedLoras(patcher.apply(files, {transformer, clipL, clipG}), result);
}

GenerationResult Sd3Pipeline::generate(const GenerationRequest& request,
                                       const GenerationHooks& hooks) {
    return generate(request, hooks, Sd3Trace{});
}

GenerationResult Sd3Pipeline::generate(const GenerationRequest& req, const GenerationHooks& hooks,
                                       const Sd3Trace& trace) {
    const std::int64_t multiple = 8 * transformer_->config().patchSize;
    checkRequest(req, static_cast<int>(multiple));
    if (req.sampler != Sampler::ModelDefault && req.sampler != Sampler::FlowMatchEuler)
        throw EngineError(ErrorKind::InvalidRequest,
                          "Stable Diffusion 3 samples with flowmatch_euler only (asked: " +
                              samplerName(req.sampler) + ")");
    const bool img2img = req.initImage.has_value();
    transformer_->checkLatentSize(req.height / 8, req.width / 8);

    GenerationResult result;
    const auto t0 = Clock::now();
    auto stage = [&](const char* s) {
        if (hooks.onStage) hooks.onStage(s);
    };
    LoraPatcher patcher;
    translateTorchErrors([&] {
        c10::InferenceMode inference;  // no autograd bookkeeping during a job
        loadTextEncoders();            // after a release
        applyLoras(req.loras, patcher, result);
        auto scheduler = makeScheduler(Sampler::FlowMatchEuler, schedulerConfig_);

        stage("text encoders");
        const auto tText = Clock::now();
        if (!plan_.offloaded.empty()) placeTextEncoders(device_);
        const int b = req.batch;
        const Sd3PromptEmbeds cond = encodePrompt(req.prompt, &result, false, trace);
        trace("prompt_embeds", cond.embeds);
        trace("pooled_prompt_embeds", cond.pooled);
        const bool cfg = req.guidance > 1.0;
        at::Tensor embeds = cond.embeds.repeat({b, 1, 1}), pooled = cond.pooled.repeat({b, 1});
        if (cfg) {
            const Sd3PromptEmbeds uncond = encodePrompt(req.negativePrompt, &result, true, trace);
            trace("negative_prompt_embeds", uncond.embeds);
            trace("negative_pooled_prompt_embeds", uncond.pooled);
            embeds = at::cat({uncond.embeds.repeat({b, 1, 1}), embeds});
            pooled = at::cat({uncond.pooled.repeat({b, 1}), pooled});
        }
        embeds = embeds.to(dtype_);
        pooled = pooled.to(dtype_);
        if (plan_.releaseTextEncoders)
            releaseTextEncoders();
        else if (!plan_.offloaded.empty())
            placeTextEncoders(at::kCPU);
        result.timings.textEncodeSeconds = since(tText);

        const auto tDenoise = Clock::now();
        const std::vector<int64_t> shape = {b, transformer_->config().inChannels, req.height / 8,
                                            req.width / 8};
        at::Generator gen = cpuGenerator(req.seed);
        scheduler->setTimesteps(req.steps);
        int begin = 0;
        at::Tensor latents;
        if (img2img) {
            stage("VAE encode");
            const VaeForStage vae(*vae_, vaeParameters_, plan_, device_);
            const StartLatents start =
                imageToImageStart(*vae, *scheduler, req, Img2ImgStartRule::FractionalSteps, gen,
                                  device_, dtype_, trace);
            latents = start.latents;
            begin = start.beginIndex;
        } else {
            // The SD3 pipeline does not scale its starting noise.
            latents = seededNoise(shape, gen, device_, dtype_);
        }
        trace("init_latents", latents);

        stage("denoising");
        DenoiseLoop loop;
        loop.scheduler = scheduler.get();
        loop.beginIndex = begin;
        loop.guidance = req.guidance;
        loop.generator = &gen;
        loop.previewFormat = LatentFormat::SD3;
        loop.callbacksOneStepLate = device_.is_cuda();
        // On the device once: a per-step copy would make the host wait for the device.
        const at::Tensor timesteps = scheduler->timesteps().to(device_, at::kFloat);
        SD3TransformerHooks blockHooks;
        blockHooks.beforeBlock = [&] {
            if (hooks.cancel && hooks.cancel->cancelled())
                throw EngineError(ErrorKind::Interrupted, "cancelled during a step");
        };
        loop.model = [&](const at::Tensor& input, int i) {
            const at::Tensor t = timesteps[i].expand({input.size(0)});
            return transformer_->forward(input.to(dtype_), embeds, pooled, t, blockHooks);
        };
        if (taesd_) {
            // TAESD3 decodes the VAE's own space.
            loop.previewDecoder = [&](const at::Tensor& x0) {
                return unitToUint8(
                    taesd_->decode(vae_->fromLatent(x0).to(dtype_)).clamp(0.0, 1.0))[0];
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
    if (textEncoderT5_.empty())
        result.warnings.push_back("ran without the T5 text encoder (zeros in its place)");
    result.previewMethod = taesd_ ? "TAESD" : "latent projection";
    result.timings.totalSeconds = since(t0);
    return result;
}

}  // namespace archival::engine
