// Where components live under a memory budget, the offloading it decides (tested on the
// CPU with a simulated device budget: the same pictures), and the denoising loop's late
// callbacks (the GPU's way of never waiting for the device inside the loop).
#include <QtTest>
#include <cstdlib>

#include "engine/errors.h"
#include "engine/generation.h"
#include "engine/pipelines/denoise_loop.h"
#include "engine/pipelines/memory_plan.h"
#include "engine/pipelines/pipeline_stages.h"
#include "engine/pipelines/sd15_pipeline.h"
#include "engine/pipelines/sd3_pipeline.h"
#include "engine/runtime/device.h"
#include "engine/runtime/host_memory.h"
#include "engine/schedulers/scheduler_config.h"
#include "engine/schedulers/scheduler_factory.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

constexpr std::uint64_t GB = 1000ull * 1000 * 1000;

// SD 3.5 Large in 16 bits, as its files hold it (manifests/README.md, t5-xxl.json).
std::vector<ResidentComponent> sd35Large() {
    return {{"text_encoder", 247 * GB / 1000},
            {"text_encoder_2", 1389 * GB / 1000},
            {"text_encoder_3", 9525 * GB / 1000},
            {"transformer", 16293 * GB / 1000},
            {"vae", 168 * GB / 1000}};
}

// SD 1.5 in 16 bits (CLIP-L 123M, UNet 860M, VAE 84M parameters).
std::vector<ResidentComponent> sd15() {
    return {
        {"text_encoder", 246 * GB / 1000}, {"unet", 1719 * GB / 1000}, {"vae", 167 * GB / 1000}};
}

constexpr std::uint64_t GiB = 1ull << 30;

// A card of `bytes` as the pipeline factory plans for it: nine tenths of it as the budget.
MemoryPlan onCard(const std::vector<ResidentComponent>& model, std::uint64_t bytes) {
    return planMemory(model, bytes / 10 * 9, false, false, bytes);
}

using Names = std::vector<std::string>;

QString sd3PipeFolder() {
    return archival::test::fixturesDir() + "/models/sd3-tiny-pipe";
}

// Sets an environment variable for one scope.
struct ScopedEnv {
    QByteArray name;
    ScopedEnv(const char* n, const QByteArray& value) : name(n) { qputenv(n, value); }
    ~ScopedEnv() { qunsetenv(name.constData()); }
};

// A smooth picture for image-to-image.
Image gradientImage(int width, int height) {
    Image img;
    img.width = width;
    img.height = height;
    img.rgb.resize(std::size_t(width) * height * 3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c)
                img.rgb[(std::size_t(y) * width + x) * 3 + c] =
                    static_cast<std::uint8_t>((x * 5 + y * 3 + c * 60) % 256);
    return img;
}

GenerationRequest smallRequest() {
    GenerationRequest req;
    req.prompt = "painting of singapore";
    req.width = 64;
    req.height = 48;
    req.steps = 2;
    req.seed = 5;
    return req;
}

}  // namespace

