// Stable Diffusion 3 end to end against the reference:
//  - prompt assembly (golden/sd3_prompt_assembly),
//  - the loop goldens (golden/sd3_txt2img, sd3_img2img: given embeddings),
//  - the end-to-end goldens (golden/e2e_sd3_*: prompt text → three encoders → seeded noise →
//    flow matching → VAE → uint8), with and without T5.
// Tolerances from fixture README sections 9 and 12.9 and README-text.md (assembly: atol 2e-4,
// rtol 1e-3).
#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/errors.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/models/sd3_transformer.h"
#include "engine/pipelines/denoise_loop.h"
#include "engine/pipelines/image_tensors.h"
#include "engine/pipelines/sd3_pipeline.h"
#include "engine/runtime/device.h"
#include "engine/schedulers/scheduler_config.h"
#include "engine/schedulers/scheduler_factory.h"
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

// The folder of the first end-to-end SD3 golden: a complete pipeline with all three encoders.
std::string sd3PipeFolder() {
    for (const QString& f : archival::test::goldenFiles("e2e_sd3_*.safetensors")) {
        const Golden g(f);
        return archival::test::fixturesDir().toStdString() + "/" +
               archival::test::metaText(g, "model");
    }
    return {};
}

}  // namespace

class TestSd3Pipeline : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void promptAssembly() {
        const QStringList files = archival::test::goldenFiles("sd3_prompt_assembly*.safetensors");
        QVERIFY2(!files.isEmpty(), "no prompt assembly golden");
        const std::string folder = sd3PipeFolder();
        QVERIFY(!folder.empty());
        auto pipe = Sd3Pipeline::open(folder, PipelineOptions{Device::cpu(), Dtype::Fp32});
        for (const QString& file : files) {
            const Golden g(file);
            const auto prompts = nlohmann::json::parse(archival::test::metaText(g, "prompts"));
            const std::string negative = archival::test::metaText(g, "negative_prompt");
            for (std::size_t i = 0; i < prompts.size(); ++i) {
                std::map<std::string, at::Tensor> seen;
                Sd3Trace trace;
                trace.record = [&](const std::string& n, const at::Tensor& t) {
                    seen[n] = t.clone();
                };
                const auto pos =
                    pipe->encodePrompt(prompts[i].get<std::string>(), nullptr, false, trace);
                const auto neg = pipe->encodePrompt(negative, nullptr, true, trace);
                const auto row = static_cast<std::int64_t>(i);
                for (const char* ids : {"clip_l_input_ids", "clip_g_input_ids", "t5_input_ids"}) {
                    QVERIFY2(at::equal(seen.at(ids)[0], g[ids][row]), ids);
                    QVERIFY2(at::equal(seen.at(std::string("negative_") + ids)[0],
                                       g[std::string("negative_") + ids][row]),
                             ids);
                }
                ARCHIVAL_EXPECT_CLOSE(pos.embeds[0], g["prompt_embeds"][row], kT5.atol, kT5.rtol);
                ARCHIVAL_EXPECT_CLOSE(pos.pooled[0], g["pooled_prompt_embeds"][row], kT5.atol,
                                      kT5.rtol);
                ARCHIVAL_EXPECT_CLOSE(neg.embeds[0], g["negative_prompt_embeds"][row], kT5.atol,
                                      kT5.rtol);
                ARCHIVAL_EXPECT_CLOSE(neg.pooled[0], g["negative_pooled_prompt_embeds"][row],
                                      kT5.atol, kT5.rtol);
            }
        }
    }

    void loopGoldens() {
        int ran = 0;
        for (const QString& file : archival::test::goldenFiles("sd3_*.safetensors")) {
            const Golden g(file);
            if (!g.has("step_latents") || !g.has("prompt_embeds")) continue;
            const std::string fx = archival::test::fixturesDir().toStdString() + "/";
            const std::string model = fx + archival::test::metaText(g, "model");
            const auto transformer =
                loadSD3Transformer(model + "/transformer", at::kFloat, at::kCPU);
            const auto vae = loadAutoencoderKL(model + "/vae", at::kFloat, at::kCPU);
            auto sched = makeScheduler(
                "flowmatch_euler",
                parseSchedulerConfig(archival::test::metaText(g, "scheduler_config")));
            const int steps = std::stoi(archival::test::metaText(g, "steps"));
            const double guidance = g["guidance_scale"].item<double>();
            sched->setTimesteps(steps);
            at::Tensor latents;
            int begin = 0;
            if (g.has("noised_latents")) {
                begin = img2imgStartIndex(steps, g["strength"].item<double>(),
                                          Img2ImgStartRule::FractionalSteps);
                sched->setBeginIndex(begin);
                const auto post = vae.encode(g["init_image"]);
                ARCHIVAL_EXPECT_CLOSE(post.mean, g["posterior_mean"], kSinglePass.atol,
                                      kSinglePass.rtol);
                ARCHIVAL_EXPECT_CLOSE(vae.toLatent(post.sample(g["posterior_eps"])),
                                      g["init_latents"], kSinglePass.atol, kSinglePass.rtol);
                latents = sched->addNoise(g["init_latents"], g["noise"], begin);
                ARCHIVAL_EXPECT_CLOSE(latents, g["noised_latents"], 1e-5, 1e-5);
            } else {
                latents = g["init_noise"];
                ARCHIVAL_EXPECT_CLOSE(sched->sigmas(), g["sigmas"], 0.0, kScheduleRel);
            }
            ARCHIVAL_EXPECT_CLOSE(sched->timesteps().slice(0, begin), g["timesteps"], 0.0,
                                  kScheduleRel);
            const at::Tensor embeds = at::cat({g["negative_prompt_embeds"], g["prompt_embeds"]});
            const at::Tensor pooled =
                at::cat({g["negative_pooled_prompt_embeds"], g["pooled_prompt_embeds"]});
            const at::Tensor stepLatents = g["step_latents"];
            DenoiseLoop loop;
            loop.scheduler = sched.get();
            loop.beginIndex = begin;
            loop.guidance = guidance;
            loop.model = [&](const at::Tensor& x, int i) {
                return transformer.forward(x, embeds, pooled,
                                           sched->timesteps()[i].expand({x.size(0)}));
            };
            int checked = 0;
            loop.observe = archival::test::loopStepChecker(g, begin, file, &checked);
            const at::Tensor final = runDenoiseLoop(loop, latents, {});
            QCOMPARE(checked, static_cast<int>(stepLatents.size(0)));
            archival::test::expectCloseToPeak(final, g["final_latents"], kLoopRelToPeak,
                                              file + " final_latents");
            const at::Tensor image = vae.decode(vae.fromLatent(g["final_latents"]));
            ARCHIVAL_EXPECT_CLOSE(image, g["image"], kSinglePass.atol, kSinglePass.rtol);
            archival::test::expectPixelsClose(unitToUint8(decodedToUnit(g["image"])), g["image_u8"],
                                              file + " image_u8");
            ++ran;
        }
        QVERIFY2(ran > 0, "no SD3 loop goldens found");
    }

    void endToEndGoldens() {
        const QStringList files = archival::test::goldenFiles("e2e_sd3_*.safetensors");
        QVERIFY2(!files.isEmpty(), "no SD3 end-to-end goldens found");
        for (const QString& file : files) {
            const Golden g(file);
            const std::string fx = archival::test::fixturesDir().toStdString() + "/";
            PipelineOptions options{Device::cpu(), Dtype::Fp32};
            options.loadT5 = archival::test::metaText(g, "text_encoder_3").rfind("absent", 0) != 0;
            auto pipe = Sd3Pipeline::open(fx + archival::test::metaText(g, "model"), options);
            QCOMPARE(pipe->hasT5(), options.loadT5);

            GenerationRequest req = archival::test::requestFromGolden(g);

            std::map<std::string, at::Tensor> seen;
            Sd3Trace trace;
            trace.record = [&](const std::string& name, const at::Tensor& t) {
                seen[name] = t.detach().clone();
            };
            int stepsSeen = 0;
            GenerationHooks hooks;
            hooks.onStep = [&](const StepProgress& p) {
                stepsSeen += !p.preview.empty() && p.preview.width == req.width / 8 ? 1 : 0;
            };
            const auto result = pipe->generate(req, hooks, trace);

            int idTensors = 0, encoderOutputs = 0;
            for (const auto& [name, entry] : g.checkpoint().entries()) {
                if (name.find("input_ids") == std::string::npos) continue;
                QVERIFY2(at::equal(seen.at(name), g[name]), name.c_str());
                ++idTensors;
            }
            QVERIFY2(idTensors > 0, qPrintable(file + ": no *input_ids tensor"));
            for (const char* name :
                 {"clip_l_hidden_states_penultimate", "clip_g_hidden_states_penultimate",
                  "clip_l_text_embeds", "clip_g_text_embeds", "t5_last_hidden_state"}) {
                for (const std::string prefix : {"", "negative_"}) {
                    if (!g.has(prefix + name)) continue;  // e.g. no T5 in a no-T5 run
                    ARCHIVAL_EXPECT_CLOSE(seen.at(prefix + name), g[prefix + name], kT5.atol,
                                          kT5.rtol);
                    ++encoderOutputs;
                }
            }
            QVERIFY2(encoderOutputs > 0,
                     qPrintable(file + ": no per-encoder tensor (clip_l_*, clip_g_*, t5_*)"));
            ARCHIVAL_EXPECT_CLOSE(seen.at("prompt_embeds"), g["prompt_embeds"], kT5.atol, kT5.rtol);
            ARCHIVAL_EXPECT_CLOSE(seen.at("pooled_prompt_embeds"), g["pooled_prompt_embeds"],
                                  kT5.atol, kT5.rtol);
            ARCHIVAL_EXPECT_CLOSE(seen.at("negative_prompt_embeds"), g["negative_prompt_embeds"],
                                  kT5.atol, kT5.rtol);
            if (!options.loadT5) {
                // The T5 block of the conditioning is exactly zero.
                const at::Tensor t5Part = seen.at("prompt_embeds").slice(1, 77);
                QVERIFY(t5Part.numel() > 0 && t5Part.abs().max().item<double>() == 0.0);
            }
            const at::Tensor ref = g["torch_randn_seed_check"],
                             alt = g["torch_randn_seed_check_cpu_default"];
            QVERIFY2(
                at::equal(seen.at("init_latents"), ref) || at::equal(seen.at("init_latents"), alt),
                "the seeded noise matches neither reference kernel");
            const at::Tensor stepLatents = g["step_latents"];
            QCOMPARE(stepsSeen, static_cast<int>(stepLatents.size(0)));
            for (int k = 0; k < stepLatents.size(0); ++k)
                archival::test::expectCloseToPeak(seen.at("step_latent." + std::to_string(k)),
                                                  stepLatents[k], kLoopRelToPeak,
                                                  QStringLiteral("%1 step %2").arg(file).arg(k));
            ARCHIVAL_EXPECT_CLOSE(seen.at("vae_input"), g["vae_input"], kSinglePass.atol,
                                  kSinglePass.rtol);
            ARCHIVAL_EXPECT_CLOSE(seen.at("image"), g["image"], kImageAbs, 0.0);
            const Image& img = result.images.front();
            const at::Tensor pixels = at::from_blob(const_cast<std::uint8_t*>(img.rgb.data()),
                                                    {1, img.height, img.width, 3}, at::kByte);
            archival::test::expectPixelsClose(pixels, g["image_uint8"], file + " image_uint8");
            if (!options.loadT5) QVERIFY(!result.warnings.empty());
        }
    }

    // Releasing the text encoders after encoding frees their weights between jobs and
    // changes nothing in the pictures.
    void releasedTextEncodersReloadPerJob() {
        PipelineOptions keep{Device::cpu(), Dtype::Fp32};
        PipelineOptions release = keep;
        release.releaseTextEncoders = true;
        auto a = Sd3Pipeline::open(sd3PipeFolder(), keep);
        auto b = Sd3Pipeline::open(sd3PipeFolder(), release);
        auto names = [](const std::vector<ResidentComponent>& cs) {
            QStringList out;
            for (const auto& c : cs) {
                out << QString::fromStdString(c.name);
                if (c.bytes == 0) out << "(no size)";
            }
            return out;
        };
        QCOMPARE(names(a->residentComponents()),
                 (QStringList{"text_encoder", "text_encoder_2", "text_encoder_3", "transformer",
                              "vae"}));
        QCOMPARE(names(b->residentComponents()), (QStringList{"transformer", "vae"}));
        QVERIFY(b->parameterBytes() < a->parameterBytes());
        GenerationRequest req;
        req.prompt = "painting of singapore";
        req.width = 64;
        req.height = 48;
        req.steps = 2;
        req.seed = 5;
        const auto first = b->generate(req, {});
        QCOMPARE(names(b->residentComponents()), (QStringList{"transformer", "vae"}));
        const auto second = b->generate(req, {});
        const auto reference = a->generate(req, {});
        QCOMPARE(first.images.front().rgb, reference.images.front().rgb);
        QCOMPARE(second.images.front().rgb, reference.images.front().rgb);
    }

    // kohya names SD3 modules by the original MMDiT layout and fuses q/k/v: a kohya file and
    // the PEFT file it is equivalent to (PEFT merging is checked against the reference in
    // test_lora) must give the same picture.
    void kohyaSd3LoraEqualsItsPeftTwin() {
        const std::string folder = sd3PipeFolder();
        const auto config = SD3TransformerConfig::fromFile(folder + "/transformer/config.json");
        const std::int64_t d = config.innerDim(), r = 2;
        at::manual_seed(3);
        auto rnd = [](std::int64_t a, std::int64_t b) { return at::randn({a, b}) * 0.5; };
        const at::Tensor qkvDown = rnd(r, d), qkvUp = rnd(3 * d, r);
        const at::Tensor projDown = rnd(r, d), projUp = rnd(d, r);
        const at::Tensor fcDown = rnd(r, d), fcUp = rnd(4 * d, r);
        const at::Tensor alpha = at::tensor(static_cast<float>(r));  // multiplier 1, as PEFT's
        QTemporaryDir dir;
        const QString kohya = dir.filePath("kohya.safetensors"),
                      peft = dir.filePath("peft.safetensors");
        archival::test::writeSafetensors(
            kohya,
            std::vector<std::pair<std::string, at::Tensor>>{
                {"lora_unet_joint_blocks_0_x_block_attn_qkv.lora_down.weight", qkvDown},
                {"lora_unet_joint_blocks_0_x_block_attn_qkv.lora_up.weight", qkvUp},
                {"lora_unet_joint_blocks_0_x_block_attn_qkv.alpha", alpha},
                {"lora_unet_joint_blocks_0_context_block_attn_proj.lora_down.weight", projDown},
                {"lora_unet_joint_blocks_0_context_block_attn_proj.lora_up.weight", projUp},
                {"lora_unet_joint_blocks_0_context_block_attn_proj.alpha", alpha},
                {"lora_unet_joint_blocks_1_x_block_mlp_fc1.lora_down.weight", fcDown},
                {"lora_unet_joint_blocks_1_x_block_mlp_fc1.lora_up.weight", fcUp},
                {"lora_unet_joint_blocks_1_x_block_mlp_fc1.alpha", alpha}});
        const std::string a = "transformer.transformer_blocks.0.attn.";
        archival::test::writeSafetensors(
            peft, std::vector<std::pair<std::string, at::Tensor>>{
                      {a + "to_q.lora_A.weight", qkvDown},
                      {a + "to_q.lora_B.weight", qkvUp.slice(0, 0, d)},
                      {a + "to_k.lora_A.weight", qkvDown},
                      {a + "to_k.lora_B.weight", qkvUp.slice(0, d, 2 * d)},
                      {a + "to_v.lora_A.weight", qkvDown},
                      {a + "to_v.lora_B.weight", qkvUp.slice(0, 2 * d, 3 * d)},
                      {a + "to_add_out.lora_A.weight", projDown},
                      {a + "to_add_out.lora_B.weight", projUp},
                      {"transformer.transformer_blocks.1.ff.net.0.proj.lora_A.weight", fcDown},
                      {"transformer.transformer_blocks.1.ff.net.0.proj.lora_B.weight", fcUp}});

        auto pipe = Sd3Pipeline::open(folder, PipelineOptions{Device::cpu(), Dtype::Fp32});
        GenerationRequest req;
        req.prompt = "painting of singapore";
        req.width = 64;
        req.height = 48;
        req.steps = 2;
        req.seed = 11;
        const auto plain = pipe->generate(req, {});
        req.loras = {{kohya.toStdString(), 0.7}};
        const auto withKohya = pipe->generate(req, {});
        QVERIFY(withKohya.warnings.empty());
        req.loras = {{peft.toStdString(), 0.7}};
        const auto withPeft = pipe->generate(req, {});
        QVERIFY(withKohya.images.front().rgb != plain.images.front().rgb);
        QCOMPARE(withKohya.images.front().rgb, withPeft.images.front().rgb);
        req.loras.clear();
        QCOMPARE(pipe->generate(req, {}).images.front().rgb,
                 plain.images.front().rgb);  // removed exactly
    }

    void cancellationInsideAStepAndTypedErrors() {
        auto pipe = Sd3Pipeline::open(sd3PipeFolder(), PipelineOptions{Device::cpu(), Dtype::Fp32});
        GenerationRequest req;
        req.prompt = "x";
        req.width = 64;
        req.height = 48;
        req.steps = 3;
        CancellationToken token;
        token.cancel();
        GenerationHooks hooks;
        hooks.cancel = &token;
        try {
            pipe->generate(req, hooks);
            QFAIL("a cancelled job ran");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::Interrupted);
        }
        req.width = 72;  // not a multiple of 16
        QVERIFY_THROWS_EXCEPTION(EngineError, pipe->generate(req, {}));
        req.width = 64;
        req.sampler = Sampler::Pndm;
        QVERIFY_THROWS_EXCEPTION(EngineError, pipe->generate(req, {}));
        req.sampler = Sampler::ModelDefault;
        req.batch = 2;
        const auto two = pipe->generate(req, {});
        QCOMPARE(two.images.size(), size_t(2));
    }
};

QTEST_GUILESS_MAIN(TestSd3Pipeline)
#include "test_sd3_pipeline.moc"
