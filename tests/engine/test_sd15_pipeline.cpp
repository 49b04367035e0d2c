// Stable Diffusion 1.5 end to end against the reference:
//  - the loop goldens (golden/sd15_*: given prompt embeddings, the sampling loop and the VAE),
//  - the end-to-end goldens (golden/e2e_sd15_*: prompt text → tokens → CLIP → seeded noise →
//    loop → VAE → uint8 pixels), with LoRA and image-to-image.
// Tolerances from fixture README sections 9 and 12.9.
#include <QDirIterator>
#include <QtTest>

#include "engine/errors.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/models/unet2d_condition.h"
#include "engine/pipelines/denoise_loop.h"
#include "engine/pipelines/image_tensors.h"
#include "engine/pipelines/sd15_pipeline.h"
#include "engine/runtime/device.h"
#include "engine/schedulers/scheduler_config.h"
#include "engine/schedulers/scheduler_factory.h"
#include "engine/util/json_file.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;
using archival::test::Golden;
using archival::test::kImageAbs;
using archival::test::kLoopRelToPeak;
using archival::test::kScheduleRel;
using archival::test::kSinglePass;
using archival::test::kT5;

namespace {

Image imageFromHwc(const at::Tensor& hwc) {
    Image img;
    img.height = static_cast<int>(hwc.size(0));
    img.width = static_cast<int>(hwc.size(1));
    const at::Tensor c = hwc.contiguous();
    img.rgb.assign(c.data_ptr<std::uint8_t>(), c.data_ptr<std::uint8_t>() + c.numel());
    return img;
}

}  // namespace

