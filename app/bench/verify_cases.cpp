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
#include "engine/runtime/device.h"
#include "engine/schedulers/scheduler.h"
#include "engine/schedulers/scheduler_config.h"
#include "engine/schedulers/scheduler_factory.h"
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
        add(tensor, actual, c, format(rule.atol) + " + " + format(rule.rtol) + "|b|");
    }
    // Absolute: |a - b| <= bound.
    void absolute(const std::string& tensor, const at::Tensor& actual, const at::Tensor& expected,
                  double bound) {
        add(tensor, actual, goldens::compareClose(actual, expected, bound, 0.0), format(bound));
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
    void add(const std::string& label, const at::Tensor& actual, const Closeness& c,
             const std::string& fullPrecisionRule, std::string tensorKey = {},
             std::optional<bool> hasNan = std::nullopt) {
        if (tensorKey.empty()) tensorKey = label;
        VerifyRow row;
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
                row.note = "out of tolerance by " + format(c.maxExcess);
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

  private:
    const VerifySettings& s_;
    Judge& judge_;
};

// What kind of golden a file is, from its tensors and metadata.
enum class Kind { Loop, UNet, Transformer, VaeEncode, VaeDecode, None };

Kind kindOf(const GoldenFile& g, std::vector<std::string>& cases, std::string& whyNot) {
    const bool hasModel = g.meta("model").is_string();
    if (g.has("step_latents") && g.has("prompt_embeds") && g.has("noise_preds")) {
        if (!g.has("init_noise") && !g.has("noised_latents")) {
            whyNot = "end-to-end golden (prompt text, text encoders): run by the Qt tests";
            return Kind::None;
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
                auto need = [&](const std::string& p) {
                    if (std::find(out.needed.begin(), out.needed.end(), p) == out.needed.end())
                        out.needed.push_back(p);
                };
                need("golden/" + name);
                for (const std::string& component : componentsOf(kind, g))
                    need(fs::relative(runner.folder(g, component), settings.fixtures).string());
                continue;
            }
            switch (kind) {
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
