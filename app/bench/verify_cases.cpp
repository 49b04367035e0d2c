#include "verify_cases.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "engine/errors.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/models/sd3_transformer.h"
#include "engine/models/unet2d_condition.h"
#include "engine/pipelines/denoise_loop.h"
#include "engine/pipelines/image_tensors.h"
#include "engine/pipelines/sd15_pipeline.h"
#include "engine/pipelines/sd3_pipeline.h"
#include "engine/runtime/device.h"
#include "engine/schedulers/scheduler.h"
#include "engine/schedulers/scheduler_config.h"
#include "engine/schedulers/scheduler_factory.h"
#include "engine/tokenizers/t5_tokenizer.h"
#include "goldens/closeness.h"
#include "goldens/golden_file.h"
#include "goldens/golden_rules.h"

namespace archival::bench {

const char* verdictName(Verdict v) {
    switch (v) {
        case Verdict::Pass:
            return "PASS";
        case Verdict::Fail:
            return "FAIL";
        case Verdict::NoBound:
            return "no bound";
        case Verdict::Error:
            return "ERROR";
    }
    return "?";
}

namespace {

namespace fs = std::filesystem;
using goldens::Closeness;
using goldens::GoldenFile;

std::string shellQuoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The hex SHA-256 of a file, by coreutils' sha256sum (no hashing library on a bare GPU
// machine); empty when it cannot be computed, which then matches no recorded peer error.
std::string sha256Of(const std::string& path) {
    FILE* pipe = popen(("sha256sum -- " + shellQuoted(path) + " 2>/dev/null").c_str(), "r");
    if (!pipe) return {};
    char digest[65] = {};
    const std::size_t n = std::fread(digest, 1, 64, pipe);
    pclose(pipe);
    return n == 64 ? std::string(digest, 64) : std::string();
}

std::string format(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

// Judges each compared tensor: float32 by the fixture README's rules, bf16 by 1.5x the
// reference's own bf16 error on the same golden where it was measured, fp16 (and bf16
// elsewhere) reported with no bound.
class Judge {
  public:
    Judge(const VerifySettings& s, const std::function<void(const VerifyRow&)>& onRow,
          VerifyOutcome& out)
        : s_(s), onRow_(onRow), out_(out) {}

    bool fullPrecision() const { return s_.dtype == at::kFloat; }

    // The golden file the next rows belong to, then (setCase) which case of it.
    void setFile(const fs::path& path) {
        goldenPath_ = path.string();
        file_ = path.filename().string();
        golden_ = file_;
        prefix_.clear();
        sha256_.reset();
    }
    void setCase(const std::string& casePrefix) {
        golden_ = file_ + (casePrefix.empty() ? "" : " " + casePrefix);
        prefix_ = casePrefix;
    }

    // Single forward passes: |a - b| <= atol + rtol |b|.
    void elementwise(const std::string& tensor, const at::Tensor& actual,
                     const at::Tensor& expected, goldens::Elementwise rule) {
        const Closeness c = goldens::compareClose(actual, expected, rule.atol, rule.rtol);
        add(tensor, actual, c, format(rule.atol) + " + " + format(rule.rtol) + "|b|", {},
            std::nullopt, shapeNote(actual, expected));
    }
    // Absolute: |a - b| <= bound.
    void absolute(const std::string& tensor, const at::Tensor& actual, const at::Tensor& expected,
                  double bound) {
        add(tensor, actual, goldens::compareClose(actual, expected, bound, 0.0), format(bound), {},
            std::nullopt, shapeNote(actual, expected));
    }
    // Loops: per step, max|a - b| <= rel max|b|; one row for all steps of a tensor.
    void perStepToPeak(const std::string& tensor, const std::vector<at::Tensor>& actual,
                       const at::Tensor& expected, double rel) {
        Closeness all;
        all.ok = actual.size() == static_cast<std::size_t>(expected.size(0));
        double meanSum = 0;
        bool nan = false;
        for (std::size_t k = 0; k < actual.size() && k < static_cast<std::size_t>(expected.size(0));
             ++k) {
            const Closeness c =
                goldens::compareToPeak(actual[k], expected[static_cast<std::int64_t>(k)], rel);
            all.maxAbs = std::max(all.maxAbs, c.maxAbs);
            all.maxExcess = k == 0 ? c.maxExcess : std::max(all.maxExcess, c.maxExcess);
            meanSum += c.meanAbs;
            all.ok = all.ok && c.ok;
            nan = nan || at::isnan(actual[k]).any().item<bool>();
        }
        all.meanAbs = actual.empty() ? 0 : meanSum / static_cast<double>(actual.size());
        std::string label = tensor + " (" + std::to_string(actual.size()) + " of " +
                            std::to_string(expected.size(0)) + " steps)";
        at::Tensor joined = actual.empty() ? at::Tensor() : at::stack(actual);
        add(label, joined, all, format(rel) + " x peak per step", tensor, nan);
    }

    // uint8 pixels (fixture README 12.9): |a - b| <= 1 everywhere, at most 0.5 % off by one.
    void pixels(const std::string& tensor, const at::Tensor& actual, const at::Tensor& expected) {
        const auto p = goldens::comparePixels(actual, expected);
        Closeness c;
        c.ok = p.ok;
        c.maxAbs = p.worst;
        c.meanAbs = p.total ? static_cast<double>(p.offByOne) / static_cast<double>(p.total) : 0;
        add(tensor, at::Tensor(), c, "<= 1 level, <= 0.5 % off by 1", tensor, false,
            "max: worst level; mean: share of pixels off by one");
    }

    void error(const std::string& what) {
        VerifyRow row;
        row.golden = golden_;
        row.tensor = "-";
        row.bound = "-";
        row.verdict = Verdict::Error;
        row.note = what;
        push(row);
    }

  private:
    static std::string shapeNote(const at::Tensor& actual, const at::Tensor& expected) {
        if (actual.sizes() == expected.sizes()) return {};
        return "shape " + c10::str(actual.sizes()) + ", the golden's " + c10::str(expected.sizes());
    }

    void add(const std::string& label, const at::Tensor& actual, const Closeness& c,
             const std::string& fullPrecisionRule, std::string tensorKey = {},
             std::optional<bool> hasNan = std::nullopt, const std::string& about = {}) {
        if (tensorKey.empty()) tensorKey = label;
        VerifyRow row;
        row.note = about;
        row.golden = golden_;
        row.tensor = label;
        row.maxAbs = c.maxAbs;
        row.meanAbs = c.meanAbs;
        const bool nan = hasNan ? *hasNan
                                : (actual.defined() && actual.is_floating_point() &&
                                   at::isnan(actual).any().item<bool>());
        if (fullPrecision()) {
            row.bound = fullPrecisionRule;
            row.verdict = c.ok && !nan ? Verdict::Pass : Verdict::Fail;
            if (!c.ok && !nan && c.maxExcess > 0)
                row.note = "out of tolerance by " + format(c.maxExcess) + "; " + row.note;
        } else if (const auto peer = peerBound(tensorKey)) {
            const double bound = goldens::kBf16ErrorFactor * peer->maxAbs;
            row.bound = format(goldens::kBf16ErrorFactor) + " x peer " + format(peer->maxAbs) +
                        " = " + format(bound);
            row.verdict = c.maxAbs <= bound && !nan ? Verdict::Pass : Verdict::Fail;
            row.note = "peer error from tests/data/bf16_peer_errors.json";
        } else {
            row.bound = "no bound";
            row.verdict = nan ? Verdict::Fail : Verdict::NoBound;
            row.note = s_.dtype == at::kBFloat16
                           ? "no bf16 peer error measured for this golden tensor"
                           : "no measured " + engine::scalarTypeName(s_.dtype) + " bound yet";
        }
        if (nan) row.note = "NaN in the result";
        push(row);
    }

    std::optional<goldens::MeasuredError> peerBound(const std::string& tensor) {
        if (s_.dtype != at::kBFloat16) return std::nullopt;
        const std::string key = "golden/" + file_;
        if (!goldens::peerRecordedSha256(s_.peerErrors, key)) return std::nullopt;
        if (!sha256_) sha256_ = sha256Of(goldenPath_);
        return goldens::peerBf16ErrorOf(s_.peerErrors, key, prefix_ + tensor, *sha256_);
    }

    void push(const VerifyRow& row) {
        out_.rows.push_back(row);
        if (onRow_) onRow_(row);
    }

    const VerifySettings& s_;
    const std::function<void(const VerifyRow&)>& onRow_;
    VerifyOutcome& out_;
    std::string file_, golden_, prefix_, goldenPath_;
    std::optional<std::string> sha256_;
};

at::Tensor toFloatCpu(const at::Tensor& t) {
    return t.detach().to(at::kCPU, at::kFloat);
}

class GoldenRunner {
  public:
    GoldenRunner(const VerifySettings& s, Judge& judge) : s_(s), judge_(judge) {}

    // Float inputs go in the run's dtype, everything to the run's device.
    at::Tensor input(const at::Tensor& t) const {
        return t.is_floating_point() ? t.to(s_.device, s_.dtype) : t.to(s_.device);
    }
    // Timesteps keep their dtype (the models embed them in float32 whatever the run's dtype).
    at::Tensor timestep(const at::Tensor& t) const { return t.to(s_.device); }

    std::string folder(const GoldenFile& g, const std::string& component) const {
        return goldens::componentFolder(s_.fixtures, g.metaText("model"), component);
    }

    void unet(const GoldenFile& g, const std::vector<std::string>& cases) {
        const auto model = engine::loadUNet2DCondition(folder(g, "unet"), s_.dtype, s_.device);
        for (const auto& p : cases) {
            judge_.setCase(p);
            const at::Tensor out =
                model.forward(input(g[p + "sample"]), timestep(g[p + "timestep"]),
                              input(g[p + "encoder_hidden_states"]));
            judge_.elementwise("out", toFloatCpu(out), g[p + "out"], goldens::kSinglePass);
        }
    }

    void transformer(const GoldenFile& g, const std::vector<std::string>& cases) {
        const auto model =
            engine::loadSD3Transformer(folder(g, "transformer"), s_.dtype, s_.device);
        for (const auto& p : cases) {
            judge_.setCase(p);
            const at::Tensor out =
                model.forward(input(g[p + "hidden_states"]), input(g[p + "encoder_hidden_states"]),
                              input(g[p + "pooled_projections"]), timestep(g[p + "timestep"]));
            judge_.elementwise("out", toFloatCpu(out), g[p + "out"], goldens::kSinglePass);
        }
    }

    void vaeDecode(const GoldenFile& g, const std::vector<std::string>& cases) {
        const auto vae = engine::loadAutoencoderKL(folder(g, "vae"), s_.dtype, s_.device);
        for (const auto& p : cases) {
            judge_.setCase(p);
            const at::Tensor image = vae.decode(input(g[p + "latents"]));
            judge_.elementwise("image", toFloatCpu(image), g[p + "image"], goldens::kSinglePass);
        }
    }

    void vaeEncode(const GoldenFile& g, const std::vector<std::string>& cases) {
        const auto vae = engine::loadAutoencoderKL(folder(g, "vae"), s_.dtype, s_.device);
        for (const auto& p : cases) {
            judge_.setCase(p);
            const auto post = vae.encode(input(g[p + "image"]));
            const auto rule = goldens::kSinglePass;
            judge_.elementwise("mean", toFloatCpu(post.mean), g[p + "mean"], rule);
            judge_.elementwise("logvar", toFloatCpu(post.logvar), g[p + "logvar"], rule);
            judge_.elementwise("std", toFloatCpu(post.std), g[p + "std"], rule);
            if (g.has(p + "eps") && g.has(p + "sample"))
                judge_.elementwise("sample", toFloatCpu(post.sample(input(g[p + "eps"]))),
                                   g[p + "sample"], rule);
        }
    }

    // Section 6 of the fixture README: a sampling loop from given prompt embeddings, then
    // the VAE. SD3 (flow matching) when the golden has pooled embeddings, else SD 1.5.
    void loop(const GoldenFile& g) {
        judge_.setCase("");
        const bool sd3 = g.has("pooled_prompt_embeds");
        const nlohmann::json config = engine::parseSchedulerConfig(g.metaText("scheduler_config"));
        auto sched = engine::makeScheduler(goldens::samplerOfSchedulerConfig(config), config);
        const int steps = std::stoi(g.metaText("steps"));
        const double guidance = g["guidance_scale"].item<double>();
        sched->setTimesteps(steps);
        const auto vae = engine::loadAutoencoderKL(folder(g, "vae"), s_.dtype, s_.device);

        at::Tensor latents;
        int begin = 0;
        if (g.has("noised_latents")) {  // img2img from the recorded posterior and noise
            begin = engine::img2imgStartIndex(steps, g["strength"].item<double>(),
                                              sd3 ? engine::Img2ImgStartRule::FractionalSteps
                                                  : engine::Img2ImgStartRule::WholeSteps);
            sched->setBeginIndex(begin);
            const auto post = vae.encode(input(g["init_image"]));
            judge_.elementwise("posterior_mean", toFloatCpu(post.mean), g["posterior_mean"],
                               goldens::kSinglePass);
            judge_.elementwise("init_latents",
                               toFloatCpu(vae.toLatent(post.sample(input(g["posterior_eps"])))),
                               g["init_latents"], goldens::kSinglePass);
            latents = sched->addNoise(input(g["init_latents"]), input(g["noise"]), begin);
        } else {
            latents = input(g["init_noise"]) * sched->initNoiseSigma();
        }

        const at::Tensor embeds = input(at::cat({g["negative_prompt_embeds"], g["prompt_embeds"]}));
        std::vector<at::Tensor> guided, after;
        engine::DenoiseLoop loop;
        loop.scheduler = sched.get();
        loop.beginIndex = begin;
        loop.guidance = guidance;
        loop.observe = [&](int, const at::Tensor& eps, const at::Tensor& x) {
            guided.push_back(toFloatCpu(eps));
            after.push_back(toFloatCpu(x));
        };
        at::Tensor final;
        if (sd3) {
            const auto model =
                engine::loadSD3Transformer(folder(g, "transformer"), s_.dtype, s_.device);
            const at::Tensor pooled =
                input(at::cat({g["negative_pooled_prompt_embeds"], g["pooled_prompt_embeds"]}));
            loop.model = [&](const at::Tensor& x, int i) {
                return model.forward(x.to(s_.dtype), embeds, pooled,
                                     timestep(sched->timesteps()[i].expand({x.size(0)})));
            };
            final = engine::runDenoiseLoop(loop, latents, {});
        } else {
            const auto model = engine::loadUNet2DCondition(folder(g, "unet"), s_.dtype, s_.device);
            loop.model = [&](const at::Tensor& x, int i) {
                return model.forward(x.to(s_.dtype), timestep(sched->timesteps()[i]), embeds);
            };
            final = engine::runDenoiseLoop(loop, latents, {});
        }
        judge_.perStepToPeak("noise_preds", guided, g["noise_preds"], goldens::kLoopRelToPeak);
        judge_.perStepToPeak("step_latents", after, g["step_latents"], goldens::kLoopRelToPeak);
        judge_.perStepToPeak("final_latents", {toFloatCpu(final)}, g["final_latents"].unsqueeze(0),
                             goldens::kLoopRelToPeak);
        // The decoder from the loop's own result: what the user gets.
        const at::Tensor image = toFloatCpu(vae.decode(vae.fromLatent(final)));
        judge_.elementwise("image (from own latents)", image, g["image"], goldens::kSinglePass);
        if (g.has("image01"))
            judge_.absolute("image01", engine::decodedToUnit(image), g["image01"],
                            goldens::kImageAbs);
    }

    // Section 12 of the fixture README: prompt text to pixels through the engine's own
    // pipeline (tokenizers, text encoders, seeded noise, loop, VAE).
    void endToEnd(const GoldenFile& g) {
        judge_.setCase("");
        const bool sd3 = g.metaText("pipeline").find("StableDiffusion3") != std::string::npos;
        const std::string folder = (fs::path(s_.fixtures) / g.metaText("model")).string();
        engine::PipelineOptions options{engine::publicDevice(s_.device),
                                        engine::publicDtype(s_.dtype)};
        options.loadT5 = g.metaText("text_encoder_3").rfind("absent", 0) != 0;
        engine::GenerationRequest req;
        req.prompt = g.metaText("prompt");
        req.negativePrompt = g.metaText("negative_prompt");
        req.seed = std::stoull(g.metaText("seed"));
        req.steps = std::stoi(g.metaText("steps"));
        req.guidance = std::stod(g.metaText("guidance_scale"));
        req.width = std::stoi(g.metaText("width"));
        req.height = std::stoi(g.metaText("height"));
        req.sampler = engine::parseSampler(goldens::samplerOfSchedulerConfig(
            engine::parseSchedulerConfig(g.metaText("scheduler_config"))));
        if (g.has("init_image_uint8")) {
            const at::Tensor hwc = g["init_image_uint8"].contiguous();
            engine::Image init;
            init.height = static_cast<int>(hwc.size(0));
            init.width = static_cast<int>(hwc.size(1));
            init.rgb.assign(hwc.data_ptr<std::uint8_t>(),
                            hwc.data_ptr<std::uint8_t>() + hwc.numel());
            req.initImage = init;
            req.strength = std::stod(g.metaText("strength"));
        }
        if (!g.metaText("lora").empty())
            req.loras.push_back({(fs::path(s_.fixtures) / g.metaText("lora")).string(),
                                 std::stod(g.metaText("lora_scale"))});

        std::map<std::string, at::Tensor> seen;
        engine::PipelineTrace trace;
        trace.record = [&](const std::string& name, const at::Tensor& t) {
            seen[name] = toFloatCpu(t);
        };
        const auto result = sd3 ? engine::Sd3Pipeline::open(folder, options)
                                      ->generate(req, engine::GenerationHooks{}, trace)
                                : engine::Sd15Pipeline::open(folder, options)
                                      ->generate(req, engine::GenerationHooks{}, trace);
        auto saw = [&](const std::string& name) {
            auto it = seen.find(name);
            if (it == seen.end()) throw std::runtime_error("the pipeline recorded no " + name);
            return it->second;
        };
        // SD3's prompt assembly is held to the T5 rule (README-text.md), SD 1.5's CLIP output
        // to the single-pass one, as the tests do.
        const auto embedsRule = sd3 ? goldens::kT5 : goldens::kSinglePass;
        judge_.elementwise("prompt_embeds", saw("prompt_embeds"), g["prompt_embeds"], embedsRule);
        judge_.elementwise("negative_prompt_embeds", saw("negative_prompt_embeds"),
                           g["negative_prompt_embeds"], embedsRule);
        if (sd3)
            judge_.elementwise("pooled_prompt_embeds", saw("pooled_prompt_embeds"),
                               g["pooled_prompt_embeds"], embedsRule);
        if (g.has("image_latents"))
            judge_.elementwise("image_latents", saw("image_latents"), g["image_latents"],
                               goldens::kSinglePass);
        judge_.elementwise("init_latents", saw("init_latents"), g["init_latents"], {1e-5, 1e-5});
        const at::Tensor stepLatents = g["step_latents"];
        std::vector<at::Tensor> steps;
        for (std::int64_t k = 0; k < stepLatents.size(0); ++k)
            if (seen.count("step_latent." + std::to_string(k)))
                steps.push_back(seen.at("step_latent." + std::to_string(k)));
        judge_.perStepToPeak("step_latents", steps, stepLatents, goldens::kLoopRelToPeak);
        judge_.elementwise("vae_input", saw("vae_input"), g["vae_input"], goldens::kSinglePass);
        judge_.absolute("image", saw("image"), g["image"], goldens::kImageAbs);
        if (result.images.size() != 1) throw std::runtime_error("expected one image");
        const engine::Image& img = result.images.front();
        const at::Tensor pixels = at::from_blob(const_cast<std::uint8_t*>(img.rgb.data()),
                                                {1, img.height, img.width, 3}, at::kByte)
                                      .clone();
        judge_.pixels("image_uint8", pixels, g["image_uint8"]);
    }

  private:
    const VerifySettings& s_;
    Judge& judge_;
};

// What kind of golden a file is, from its tensors and metadata.
enum class Kind { EndToEnd, Loop, UNet, Transformer, VaeEncode, VaeDecode, None };

Kind kindOf(const GoldenFile& g, std::vector<std::string>& cases, std::string& whyNot) {
    const bool hasModel = g.meta("model").is_string();
    if (g.has("step_latents") && g.has("prompt_embeds") && g.has("noise_preds")) {
        if (g.has("input_ids") || g.meta("prompt").is_string()) {
            const bool needsT5 =
                g.metaText("pipeline").find("StableDiffusion3") != std::string::npos &&
                g.metaText("text_encoder_3").rfind("absent", 0) != 0;
            if (needsT5 && !engine::T5Tokenizer::supported()) {
                whyNot = "needs T5 tokenization: this build has no SentencePiece";
                return Kind::None;
            }
            return hasModel ? Kind::EndToEnd
                            : (whyNot = "end-to-end golden without a model", Kind::None);
        }
        return hasModel ? Kind::Loop : (whyNot = "loop golden without a model", Kind::None);
    }
    if (g.has("out_base")) {
        whyNot = "LoRA golden: run by the Qt tests (test_lora)";
        return Kind::None;
    }
    if (!hasModel) {
        whyNot =
            "no `model` metadata (scheduler trace, prompt assembly or a model not in the "
            "fixtures)";
        return Kind::None;
    }
    if (!(cases = g.casePrefixes({"sample", "timestep", "encoder_hidden_states", "out"})).empty())
        return Kind::UNet;
    if (!(cases = g.casePrefixes(
              {"hidden_states", "encoder_hidden_states", "pooled_projections", "timestep", "out"}))
             .empty())
        return Kind::Transformer;
    if (!(cases = g.casePrefixes({"image_u8", "image", "mean", "logvar", "std"})).empty())
        return Kind::VaeEncode;
    if (!(cases = g.casePrefixes({"latents", "image"})).empty()) return Kind::VaeDecode;
    whyNot = "text encoder golden or intermediates: run by the Qt tests";
    return Kind::None;
}

// The model components a golden of this kind loads.
std::vector<std::string> componentsOf(Kind kind, const GoldenFile& g) {
    switch (kind) {
        case Kind::EndToEnd:
            return {""};  // the whole pipeline folder
        case Kind::Loop:
            return {g.has("pooled_prompt_embeds") ? "transformer" : "unet", "vae"};
        case Kind::UNet:
            return {"unet"};
        case Kind::Transformer:
            return {"transformer"};
        case Kind::VaeEncode:
        case Kind::VaeDecode:
            return {"vae"};
        case Kind::None:
            break;
    }
    return {};
}

}  // namespace

VerifyOutcome runVerify(const VerifySettings& settings,
                        const std::function<void(const VerifyRow&)>& onRow) {
    VerifyOutcome out;
    c10::InferenceMode inference;
    std::vector<fs::path> files;
    const fs::path goldenDir = fs::path(settings.fixtures) / "golden";
    if (!fs::is_directory(goldenDir))
        throw engine::EngineError(engine::ErrorKind::InvalidRequest,
                                  "no golden/ folder in " + settings.fixtures);
    for (const auto& e : fs::directory_iterator(goldenDir))
        if (e.is_regular_file() && e.path().extension() == ".safetensors" &&
            e.path().filename().string().find(settings.only) != std::string::npos)
            files.push_back(e.path());
    std::sort(files.begin(), files.end());

    Judge judge(settings, onRow, out);
    GoldenRunner runner(settings, judge);
    for (const auto& path : files) {
        const std::string name = path.filename().string();
        judge.setFile(path);
        try {
            const GoldenFile g(path.string());
            std::vector<std::string> cases;
            std::string whyNot;
            const Kind kind = kindOf(g, cases, whyNot);
            if (kind == Kind::None) {
                out.notRun.push_back(name + ": " + whyNot);
                continue;
            }
            // A golden whose model folder is not in this fixture set (a subset copied to a
            // GPU machine) is not run, and says so.
            const fs::path model = fs::path(settings.fixtures) / g.metaText("model");
            const std::string modelText = g.metaText("model");
            if (modelText.find(": ") == std::string::npos && !fs::exists(model)) {
                out.notRun.push_back(name + ": its model " + modelText +
                                     " is not in this fixture folder");
                continue;
            }
            if (settings.listOnly) {
                VerifyOutcome::Needs needs;
                needs.kind = kind == Kind::EndToEnd ? "end-to-end"
                             : kind == Kind::Loop   ? "loop"
                                                    : "component";
                needs.paths.push_back("golden/" + name);
                for (const std::string& component : componentsOf(kind, g))
                    needs.paths.push_back(
                        fs::relative(runner.folder(g, component), settings.fixtures).string());
                if (!g.metaText("lora").empty()) needs.paths.push_back(g.metaText("lora"));
                out.needed.push_back(needs);
                continue;
            }
            switch (kind) {
                case Kind::EndToEnd:
                    runner.endToEnd(g);
                    break;
                case Kind::Loop:
                    runner.loop(g);
                    break;
                case Kind::UNet:
                    runner.unet(g, cases);
                    break;
                case Kind::Transformer:
                    runner.transformer(g, cases);
                    break;
                case Kind::VaeEncode:
                    runner.vaeEncode(g, cases);
                    break;
                case Kind::VaeDecode:
                    runner.vaeDecode(g, cases);
                    break;
                case Kind::None:
                    break;
            }
        } catch (const engine::EngineError& e) {
            judge.error(std::string(engine::errorKindName(e.kind())) + ": " + e.what());
        } catch (const std::exception& e) {
            judge.error(e.what());
        }
    }
    return out;
}

}  // namespace archival::bench
