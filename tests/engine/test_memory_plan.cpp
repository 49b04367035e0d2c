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

QString sd3PipeFolder() {
    return archival::test::fixturesDir() + "/models/sd3-tiny-pipe";
}

// Sets an environment variable for one scope.
struct ScopedEnv {
    QByteArray name;
    ScopedEnv(const char* n, const QByteArray& value) : name(n) { qputenv(n, value); }
    ~ScopedEnv() { qunsetenv(name.constData()); }
};

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
        for (const char* bad : {"lots", "12X", "-3G", "5GB"}) {
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
