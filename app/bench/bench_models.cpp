// `archival-bench sd15` and `archival-bench sd35`: the full-size architectures with random
// weights (no checkpoint needed), timed stage by stage. Figures only: no test depends on them.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>
#include <sys/resource.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/generation.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/models/clip_text.h"
#include "engine/models/sd3_transformer.h"
#include "engine/models/t5_encoder.h"
#include "engine/models/unet2d_condition.h"
#include "engine/nn/parameters.h"
#include "engine/pipelines/memory_plan.h"
#include "engine/pipelines/reference_configs.h"
#include "engine/preview/latent_preview.h"
#include "engine/runtime/device.h"
#include "engine/runtime/host_block_cache.h"
#include "engine/runtime/host_memory.h"
#include "host_info.h"

namespace archival::bench {
namespace {

using Clock = std::chrono::steady_clock;
using engine::ReferenceConfig;

struct Options {
    int width = 512, height = 512, steps = 2, batch = 1, layers = 0, t5Layers = 2;
    // sd35: free the text encoders after encoding, before the MMDiT and the VAE are built, as
    // the pipeline does: the peak is then the larger of the two phases. Without the flag the
    // pipeline's rule decides: released when the whole model exceeds the memory budget.
    bool releaseTextEncoders = false;
    // VAE decodes to time (0: none, for a run that times only the denoiser), and --json: one
    // JSON line at the end with every timing, for app/bench/compare.py to take medians of.
    int decodes = 1;
    bool json = false;
    engine::Device device;  // --device: the settings' spellings (auto, cpu, cuda, cuda:N)
    engine::Dtype dtype = engine::Dtype::Auto;
    // --profile FILE: libtorch's profiler over the last step and the VAE decode, written as a
    // Chrome trace (chrome://tracing, or summed per operator by any JSON reader).
    std::string profile;
};

// Profiles while alive when a file was asked for.
std::unique_ptr<torch::autograd::profiler::RecordProfile> profileInto(const std::string& file) {
    if (file.empty()) return nullptr;
    return std::make_unique<torch::autograd::profiler::RecordProfile>(file);
}

bool parse(const std::vector<std::string>& args, Options& o, const char* usage) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto next = [&](int& v) {
            if (i + 1 >= args.size()) return false;
            v = std::stoi(args[++i]);
            return true;
        };
        bool ok = true;
        if (a == "--width")
            ok = next(o.width);
        else if (a == "--height")
            ok = next(o.height);
        else if (a == "--steps")
            ok = next(o.steps);
        else if (a == "--batch")
            ok = next(o.batch);
        else if (a == "--layers")
            ok = next(o.layers);
        else if (a == "--t5-layers")
            ok = next(o.t5Layers);
        else if (a == "--profile" && i + 1 < args.size())
            o.profile = args[++i];
        else if (a == "--release-text-encoders")
            o.releaseTextEncoders = true;
        else if (a == "--decodes")
            ok = next(o.decodes);
        else if (a == "--json")
            o.json = true;
        else if (a == "--device" && i + 1 < args.size())
            o.device = engine::parseDevice(args[++i]);  // throws InvalidRequest when unknown
        else if (a == "--dtype" && i + 1 < args.size())
            o.dtype = engine::parseDtype(args[++i]);
        else
            ok = false;
        if (!ok) {
            std::cerr << "usage: " << usage << '\n';
            return false;
        }
    }
    return true;
}

double seconds(Clock::time_point a) {
    return std::chrono::duration<double>(Clock::now() - a).count();
}

// Waits for queued GPU work so a stage's time is its own.
void sync(const at::Device& d) {
    if (d.is_cuda()) at::zeros({1}, at::TensorOptions().device(d)).cpu();
}

double currentRssGb() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1e9;
}

double peakRssGb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss * 1024.0 / 1e9;  // KiB → GB
}

// Bytes a component's weights take in `dtype`, counted on the meta device (no memory).
template <typename Model, typename Config>
std::uint64_t weightBytesOf(const Config& config, at::ScalarType dtype) {
    engine::MetaSource meta(dtype);
    Model model(config, engine::Scope(meta));
    std::uint64_t bytes = 0;
    for (const auto& [name, t] : meta.taken()) bytes += t.nbytes();
    return bytes;
}

// The machine-readable result of a run: one line, `{"bench": ..., "<stage>_s": [seconds of
// each run, in order], ...}`, after the human-readable figures.
void printJson(const char* bench, const Options& o, const at::Device& d, at::ScalarType dt,
               nlohmann::json timings) {
    timings["bench"] = bench;
    timings["width"] = o.width;
    timings["height"] = o.height;
    timings["batch"] = o.batch;
    timings["device"] = d.str();
    timings["dtype"] = engine::scalarTypeName(dt);
    timings["threads"] = at::get_num_threads();
    timings["host"] = hostLine();
    timings["peak_rss_gb"] = peakRssGb();
    std::printf("%s\n", timings.dump().c_str());
}