class TestSd15Pipeline : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    // Section 6: sampling loops from given embeddings on models/sd15-tiny (and the linear-
    // projection UNet for the DPM++ loop).
    void loopGoldens() {
        const QStringList files = archival::test::goldenFiles("sd15_*.safetensors");
        int ran = 0;
        for (const QString& file : files) {
            const Golden g(file);
            if (!g.has("step_latents") || !g.has("prompt_embeds")) continue;
            const std::string fx = archival::test::fixturesDir().toStdString() + "/";
            // "models/sd15-tiny", or "unet: models/x, vae: models/y" when the loop mixes folders.
            const std::string model = archival::test::metaText(g, "model");
            std::string unetFolder = fx + model + "/unet", vaeFolder = fx + model + "/vae";
            if (model.rfind("unet: ", 0) == 0) {
                const auto comma = model.find(", vae: ");
                unetFolder = fx + model.substr(6, comma - 6) + "/unet";
                vaeFolder = fx + model.substr(comma + 7) + "/vae";
            }
            const auto unet = loadUNet2DCondition(unetFolder, at::kFloat, at::kCPU);
            const auto vae = loadAutoencoderKL(vaeFolder, at::kFloat, at::kCPU);
            const nlohmann::json config =
                parseSchedulerConfig(archival::test::metaText(g, "scheduler_config"));
            auto sched = makeScheduler(archival::goldens::samplerOfSchedulerConfig(config), config);
            const int steps = std::stoi(archival::test::metaText(g, "steps"));
            const double guidance = g["guidance_scale"].item<double>();
            sched->setTimesteps(steps);

            at::Tensor latents;
            int begin = 0;
            if (g.has("noised_latents")) {  // img2img from the recorded posterior and noise
                const double strength = g["strength"].item<double>();
                begin = img2imgStartIndex(steps, strength, Img2ImgStartRule::WholeSteps);
                sched->setBeginIndex(begin);
                const auto post = vae.encode(g["init_image"]);
                ARCHIVAL_EXPECT_CLOSE(post.mean, g["posterior_mean"], kSinglePass.atol,
                                      kSinglePass.rtol);
                ARCHIVAL_EXPECT_CLOSE(post.std, g["posterior_std"], kSinglePass.atol,
                                      kSinglePass.rtol);
                const at::Tensor init = vae.toLatent(post.sample(g["posterior_eps"]));
                ARCHIVAL_EXPECT_CLOSE(init, g["init_latents"], kSinglePass.atol, kSinglePass.rtol);
                latents = sched->addNoise(g["init_latents"], g["noise"], begin);
                ARCHIVAL_EXPECT_CLOSE(latents, g["noised_latents"], 1e-5, 1e-5);
                QVERIFY(at::equal(sched->timesteps().slice(0, begin), g["timesteps"]));
            } else {
                QVERIFY(at::equal(sched->timesteps(), g["timesteps"]));
                latents = g["init_noise"] * sched->initNoiseSigma();
            }
            const at::Tensor embeds = at::cat({g["negative_prompt_embeds"], g["prompt_embeds"]});
            const at::Tensor stepLatents = g["step_latents"];
            DenoiseLoop loop;
            loop.scheduler = sched.get();
            loop.beginIndex = begin;
            loop.guidance = guidance;
            loop.model = [&](const at::Tensor& x, int i) {
                return unet.forward(x, sched->timesteps()[i], embeds);
            };
            int checked = 0;
            loop.observe = archival::test::loopStepChecker(g, begin, file, &checked);
            const at::Tensor final = runDenoiseLoop(loop, latents, {});
            QCOMPARE(checked, static_cast<int>(stepLatents.size(0)));
            archival::test::expectCloseToPeak(final, g["final_latents"], kLoopRelToPeak,
                                              file + " final_latents");
            const at::Tensor image = vae.decode(vae.fromLatent(g["final_latents"]));
            ARCHIVAL_EXPECT_CLOSE(image, g["image"], kSinglePass.atol, kSinglePass.rtol);
            ARCHIVAL_EXPECT_CLOSE(decodedToUnit(image), g["image01"], kImageAbs, 0.0);
            archival::test::expectPixelsClose(unitToUint8(decodedToUnit(g["image"])), g["image_u8"],
                                              file + " image_u8");
            ++ran;
        }
        QVERIFY2(ran > 0, "no SD 1.5 loop goldens found");
    }

    // Section 12.5: the seeded CPU noise matches one of the reference's kernel builds exactly.
    void seededNoiseMatchesTheReference() {
        int ran = 0;
        for (const QString& file : archival::test::goldenFiles("e2e_sd15_*.safetensors")) {
            const Golden g(file);
            const at::Tensor ref = g["torch_randn_seed_check"],
                             alt = g["torch_randn_seed_check_cpu_default"];
            at::Generator gen = cpuGenerator(std::stoull(archival::test::metaText(g, "seed")));
            const at::Tensor ours = seededNoise(ref.sizes(), gen, at::kCPU, at::kFloat);
            QVERIFY2(
                at::equal(ours, ref) || at::equal(ours, alt),
                qPrintable(file + ": the CPU generator's noise matches neither reference kernel"));
            ++ran;
        }
        QVERIFY(ran > 0);
    }

    // Section 12.9: the full run from the prompt strings.
    void endToEndGoldens() {
        const QStringList files = archival::test::goldenFiles("e2e_sd15_*.safetensors");
        QVERIFY2(!files.isEmpty(), "no SD 1.5 end-to-end goldens found");
        for (const QString& file : files) {
            const Golden g(file);
            const std::string fx = archival::test::fixturesDir().toStdString() + "/";
            auto pipe = Sd15Pipeline::open(fx + archival::test::metaText(g, "model"),
                                           PipelineOptions{Device::cpu(), Dtype::Fp32});

            GenerationRequest req = archival::test::requestFromGolden(g);
            req.sampler = parseSampler(archival::goldens::samplerOfSchedulerConfig(
                parseSchedulerConfig(archival::test::metaText(g, "scheduler_config"))));
            Image init;
            if (g.has("init_image_uint8")) {
                init = imageFromHwc(g["init_image_uint8"]);
                req.initImage = init;
                req.strength = std::stod(archival::test::metaText(g, "strength"));
            }
            if (!archival::test::metaText(g, "lora").empty())
                req.loras.push_back({fx + archival::test::metaText(g, "lora"),
                                     std::stod(archival::test::metaText(g, "lora_scale"))});

            // Tokenizer ids exactly.
            QVERIFY(at::equal(
                at::tensor(pipe->tokenizer().encode(req.prompt).ids, at::kLong).unsqueeze(0),
                g["input_ids"]));
            QVERIFY(
                at::equal(at::tensor(pipe->tokenizer().encode(req.negativePrompt).ids, at::kLong)
                              .unsqueeze(0),
                          g["uncond_input_ids"]));

            std::map<std::string, at::Tensor> seen;
            Sd15Trace trace;
            trace.record = [&](const std::string& name, const at::Tensor& t) {
                seen[name] = t.detach().clone();
            };
            int stepsSeen = 0, previews = 0;
            GenerationHooks hooks;
            hooks.onStep = [&](const StepProgress& p) {
                ++stepsSeen;
                previews += !p.preview.empty() && p.preview.width == req.width / 8 &&
                            p.preview.height == req.height / 8;
            };
            const auto result = pipe->generate(req, hooks, trace);

            ARCHIVAL_EXPECT_CLOSE(seen.at("prompt_embeds"), g["prompt_embeds"], kSinglePass.atol,
                                  kSinglePass.rtol);
            ARCHIVAL_EXPECT_CLOSE(seen.at("negative_prompt_embeds"), g["negative_prompt_embeds"],
                                  kSinglePass.atol, kSinglePass.rtol);
            if (g.has("posterior_mean")) {
                ARCHIVAL_EXPECT_CLOSE(seen.at("init_image"), g["init_image"], 1e-6, 0.0);
                ARCHIVAL_EXPECT_CLOSE(seen.at("image_latents"), g["image_latents"],
                                      kSinglePass.atol, kSinglePass.rtol);
            }
            ARCHIVAL_EXPECT_CLOSE(seen.at("init_latents"), g["init_latents"], 1e-5, 1e-5);
            const at::Tensor stepLatents = g["step_latents"];
            QCOMPARE(stepsSeen, static_cast<int>(stepLatents.size(0)));
            QCOMPARE(previews, stepsSeen);
            for (int k = 0; k < stepLatents.size(0); ++k)
                archival::test::expectCloseToPeak(seen.at("step_latent." + std::to_string(k)),
                                                  stepLatents[k], kLoopRelToPeak,
                                                  QStringLiteral("%1 step %2").arg(file).arg(k));
            ARCHIVAL_EXPECT_CLOSE(seen.at("vae_input"), g["vae_input"], kSinglePass.atol,
                                  kSinglePass.rtol);
            ARCHIVAL_EXPECT_CLOSE(seen.at("image"), g["image"], kImageAbs, 0.0);
            QCOMPARE(result.images.size(), size_t(1));
            const Image& img = result.images.front();
            const at::Tensor pixels = at::from_blob(const_cast<std::uint8_t*>(img.rgb.data()),
                                                    {1, img.height, img.width, 3}, at::kByte);
            archival::test::expectPixelsClose(pixels, g["image_uint8"], file + " image_uint8");
            qInfo("%s: %.2f s (text %.3f, denoise %.2f, decode %.3f)",
                  qPrintable(QFileInfo(file).fileName()), result.timings.totalSeconds,
                  result.timings.textEncodeSeconds, result.timings.denoiseSeconds,
                  result.timings.decodeSeconds);
        }
    }

    void sameSeedSameImageAndBatches() {
        const std::string folder =
            archival::test::fixturesDir().toStdString() + "/models/sd15-tiny-pipe";
        auto pipe = Sd15Pipeline::open(folder, PipelineOptions{Device::cpu(), Dtype::Fp32});
        GenerationRequest req;
        req.prompt = "painting of singapore";
        req.width = 64;
        req.height = 48;
        req.steps = 4;
        req.seed = 77;
        // The latents after every step, to compare passes of different sizes.
        std::map<std::string, at::Tensor> singleSteps, batchSteps;
        auto recordInto = [](std::map<std::string, at::Tensor>& into) {
            Sd15Trace trace;
            trace.record = [&into](const std::string& name, const at::Tensor& t) {
                if (name.rfind("step_latent.", 0) == 0) into[name] = t.detach().clone();
            };
            return trace;
        };
        const auto a = pipe->generate(req, {}, recordInto(singleSteps));
        const auto b = pipe->generate(req, {});
        QCOMPARE(a.images.front().rgb, b.images.front().rgb);
        req.batch = 3;
        const auto batch = pipe->generate(req, {}, recordInto(batchSteps));
        QCOMPARE(batch.images.size(), size_t(3));
        // What the engine guarantees: the same request in the same pass size gives the same
        // pixels. The batch queue's promise (a set made again has the same pixels) rests on
        // this alone: it runs a set as one pass of the same size (exactBatch).
        const auto again = pipe->generate(req, {});
        for (std::size_t i = 0; i < batch.images.size(); ++i)
            QCOMPARE(again.images[i].rgb, batch.images[i].rgb);
        QVERIFY(batch.images[1].rgb != batch.images[0].rgb);
        // Another pass size: one generator draws [B, ...] and its first slice is the single
        // image's noise, but the float results depend on the batch shape (other kernels,
        // other summation orders), so the first image equals the single one only within the
        // loop tolerance (fixture README 12.9: pixels off by at most one level).
        QCOMPARE(batchSteps.size(), singleSteps.size());
        QVERIFY(!singleSteps.empty());
        for (const auto& [name, single] : singleSteps)
            archival::test::expectCloseToPeak(
                batchSteps.at(name).narrow(0, 0, 1), single, kLoopRelToPeak,
                QString::fromStdString(name) + " of the first image of a batch of 3");
        const Image& first = batch.images.front();
        const Image& single = a.images.front();
        QCOMPARE(first.width, single.width);
        QCOMPARE(first.height, single.height);
        const auto pixels = [](const Image& img) {
            return at::from_blob(const_cast<std::uint8_t*>(img.rgb.data()),
                                 {1, img.height, img.width, 3}, at::kByte);
        };
        archival::test::expectPixelsClose(pixels(first), pixels(single),
                                          "first image of a batch of 3 vs a batch of 1");
    }

    void cancellationStopsWithinAStep() {
        const std::string folder =
            archival::test::fixturesDir().toStdString() + "/models/sd15-tiny-pipe";
        auto pipe = Sd15Pipeline::open(folder, PipelineOptions{Device::cpu(), Dtype::Fp32});
        GenerationRequest req;
        req.prompt = "x";
        req.width = req.height = 64;
        req.steps = 10;
        CancellationToken token;
        int steps = 0;
        GenerationHooks hooks;
        hooks.cancel = &token;
        hooks.onStep = [&](const StepProgress& p) {
            steps = p.step;
            if (p.step == 3) token.cancel();
        };
        try {
            pipe->generate(req, hooks);
            QFAIL("a cancelled job finished");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::Interrupted);
        }
        QCOMPARE(steps, 3);
        // Cancelled during the last step: stopped all the same, never decoded.
        CancellationToken late;
        hooks.cancel = &late;
        hooks.onStep = [&](const StepProgress& p) {
            if (p.step == p.total) late.cancel();
        };
        QVERIFY_THROWS_EXCEPTION(EngineError, pipe->generate(req, hooks));
    }

    void badRequestsAreTyped() {
        const std::string folder =
            archival::test::fixturesDir().toStdString() + "/models/sd15-tiny-pipe";
        auto pipe = Sd15Pipeline::open(folder, PipelineOptions{Device::cpu(), Dtype::Fp32});
        auto expectInvalid = [&](GenerationRequest r) {
            try {
                pipe->generate(r, {});
                QFAIL("an invalid request ran");
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
            }
        };
        GenerationRequest r;
        r.prompt = "x";
        r.steps = 2;
        r.width = 60;
        r.height = 64;
        expectInvalid(r);
        r.width = 64;
        Image empty;
        r.initImage = empty;
        expectInvalid(r);  // empty init image
        Image tiny{8, 8, std::vector<std::uint8_t>(8 * 8 * 3, 128)};
        r.initImage = tiny;
        r.strength = 1.5;
        expectInvalid(r);
        r.strength = 0.0;
        expectInvalid(r);
        r.initImage.reset();
        r.sampler = Sampler::FlowMatchEuler;  // a sampler of the other family
        expectInvalid(r);
        QVERIFY_THROWS_EXCEPTION(EngineError, parseSampler("no-such-sampler"));
    }
};

QTEST_GUILESS_MAIN(TestSd15Pipeline)
#include "test_sd15_pipeline.moc"