class TestMemoryPlan : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void initTestCase() { qunsetenv("ARCHIVAL_DEVICE_MEMORY_BUDGET"); }

    void plans() {
        // Room for everything: nothing moves.
        auto plan = planMemory(sd35Large(), 40 * GB, true, false);
        QVERIFY(!plan.releaseTextEncoders);
        QVERIFY(plan.offloaded.empty());
        plan = planMemory(sd35Large(), 0, false, false);  // no budget known
        QVERIFY(!plan.releaseTextEncoders && plan.offloaded.empty());
        // The CPU of a 24 GB machine: the text encoders go after encoding.
        plan = planMemory(sd35Large(), 20 * GB, true, false);
        QVERIFY(plan.releaseTextEncoders);
        QVERIFY(plan.offloaded.empty());
        // A 24 GB card: the text encoders wait in host memory; transformer and VAE stay.
        plan = planMemory(sd35Large(), 24 * GB, false, false);
        QVERIFY(!plan.releaseTextEncoders);
        QCOMPARE(plan.offloaded,
                 (std::vector<std::string>{"text_encoder", "text_encoder_2", "text_encoder_3"}));
        // A 16.4 GB card: the VAE too.
        plan = planMemory(sd35Large(), 16400 * GB / 1000, false, false);
        QCOMPARE(plan.offloaded, (std::vector<std::string>{"text_encoder", "text_encoder_2",
                                                           "text_encoder_3", "vae"}));
        // Asked for, release happens whatever the budget.
        QVERIFY(planMemory(sd35Large(), 0, true, true).releaseTextEncoders);
    }

    // Offloaded components come to the device one stage at a time, beside what stays there;
    // one that does not fit even so runs its stage on the host.
    void stagesComeOverWhenTheyFit() {
        // SD 3.5 Large on a 24 GB card: the text encoders wait in host memory, the MMDiT
        // and the VAE stay. The CLIPs come over for encoding; T5 (9.5 GB) beside the MMDiT
        // (16.3 GB) would not fit the card, so it encodes on the host.
        auto plan = onCard(sd35Large(), 24 * GiB);
        QCOMPARE(plan.offloaded, (Names{"text_encoder", "text_encoder_2", "text_encoder_3"}));
        QCOMPARE(plan.hostStages, (Names{"text_encoder_3"}));
        QVERIFY(!plan.offloads("transformer") && !plan.offloads("vae"));
        QVERIFY(!plan.releaseTextEncoders);
        QCOMPARE(QString::fromStdString(describe(plan)),
                 QStringLiteral("offloaded to host between stages: text_encoder, text_encoder_2, "
                                "text_encoder_3 (runs on the host)"));
        // A 26 GiB card holds T5 beside the MMDiT for its stage; on a 28 GiB card the CLIPs
        // alone make room; a 32 GiB card holds it all.
        plan = onCard(sd35Large(), 26 * GiB);
        QCOMPARE(plan.offloaded, (Names{"text_encoder", "text_encoder_2", "text_encoder_3"}));
        QVERIFY(plan.hostStages.empty());
        plan = onCard(sd35Large(), 28 * GiB);
        QCOMPARE(plan.offloaded, (Names{"text_encoder", "text_encoder_2"}));
        QVERIFY(plan.hostStages.empty());
        plan = onCard(sd35Large(), 32 * GiB);
        QVERIFY(plan.offloaded.empty() && plan.hostStages.empty());
        // Only the budget known: it is also the limit while a component is over. At 26 GB
        // the CLIPs alone make room, and neither fits back beside the rest for its stage.
        plan = planMemory(sd35Large(), 26 * GB, false, false);
        QCOMPARE(plan.offloaded, (Names{"text_encoder", "text_encoder_2"}));
        QCOMPARE(plan.hostStages, (Names{"text_encoder", "text_encoder_2"}));
        plan = planMemory(sd35Large(), 25 * GB, false, false);
        QCOMPARE(plan.offloaded, (Names{"text_encoder", "text_encoder_2", "text_encoder_3"}));
        QCOMPARE(plan.hostStages, (Names{"text_encoder_3"}));

        // SD 1.5 in 16 bits (2.13 GB): room for all, nothing moves.
        plan = onCard(sd15(), 4 * GiB);
        QVERIFY(plan.offloaded.empty() && plan.hostStages.empty());
        // Budget 2.0 GB on a 2.2 GB card: the text encoder waits in host memory and comes
        // over for its stage.
        plan = planMemory(sd15(), 2000 * GB / 1000, false, false, 2200 * GB / 1000);
        QCOMPARE(plan.offloaded, (Names{"text_encoder"}));
        QVERIFY(plan.hostStages.empty());
        // Budget 1.8 GB: the VAE too; on a 2.0 GB card both come over for their stages ...
        plan = planMemory(sd15(), 1800 * GB / 1000, false, false, 2000 * GB / 1000);
        QCOMPARE(plan.offloaded, (Names{"text_encoder", "vae"}));
        QVERIFY(plan.hostStages.empty());
        QVERIFY(!plan.offloads("unet"));
        // ... on a 1.9 GB card the text encoder (0.25 GB) beside the UNet no longer fits.
        plan = planMemory(sd15(), 1800 * GB / 1000, false, false, 1900 * GB / 1000);
        QCOMPARE(plan.offloaded, (Names{"text_encoder", "vae"}));
        QCOMPARE(plan.hostStages, (Names{"text_encoder"}));
        // The CPU of a small machine: nothing is offloaded (there is no other memory).
        plan = planMemory(sd15(), 1 * GB, true, false);
        QVERIFY(plan.offloaded.empty() && plan.hostStages.empty());
    }

    void simulatedBudgetIsReadAndChecked() {
        QVERIFY(!simulatedDeviceBudget());
        {
            ScopedEnv env("ARCHIVAL_DEVICE_MEMORY_BUDGET", "2G");
            QCOMPARE(*simulatedDeviceBudget(), 2ull << 30);
            QCOMPARE(deviceMemory(Device::cpu()).totalBytes, 2ull << 30);
        }
        {
            ScopedEnv env("ARCHIVAL_DEVICE_MEMORY_BUDGET", "1500000");
            QCOMPARE(*simulatedDeviceBudget(), 1500000ull);
        }
        for (const char* bad : {"lots", "12X", "-3G", "5GB", "0"}) {  // 0: no device at all
            ScopedEnv env("ARCHIVAL_DEVICE_MEMORY_BUDGET", bad);
            QVERIFY_THROWS_EXCEPTION(EngineError, simulatedDeviceBudget());
        }
    }

    // A simulated device too small for the whole model: the text encoders are offloaded
    // (kept in host memory, moved for encoding), and the pictures do not change.
    void offloadingUnderASimulatedBudgetChangesNoPixel() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const std::string folder = sd3PipeFolder().toStdString();
        const std::uint64_t rest = checkpointBytesAs(folder + "/transformer", at::kFloat) +
                                   checkpointBytesAs(folder + "/vae", at::kFloat);
        PipelineOptions plain{Device::cpu(), Dtype::Fp32};
        auto reference = Sd3Pipeline::open(folder, plain);
        QVERIFY(reference->memoryPlan().offloaded.empty());
        const auto expected = reference->generate(smallRequest(), {});
        reference.reset();

        ScopedEnv env("ARCHIVAL_DEVICE_MEMORY_BUDGET", QByteArray::number(qulonglong(rest + 1)));
        PipelineOptions budgeted = plain;
        budgeted.memoryBudgetBytes = deviceMemory(Device::cpu()).freeBytes;
        QCOMPARE(budgeted.memoryBudgetBytes, rest + 1);
        auto offloading = Sd3Pipeline::open(folder, budgeted);
        QCOMPARE(offloading->memoryPlan().offloaded,
                 (std::vector<std::string>{"text_encoder", "text_encoder_2", "text_encoder_3"}));
        QVERIFY(!offloading->memoryPlan().releaseTextEncoders);
        for (int job = 0; job < 2; ++job) {
            const auto got = offloading->generate(smallRequest(), {});
            QCOMPARE(got.images.front().rgb, expected.images.front().rgb);
        }
    }

    // The VAE offloaded as well, every component coming over for its stage (a simulated
    // card that holds the whole model, a budget that holds only the transformer): the same
    // pictures, for text-to-image and image-to-image.
    void sd3VaeOffloadedChangesNoPixel() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const std::string folder = sd3PipeFolder().toStdString();
        std::uint64_t all = 0;
        for (const char* c :
             {"text_encoder", "text_encoder_2", "text_encoder_3", "transformer", "vae"})
            all += checkpointBytesAs(folder + "/" + c, at::kFloat);
        const std::uint64_t transformer = checkpointBytesAs(folder + "/transformer", at::kFloat);
        PipelineOptions plain{Device::cpu(), Dtype::Fp32};
        GenerationRequest img2img = smallRequest();
        img2img.initImage = gradientImage(img2img.width, img2img.height);
        img2img.strength = 0.6;
        auto reference = Sd3Pipeline::open(folder, plain);
        const auto expected = reference->generate(smallRequest(), {});
        const auto expectedI2i = reference->generate(img2img, {});
        reference.reset();

        ScopedEnv env("ARCHIVAL_DEVICE_MEMORY_BUDGET", QByteArray::number(qulonglong(all)));
        PipelineOptions budgeted = plain;
        budgeted.memoryBudgetBytes = transformer + 1;
        auto offloading = Sd3Pipeline::open(folder, budgeted);
        QCOMPARE(offloading->memoryPlan().offloaded,
                 (Names{"text_encoder", "text_encoder_2", "text_encoder_3", "vae"}));
        QVERIFY(offloading->memoryPlan().hostStages.empty());
        for (int job = 0; job < 2; ++job) {
            QCOMPARE(offloading->generate(smallRequest(), {}).images.front().rgb,
                     expected.images.front().rgb);
            QCOMPARE(offloading->generate(img2img, {}).images.front().rgb,
                     expectedI2i.images.front().rgb);
        }
    }

    // SD 1.5 under a simulated card: the text encoder and the VAE wait in host memory and
    // come over for their stages (or, on a card too small for that, run on the host); the
    // pictures do not change. On the CPU itself nothing is planned.
    void sd15OffloadingChangesNoPixel() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const std::string folder =
            (archival::test::fixturesDir() + "/models/sd15-tiny-pipe").toStdString();
        const std::uint64_t unet = checkpointBytesAs(folder + "/unet", at::kFloat);
        const std::uint64_t all = checkpointBytesAs(folder + "/text_encoder", at::kFloat) + unet +
                                  checkpointBytesAs(folder + "/vae", at::kFloat);
        PipelineOptions plain{Device::cpu(), Dtype::Fp32};
        GenerationRequest img2img = smallRequest();
        img2img.initImage = gradientImage(img2img.width, img2img.height);
        img2img.strength = 0.6;
        auto reference = Sd15Pipeline::open(folder, plain);
        QVERIFY(reference->memoryPlan().offloaded.empty());
        const auto expected = reference->generate(smallRequest(), {});
        const auto expectedI2i = reference->generate(img2img, {});
        reference.reset();
        {
            // Budgeted on the CPU without a simulated card: nothing moves.
            PipelineOptions budgeted = plain;
            budgeted.memoryBudgetBytes = unet + 1;
            QVERIFY(Sd15Pipeline::open(folder, budgeted)->memoryPlan().offloaded.empty());
        }
        for (const std::uint64_t card : {all, unet + 1}) {
            ScopedEnv env("ARCHIVAL_DEVICE_MEMORY_BUDGET", QByteArray::number(qulonglong(card)));
            PipelineOptions budgeted = plain;
            budgeted.memoryBudgetBytes = unet + 1;
            auto offloading = Sd15Pipeline::open(folder, budgeted);
            QCOMPARE(offloading->memoryPlan().offloaded, (Names{"text_encoder", "vae"}));
            QCOMPARE(offloading->memoryPlan().hostStages,
                     card == all ? Names{} : (Names{"text_encoder", "vae"}));
            for (int job = 0; job < 2; ++job) {
                QCOMPARE(offloading->generate(smallRequest(), {}).images.front().rgb,
                         expected.images.front().rgb);
                QCOMPARE(offloading->generate(img2img, {}).images.front().rgb,
                         expectedI2i.images.front().rgb);
            }
        }
    }

    // Late callbacks (the GPU's mode) hand out the same progress and previews as immediate
    // ones, each once the next step's model call is made, the last after the loop; the
    // latents are identical.
    void lateCallbacksDeliverTheSameStepsOneStepLate() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const auto config = readSchedulerConfigFile(
            (sd3PipeFolder() + "/scheduler/scheduler_config.json").toStdString());
        auto run = [&](bool late, QStringList& log, std::vector<Image>& previews) {
            auto scheduler = makeScheduler(Sampler::FlowMatchEuler, config);
            scheduler->setTimesteps(4);
            at::Generator gen = cpuGenerator(3);
            DenoiseLoop loop;
            loop.scheduler = scheduler.get();
            loop.guidance = 3.0;
            loop.generator = &gen;
            loop.previewFormat = LatentFormat::SD3;
            loop.callbacksOneStepLate = late;
            loop.model = [&](const at::Tensor& input, int i) {
                log << QStringLiteral("model %1").arg(i);
                return at::sin(input * (i + 1));
            };
            GenerationHooks hooks;
            hooks.previews = true;
            hooks.onStep = [&](const StepProgress& p) {
                log << QStringLiteral("step %1/%2 t=%3").arg(p.step).arg(p.total).arg(p.timestep);
                previews.push_back(p.preview);
            };
            return runDenoiseLoop(loop, seededNoise({1, 16, 6, 8}, gen, at::kCPU, at::kFloat),
                                  hooks);
        };
        QStringList nowLog, lateLog;
        std::vector<Image> nowPreviews, latePreviews;
        const at::Tensor now = run(false, nowLog, nowPreviews);
        const at::Tensor late = run(true, lateLog, latePreviews);
        QVERIFY(at::equal(now, late));
        QCOMPARE(nowPreviews.size(), std::size_t(4));
        QCOMPARE(latePreviews.size(), nowPreviews.size());
        for (std::size_t i = 0; i < nowPreviews.size(); ++i) {
            QVERIFY(!latePreviews[i].empty());
            QCOMPARE(latePreviews[i].rgb, nowPreviews[i].rgb);
        }
        QStringList steps = nowLog.filter("step"), lateSteps = lateLog.filter("step");
        QCOMPARE(lateSteps, steps);
        // Immediate: model 0, step 1, model 1, step 2 ...; late: model 0, model 1, step 1 ...
        QCOMPARE(nowLog.mid(0, 4), (QStringList{"model 0", steps[0], "model 1", steps[1]}));
        QCOMPARE(lateLog.mid(0, 5),
                 (QStringList{"model 0", "model 1", steps[0], "model 2", steps[1]}));
        QCOMPARE(lateLog.last(), steps.last());
    }
};

QTEST_GUILESS_MAIN(TestMemoryPlan)
#include "test_memory_plan.moc"