template <typename F>
double timed(const at::Device& d, F&& f) {
    sync(d);
    const auto t = Clock::now();
    f();
    sync(d);
    return seconds(t);
}

// How many large tensors reused a freed block: a low share at a size means the cache is too
// small for that size's activations.
void printBlockCacheUse() {
    if (const engine::HostBlockCache* cache = engine::installHostBlockCache())
        std::printf("large tensors from the block cache %zu of %zu\n", cache->hits(),
                    cache->hits() + cache->misses());
}

void header(const char* what, const Options& o, const at::Device& d, at::ScalarType dt) {
    std::printf("host: %s\n", hostLine().c_str());
    std::printf(
        "%s, random weights, %dx%d, batch %d (x2 with CFG), %d steps, %s %s, %d CPU threads\n",
        what, o.width, o.height, o.batch, o.steps, d.str().c_str(),
        engine::scalarTypeName(dt).c_str(), at::get_num_threads());
    if (o.dtype != engine::Dtype::Auto)
        std::printf("precision: %s, as asked\n", engine::scalarTypeName(dt).c_str());
    else if (d.is_cuda())
        std::printf("precision: %s, auto on CUDA\n", engine::scalarTypeName(dt).c_str());
    else
        std::printf("precision: %s, auto on the CPU: %s (%s=0 keeps fp32)\n",
                    engine::scalarTypeName(dt).c_str(), engine::cpuAutoPrecision().reason.c_str(),
                    engine::kCpuBf16Variable);
    if (const engine::HostBlockCache* cache = engine::installHostBlockCache())
        std::printf("tensor block cache: %.2f GB (%s)\n", cache->capacityBytes() / 1e9,
                    engine::kHostCacheVariable);
    else
        std::printf("tensor block cache: off (%s=0)\n", engine::kHostCacheVariable);
}

}  // namespace

int runSd15(const std::vector<std::string>& args) {
    Options o;
    if (!parse(args, o,
               "archival-bench sd15 [--width W] [--height H] [--steps N] [--batch B] [--device D] "
               "[--dtype T] [--decodes N] [--json] [--profile FILE]"))
        return 2;
    const at::Device dev = engine::resolveDevice(o.device);
    const at::ScalarType dt = engine::resolveDtype(o.dtype, dev, engine::Family::Sd15);
    c10::InferenceMode inference;
    header("SD 1.5 (UNet 860M + VAE 84M + CLIP-L 123M)", o, dev, dt);

    auto t = Clock::now();
    engine::RandomSource src(1, dt, dev);
    engine::ClipTextModel clip(engine::ClipTextConfig::sd15ViTL14(),
                               engine::Scope(src, "text_encoder."));
    engine::UNet2DCondition unet(engine::UNet2DConditionConfig::stableDiffusion15(),
                                 engine::Scope(src, "unet."));
    engine::AutoencoderKL vae(engine::AutoencoderKLConfig::fromJson(
                                  referenceConfig(ReferenceConfig::Sd15Vae), "sd15 vae"),
                              engine::Scope(src, "vae."));
    std::printf("build (random init) %.2f s\n", seconds(t));

    const at::Tensor ids = at::randint(0, 49407, {2 * o.batch, 77}, at::kLong).to(dev);
    at::Tensor embeds;
    const double text = timed(dev, [&] { embeds = clip.forward(ids).lastHidden; });
    at::Tensor x = at::randn({o.batch, 4, o.height / 8, o.width / 8}).to(dev, dt);
    std::vector<double> steps;
    std::unique_ptr<torch::autograd::profiler::RecordProfile> profiling;
    for (int s = 0; s < o.steps; ++s) {
        if (s + 1 == o.steps) profiling = profileInto(o.profile);
        steps.push_back(timed(dev, [&] {
            const at::Tensor out =
                unet.forward(at::cat({x, x}), at::tensor(999 - s * 50, at::kLong), embeds);
            const auto h = out.chunk(2);
            x = x - 0.01 * (h[0] + 7.5 * (h[1] - h[0]));
        }));
    }
    const double preview = timed(
        dev, [&] { engine::projectLatentsToRgb(x.slice(0, 0, 1), engine::LatentFormat::SD15); });
    at::Tensor image;
    std::vector<double> decodes;
    for (int i = 0; i < o.decodes; ++i)
        decodes.push_back(timed(dev, [&] { image = vae.decode(vae.fromLatent(x)); }));
    profiling.reset();
    double best = steps.front(), sum = 0;
    for (double s : steps) best = std::min(best, s), sum += s;
    std::printf("text encode (CLIP-L, batch %d)   %.3f s\n", 2 * o.batch, text);
    std::printf(
        "UNet step with CFG             %.3f s (mean of %d: %.3f s; first includes warm-up)\n",
        best, o.steps, sum / o.steps);
    std::printf("latent preview                 %.5f s (%.3f %% of a step)\n", preview,
                100.0 * preview / best);
    if (!decodes.empty())
        std::printf("VAE decode                     %.3f s -> %s\n", decodes.front(),
                    c10::str(image.sizes()).c_str());
    std::printf("peak RSS                       %.2f GB\n", peakRssGb());
    printBlockCacheUse();
    if (o.json)
        printJson("sd15", o, dev, dt,
                  {{"text_encode_s", {text}}, {"unet_step_s", steps}, {"vae_decode_s", decodes}});
    return 0;
}

int runSd35(const std::vector<std::string>& args) {
    Options o;
    o.width = 1360;
    o.height = 768;
    if (!parse(args, o,
               "archival-bench sd35 [--layers N] [--t5-layers N] [--width W] [--height H] [--steps "
               "N] [--batch B] "
               "[--device D] [--dtype T] [--release-text-encoders] [--decodes N] [--json] [--profile FILE]"))
        return 2;
    const at::Device dev = engine::resolveDevice(o.device);
    const at::ScalarType dt = engine::resolveDtype(o.dtype, dev, engine::Family::Sd3);
    c10::InferenceMode inference;
    nlohmann::json tc = referenceConfig(ReferenceConfig::Sd35LargeTransformer);
    const int fullLayers = tc["num_layers"].get<int>();
    const int layers = o.layers > 0 ? std::min(o.layers, fullLayers) : fullLayers;
    tc["num_layers"] = layers;
    nlohmann::json t5c = referenceConfig(ReferenceConfig::T5Xxl);
    const int t5Full = t5c["num_layers"].get<int>();
    const int t5Layers = o.t5Layers > 0 ? std::min(o.t5Layers, t5Full) : t5Full;
    t5c["num_layers"] = t5Layers;
    header("SD 3.5 Large (MMDiT 8.1B, CLIP-L, CLIP-G, T5-XXL, 16-ch VAE)", o, dev, dt);
    std::printf(
        "transformer layers %d of %d, T5 layers %d of %d%s\n", layers, fullLayers, t5Layers, t5Full,
        layers < fullLayers || t5Layers < t5Full ? " (reduced: per-layer times extrapolate)" : "");
    const at::ScalarType t5dt = dt == at::kHalf ? at::kBFloat16 : dt;

    // The pipeline's rule (memory_plan.h) against the budget the pipeline factory uses (most
    // of the memory free now): whether the text encoders go before the MMDiT is built.
    const auto clipLConfig = engine::ClipTextConfig::fromJson(
        referenceConfig(ReferenceConfig::ClipLWithProjection), "clip-l");
    const auto clipGConfig =
        engine::ClipTextConfig::fromJson(referenceConfig(ReferenceConfig::ClipG), "clip-g");
    const auto t5Config = engine::T5EncoderConfig::fromJson(t5c, "t5-xxl");
    const auto mmditConfig = engine::SD3TransformerConfig::fromJson(tc, "sd3.5-large");
    const auto vaeConfig =
        engine::AutoencoderKLConfig::fromJson(referenceConfig(ReferenceConfig::Sd3Vae), "sd3 vae");
    const std::vector<engine::ResidentComponent> sizes = {
        {"text_encoder", weightBytesOf<engine::ClipTextModel>(clipLConfig, dt)},
        {"text_encoder_2", weightBytesOf<engine::ClipTextModel>(clipGConfig, dt)},
        {"text_encoder_3", weightBytesOf<engine::T5Encoder>(t5Config, t5dt)},
        {"transformer", weightBytesOf<engine::SD3Transformer>(mmditConfig, dt)},
        {"vae", weightBytesOf<engine::AutoencoderKL>(vaeConfig, dt)}};
    const std::uint64_t freeBytes = engine::deviceMemory(engine::publicDevice(dev)).freeBytes;
    const std::uint64_t budget = freeBytes / 10 * 9;
    const engine::MemoryPlan plan =
        engine::planMemory(sizes, budget, !dev.is_cuda(), o.releaseTextEncoders);
    std::uint64_t total = 0;
    for (const auto& c : sizes) total += c.bytes;
    std::printf("weights %.2f GB in all, budget %.2f GB: %s\n", total / 1e9, budget / 1e9,
                engine::describe(plan).c_str());

    // Text encoders first, in their own objects, so that they can be freed before the
    // MMDiT is built.
    auto t = Clock::now();
    // A source remembers every weight it hands out: the text encoders get sources of their
    // own, which go with them (a shared one kept them alive: RSS did not drop on release).
    auto textSrc = std::make_unique<engine::RandomSource>(1, dt, dev);
    auto t5src = std::make_unique<engine::RandomSource>(2, t5dt, dev);
    auto clipL = std::make_unique<engine::ClipTextModel>(clipLConfig,
                                                         engine::Scope(*textSrc, "text_encoder."));
    auto clipG = std::make_unique<engine::ClipTextModel>(
        clipGConfig, engine::Scope(*textSrc, "text_encoder_2."));
    auto t5 =
        std::make_unique<engine::T5Encoder>(t5Config, engine::Scope(*t5src, "text_encoder_3."));
    double buildTime = seconds(t);

    const int b2 = 2 * o.batch;
    const at::Tensor ids = at::randint(0, 49407, {b2, 77}, at::kLong).to(dev);
    const at::Tensor t5ids = at::randint(0, 32000, {b2, 256}, at::kLong).to(dev);
    at::Tensor embeds, pooled;
    double clipTime = timed(dev, [&] {
        const auto l = clipL->forward(ids), g = clipG->forward(ids);
        at::Tensor c = at::cat({l.penultimate, g.penultimate}, -1);
        c = at::constant_pad_nd(c, {0, 4096 - c.size(-1)});
        embeds = c;
        pooled = at::cat({l.textEmbeds, g.textEmbeds}, -1);
    });
    at::Tensor t5out;
    const double t5Time = timed(dev, [&] { t5out = t5->forward(t5ids); });
    embeds = at::cat({embeds, t5out.to(embeds.scalar_type())}, 1);
    const double textPeak = peakRssGb();
    std::printf("RSS after text encoding           %.2f GB\n", currentRssGb());
    if (plan.releaseTextEncoders) {
        clipL.reset();
        clipG.reset();
        t5.reset();
        t5out = at::Tensor();
        textSrc.reset();
        t5src.reset();
        // As the pipeline's release: the freed heap goes back to the system.
        engine::returnFreedHostMemory();
        std::printf("RSS after releasing them          %.2f GB\n", currentRssGb());
    }

    t = Clock::now();
    engine::RandomSource src(3, dt, dev);
    engine::SD3Transformer mmdit(mmditConfig, engine::Scope(src, "transformer."));
    engine::AutoencoderKL vae(vaeConfig, engine::Scope(src, "vae."));
    buildTime += seconds(t);
    std::printf("RSS after building MMDiT and VAE  %.2f GB\n", currentRssGb());
    std::printf("build (random init) %.2f s\n", buildTime);
    at::Tensor x = at::randn({o.batch, 16, o.height / 8, o.width / 8}).to(dev, dt);
    std::vector<double> steps;
    std::unique_ptr<torch::autograd::profiler::RecordProfile> profiling;
    for (int s = 0; s < o.steps; ++s) {
        if (s + 1 == o.steps) profiling = profileInto(o.profile);
        steps.push_back(timed(dev, [&] {
            const at::Tensor tt = at::full({b2}, 1000.0 - s * 100.0, at::kFloat).to(dev);
            const at::Tensor out = mmdit.forward(at::cat({x, x}), embeds, pooled, tt);
            const auto h = out.chunk(2);
            x = x - 0.01 * (h[0] + 7.5 * (h[1] - h[0]));
        }));
    }
    at::Tensor image;
    std::vector<double> decodes;
    for (int i = 0; i < o.decodes; ++i)
        decodes.push_back(timed(dev, [&] { image = vae.decode(vae.fromLatent(x)); }));
    profiling.reset();
    double best = steps.front();
    for (double s : steps) best = std::min(best, s);
    std::printf("text encode CLIP-L + CLIP-G      %.3f s\n", clipTime);
    std::printf("text encode T5 (%2d layers)       %.3f s (%.3f s per layer -> %.2f s for %d)\n",
                t5Layers, t5Time, t5Time / t5Layers, t5Time / t5Layers * t5Full, t5Full);
    std::printf("MMDiT step with CFG (%2d layers)  %.3f s (%.3f s per layer -> %.2f s for %d)\n",
                layers, best, best / layers, best / layers * fullLayers, fullLayers);
    if (!decodes.empty())
        std::printf("VAE decode                       %.3f s -> %s\n", decodes.front(),
                    c10::str(image.sizes()).c_str());
    std::printf("peak RSS after text encoding     %.2f GB\n", textPeak);
    std::printf(
        "peak RSS                         %.2f GB%s\n", peakRssGb(),
        plan.releaseTextEncoders ? " (text encoders released before the MMDiT was built)" : "");
    printBlockCacheUse();
    if (o.json)
        printJson("sd35", o, dev, dt,
                  {{"layers", layers},
                   {"full_layers", fullLayers},
                   {"mmdit_step_s", steps},
                   {"vae_decode_s", decodes}});
    return 0;
}

}  // namespace archival::bench
