// The generation service end to end on the tiny fixture models: prompt text in, pixels equal
// to the reference pipelines' out; the cache shares models, evicts under a budget and frees
// memory; LoRAs come off without drift; cancel, priority and the memory budget's retry path.
#include <QDirIterator>
#include <QImageReader>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/generation.h"
#include "golden_pixels.h"
#include "pipeline/image_metadata.h"
#include "pipeline/pipeline_factory.h"
#include "pipeline/program_registry.h"
#include "service_test_kit.h"
#include "test_support.h"

using namespace archival::pipeline;
using archival::test::comparePixels;
using archival::test::fixture;
using archival::test::GoldenFile;
using archival::test::ServiceRecorder;

namespace {

std::shared_ptr<PipelineFactory> cpuFactory(quint64 budget = 0) {
    FactorySettings s;
    s.device = QStringLiteral("cpu");
    // The goldens are fp32; `auto` would pick bf16 on a CPU with bf16 units.
    s.dtype = QStringLiteral("fp32");
    s.memoryBudgetBytes = budget;
    s.locations.huggingFaceHub = QStringLiteral("/nonexistent");  // only the programs' paths
    return std::make_shared<PipelineFactory>(s);
}

JobRequest request(const QString& program, const QString& prompt, quint64 seed = 1234) {
    JobRequest r;
    r.programId = program;
    r.prompt = prompt;
    r.seed = seed;
    return r;
}

quint64 weightFileBytes(const QString& folder) {
    quint64 total = 0;
    QDirIterator it(folder, {QStringLiteral("*.safetensors")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) total += quint64(QFileInfo(it.next()).size());
    return total;
}

quint64 cachedBytes(const PipelineFactory& factory) {
    quint64 total = 0;
    for (const auto& c : factory.memoryStats().cached) total += c.bytes;
    return total;
}

const QString kSd3Prompt = QStringLiteral("machine learning summit in paris");

}  // namespace

class TestGenerationService : public QObject {
    Q_OBJECT

    ProgramRegistry registry_;

    // Runs one job on a fresh service over `factory`; the recorder keeps its events.
    JobId runOne(GenerationService& service, ServiceRecorder& rec, const JobRequest& r) {
        const JobId id = service.submit(r);
        if (!rec.waitFor(id)) qWarning("job %llu did not end", id);
        return id;
    }

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        QStandardPaths::setTestModeEnabled(true);
        registry_ = ProgramRegistry::load(archival::test::tinyProgramsFile());
        for (const auto& issue : registry_.issues()) qWarning() << issue.toString();
        QVERIFY(registry_.issues().isEmpty());
        QVERIFY(registry_.find(QStringLiteral("T15")));
    }

    void textToImageMatchesTheGoldenAndCarriesMetadata() {
        GenerationService service(registry_, cpuFactory());
        ServiceRecorder rec(&service);
        const JobId id = runOne(
            service, rec, request(QStringLiteral("T15"), QStringLiteral("painting of singapore")));
        const auto& e = rec.jobs[id];
        QVERIFY2(e.result, e.error ? qPrintable(e.error->toString()) : "no result");
        QCOMPARE(e.result->images.size(), 1);
        const auto golden = GoldenFile::read(fixture("golden/e2e_sd15_txt2img.safetensors"));
        const QString diff = comparePixels(e.result->images[0], golden.rgbImage("image_uint8"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));

        QCOMPARE(e.queuedPositions, QList<int>{0});
        QVERIFY(e.started);
        QCOMPARE(e.total, 21);  // PNDM: 20 steps, 21 evaluations
        QCOMPARE(e.lastStep, 21);
        QVERIFY(e.previews >= 1);
        QVERIFY(e.stages.join(' ').contains(QLatin1String("Loading")));

        const ImageMetadata& m = e.result->metadata[0];
        QCOMPARE(m.programId, QStringLiteral("T15"));
        QCOMPARE(m.promptTyped, QStringLiteral("painting of singapore"));
        QCOMPARE(m.promptSent, QStringLiteral("painting of singapore"));
        QCOMPARE(m.seed, quint64(1234));
        QCOMPARE(m.steps, 20);
        QCOMPARE(m.guidance, 7.5);
        QCOMPARE(m.sampler, QStringLiteral("pndm"));
        QCOMPARE(QSize(m.width, m.height), QSize(80, 48));
        QCOMPARE(m.modelId, QStringLiteral("tiny/sd15"));
        QVERIFY(QRegularExpression(QStringLiteral("^[0-9a-f]{10}$")).match(m.modelHash).hasMatch());
        QCOMPARE(m.device, QStringLiteral("cpu"));
        QCOMPARE(m.dtype, QStringLiteral("fp32"));
        QVERIFY(m.totalSeconds > 0);
        QVERIFY(m.denoiseSeconds > 0);
        QVERIFY(m.timestamp.isValid());
        QVERIFY(e.result->secondsToFirstStep > 0);
    }

    void programsSharingAModelLoadItOnce() {
        auto factory = cpuFactory();
        GenerationService service(registry_, factory);
        ServiceRecorder rec(&service);
        // T3 applies its template; T3S sends the prompt as typed: same model, same picture.
        const JobId a = runOne(service, rec, request(QStringLiteral("T3"), kSd3Prompt));
        const JobId b = runOne(service, rec,
                               request(QStringLiteral("T3S"),
                                       kSd3Prompt + ", photorealistic, high quality, detailed"));
        QVERIFY(rec.jobs[a].result && rec.jobs[b].result);
        QCOMPARE(factory->loadCount(), 1);
        QCOMPARE(factory->memoryStats().cached.size(), 1);
        QCOMPARE(rec.jobs[a].result->metadata[0].promptSent,
                 kSd3Prompt + QStringLiteral(", photorealistic, high quality, detailed"));
        const auto golden = GoldenFile::read(fixture("golden/e2e_sd3_txt2img.safetensors"));
        for (JobId id : {a, b}) {
            const QString diff =
                comparePixels(rec.jobs[id].result->images[0], golden.rgbImage("image_uint8"));
            QVERIFY2(diff.isEmpty(), qPrintable(diff));
        }
        // The stage where loading happened is reported only for the first job.
        QVERIFY(rec.jobs[a].stages.join(' ').contains(QLatin1String("Loading")));
        QVERIFY(!rec.jobs[b].stages.join(' ').contains(QLatin1String("Loading")));
    }

    void loraIsAppliedForItsJobAndRemovedAfter() {
        auto factory = cpuFactory();
        GenerationService service(registry_, factory);
        ServiceRecorder rec(&service);
        const QString prompt = QStringLiteral("painting of singapore");
        const JobId plain = runOne(service, rec, request(QStringLiteral("T15"), prompt));
        const JobId lora = runOne(service, rec, request(QStringLiteral("T15L"), prompt));
        const JobId again = runOne(service, rec, request(QStringLiteral("T15"), prompt));
        for (JobId id : {plain, lora, again}) QVERIFY(rec.jobs[id].result);
        QCOMPARE(factory->loadCount(), 1);
        const QImage a = rec.jobs[plain].result->images[0];
        const QImage l = rec.jobs[lora].result->images[0];
        QVERIFY(a != l);
        QCOMPARE(rec.jobs[again].result->images[0], a);  // bit for bit: no drift
        const auto golden = GoldenFile::read(fixture("golden/e2e_sd15_txt2img_lora.safetensors"));
        const QString diff = comparePixels(l, golden.rgbImage("image_uint8"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QCOMPARE(rec.jobs[lora].result->metadata[0].loras.size(), 1);
        QCOMPARE(rec.jobs[lora].result->metadata[0].loras[0].scale, 0.8);
    }

    void imageToImageMatchesTheGolden() {
        GenerationService service(registry_, cpuFactory());
        ServiceRecorder rec(&service);
        const auto golden = GoldenFile::read(fixture("golden/e2e_sd15_img2img.safetensors"));
        JobRequest r = request(QStringLiteral("T15I"), golden.meta(QStringLiteral("prompt")));
        r.initImage = golden.rgbImage(QStringLiteral("init_image_uint8"));
        QVERIFY(!r.initImage.isNull());
        const JobId id = runOne(service, rec, r);
        QVERIFY2(rec.jobs[id].result,
                 rec.jobs[id].error ? qPrintable(rec.jobs[id].error->toString()) : "");
        QCOMPARE(rec.jobs[id].total, 12);  // 12 of 16 timesteps at strength 0.75
        const QString diff =
            comparePixels(rec.jobs[id].result->images[0], golden.rgbImage("image_uint8"));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));
        QCOMPARE(rec.jobs[id].result->metadata[0].strength, 0.75);
    }

    void cancelsQueuedAndRunningJobs() {
        GenerationService service(registry_, cpuFactory());
        ServiceRecorder rec(&service);
        JobRequest longJob = request(QStringLiteral("T15V"), QStringLiteral("a long job"));
        longJob.steps = 150;
        const JobId running = service.submit(longJob);
        const JobId queued = service.submit(request(QStringLiteral("T15"), QStringLiteral("next")));
        const JobId after = service.submit(request(QStringLiteral("T15"), QStringLiteral("after")));
        QTRY_VERIFY_WITH_TIMEOUT(rec.jobs[running].lastStep >= 1, 60000);
        QCOMPARE(service.position(running), 0);
        QCOMPARE(service.position(queued), 1);
        QVERIFY(service.cancel(queued));
        QVERIFY(!service.cancel(queued));  // already gone
        QVERIFY(service.cancel(running));
        QVERIFY(rec.waitFor(running) && rec.waitFor(queued) && rec.waitFor(after));
        QVERIFY(rec.jobs[queued].cancelled && !rec.jobs[queued].started);
        QVERIFY(rec.jobs[running].cancelled);
        QVERIFY(!rec.jobs[running].result && !rec.jobs[running].error);
        QVERIFY2(rec.jobs[running].lastStep < 150 / 2,
                 qPrintable(QString::number(rec.jobs[running].lastStep)));
        QVERIFY(rec.jobs[after].result);  // the worker goes on with the next job
        QVERIFY(!service.isBusy());
    }

    void cancelsEverythingOfOneOwner() {
        GenerationService service(registry_, cpuFactory());
        ServiceRecorder rec(&service);
        JobRequest blocker = request(QStringLiteral("T15V"), QStringLiteral("blocker"));
        blocker.steps = 150;
        blocker.owner = QStringLiteral("ws:a");
        const JobId b = service.submit(blocker);
        JobRequest mine = request(QStringLiteral("T15"), QStringLiteral("mine"));
        mine.owner = QStringLiteral("ws:a");
        JobRequest theirs = mine;
        theirs.owner = QStringLiteral("ws:b");
        const JobId m1 = service.submit(mine);
        const JobId t1 = service.submit(theirs);
        const JobId m2 = service.submit(mine);
        QTRY_VERIFY_WITH_TIMEOUT(rec.jobs[b].started, 60000);
        QCOMPARE(service.cancelOwner(QStringLiteral("ws:a")), 3);
        for (JobId id : {b, m1, t1, m2}) QVERIFY(rec.waitFor(id));
        QVERIFY(rec.jobs[b].cancelled && rec.jobs[m1].cancelled && rec.jobs[m2].cancelled);
        QVERIFY(rec.jobs[t1].result);
    }

    void runsInteractiveBeforeDisplayBeforeBatch() {
        GenerationService service(registry_, cpuFactory());
        ServiceRecorder rec(&service);
        JobRequest blocker = request(QStringLiteral("T15V"), QStringLiteral("blocker"));
        blocker.steps = 150;
        const JobId first = service.submit(blocker);
        QTRY_VERIFY_WITH_TIMEOUT(rec.jobs[first].started, 60000);
        auto with = [](JobRequest r, JobPriority p) {
            r.priority = p;
            return r;
        };
        const JobRequest small = request(QStringLiteral("T15"), QStringLiteral("x"));
        const JobId batch1 = service.submit(with(small, JobPriority::Batch));
        const JobId display = service.submit(with(small, JobPriority::Display));
        const JobId batch2 = service.submit(with(small, JobPriority::Batch));
        const JobId interactive = service.submit(with(small, JobPriority::Interactive));
        QCOMPARE(service.position(interactive), 1);
        QCOMPARE(service.position(display), 2);
        QCOMPARE(service.position(batch1), 3);
        QCOMPARE(service.position(batch2), 4);
        service.cancel(first);
        for (JobId id : {batch1, display, batch2, interactive}) QVERIFY(rec.waitFor(id));
        QCOMPARE(rec.startOrder, (QList<JobId>{first, interactive, display, batch1, batch2}));
        QCOMPARE(rec.jobs[batch1].queuedPositions, QList<int>{1});
        QCOMPARE(rec.jobs[display].queuedPositions, QList<int>{1});  // ahead of the batch job
        QCOMPARE(rec.jobs[interactive].queuedPositions, QList<int>{1});
    }

    void throttlesPreviews() {
        GenerationService service(registry_, cpuFactory());
        service.setSettings({/*previewIntervalMs=*/3600 * 1000, /*previews=*/true});
        ServiceRecorder rec(&service);
        const JobId id = runOne(service, rec, request(QStringLiteral("T15"), QStringLiteral("x")));
        QVERIFY(rec.jobs[id].result);
        QCOMPARE(rec.jobs[id].previews, 1);  // the first step only, within an hour
        service.setSettings({0, false});
        const JobId off = runOne(service, rec, request(QStringLiteral("T15"), QStringLiteral("x")));
        QCOMPARE(rec.jobs[off].previews, 0);
        QCOMPARE(rec.jobs[off].lastStep, 21);
    }

    // A job that asks for every step gets each one, in order, with its preview and the
    // scheduler's timestep, even when the receiver falls behind; without asking, a slow
    // receiver sees the newest step only.
    void deliversEveryStepWithItsTimestepWhenAsked() {
        GenerationService service(registry_, cpuFactory());
        service.setSettings({/*previewIntervalMs=*/3600 * 1000, /*previews=*/true});
        ServiceRecorder rec(&service);
        rec.stallFirstStepUntilIdle = true;
        JobRequest every = request(QStringLiteral("T15"), QStringLiteral("x"));
        every.everyStep = true;
        const JobId id = runOne(service, rec, every);
        QVERIFY(rec.jobs[id].result);
        const archival::test::JobEvents& e = rec.jobs[id];
        QVERIFY(e.total > 1);
        QList<int> expected;
        for (int s = 1; s <= e.total; ++s) expected << s;
        QCOMPARE(e.steps, expected);
        QCOMPARE(e.previews, e.total);  // the hour-long preview interval does not apply
        for (int i = 1; i < e.timesteps.size(); ++i)
            QVERIFY2(e.timesteps[i] <= e.timesteps[i - 1],
                     qPrintable(QStringLiteral("timestep rises at step %1").arg(i + 1)));
        QVERIFY(e.timesteps.first() > e.timesteps.last());
        QVERIFY(e.timesteps.first() < 1000.0 && e.timesteps.last() >= 0.0);

        const JobId coalesced =
            runOne(service, rec, request(QStringLiteral("T15"), QStringLiteral("x")));
        QVERIFY(rec.jobs[coalesced].result);
        QVERIFY2(rec.jobs[coalesced].steps.size() < rec.jobs[coalesced].total,
                 "a slow receiver of an ordinary job should see fewer steps");
        QCOMPARE(rec.jobs[coalesced].steps.last(), rec.jobs[coalesced].total);
    }

    void evictsTheLeastRecentlyUsedModelOverBudget() {
        const Program& sd15 = *registry_.find(QStringLiteral("T15"));
        const Program& sd3 = *registry_.find(QStringLiteral("T3"));
        quint64 sd15Bytes = 0;
        {
            auto probe = cpuFactory();
            probe->acquire(sd15);
            sd15Bytes = cachedBytes(*probe);
        }
        QVERIFY(sd15Bytes > 0);
        // Room for the SD 1.5 pipeline or the SD3 one, not both.
        auto factory = cpuFactory(sd15Bytes + weightFileBytes(sd3.modelPath) - 1);
        {
            auto lease = factory->acquire(sd15);
            QVERIFY(lease.freshlyLoaded);
        }
        factory->acquire(sd3);
        auto stats = factory->memoryStats();
        QCOMPARE(stats.cached.size(), 1);
        QCOMPARE(stats.cached[0].modelId, QStringLiteral("tiny/sd3"));
        QVERIFY(stats.cached[0].bytes > 0);
        QVERIFY(stats.rssBytes > 0);
        QCOMPARE(stats.budgetBytes, factory->budgetBytes());
        // A pipeline in use is never evicted, even over budget.
        {
            auto held = factory->acquire(sd15);  // evicts SD3 (not in use), loads SD 1.5
            QCOMPARE(factory->loadCount(), 3);
            factory->acquire(sd3);
            QCOMPARE(factory->memoryStats().cached.size(), 2);
            QVERIFY(factory->memoryStats().cached[1].inUse);
        }
        QCOMPARE(factory->loadCount(), 4);
    }

    void clearCacheGivesTheMemoryBack() {
        auto factory = cpuFactory();
        // Weights the files hold in the run's dtype are views of the file mappings, resident
        // once read: one small job each makes every weight resident.
        for (const char* id : {"T15", "T3"}) {
            archival::engine::GenerationRequest job;
            job.prompt = "painting of singapore";
            job.width = 64;
            job.height = 48;
            job.steps = 1;
            factory->acquire(*registry_.find(QString::fromLatin1(id))).pipeline->generate(job, {});
        }
        const quint64 held = cachedBytes(*factory);
        const quint64 before = currentRssBytes();
        factory->clearCache();
        const quint64 after = currentRssBytes();
        QVERIFY(factory->memoryStats().cached.isEmpty());
        qInfo("weights %.1f MB; RSS %.1f -> %.1f MB", held / 1e6, before / 1e6, after / 1e6);
        // Generous: at least half of the weights' bytes leave the process.
        QVERIFY2(before > after && before - after >= held / 2,
                 qPrintable(QStringLiteral("RSS dropped %1 bytes for %2 bytes of weights")
                                .arg(qint64(before) - qint64(after))
                                .arg(held)));
    }

    void runsInSmallerBatchesWhenTheBudgetIsTight() {
        auto factory = cpuFactory();
        const Program& p = *registry_.find(QStringLiteral("T15"));
        factory->acquire(p);
        const quint64 resident = cachedBytes(*factory);
        FactorySettings s = factory->settings();
        s.memoryBudgetBytes =
            resident + PipelineFactory::estimateWorkingBytes(p.family, 80, 48, 2, "fp32") + 1;
        factory->setSettings(s);
        QCOMPARE(factory->memoryStats().cached.size(), 1);  // a budget change keeps the cache
        GenerationService service(registry_, factory);
        ServiceRecorder rec(&service);
        JobRequest r = request(QStringLiteral("T15"), QStringLiteral("painting of singapore"));
        r.count = 4;
        const JobId id = runOne(service, rec, r);
        QVERIFY2(rec.jobs[id].result,
                 rec.jobs[id].error ? qPrintable(rec.jobs[id].error->toString()) : "");
        const auto& result = *rec.jobs[id].result;
        QCOMPARE(result.images.size(), 4);
        QVERIFY(result.warnings.join(' ').contains(QLatin1String("batches of 2")));
        QCOMPARE(result.metadata[0].seed, quint64(1234));
        QCOMPARE(result.metadata[2].seed, quint64(1236));
        QCOMPARE(result.metadata[3].indexInBatch, 1);
        QCOMPARE(result.metadata[3].batchSize, 2);

        // A job whose images must come from one pass is not split.
        JobRequest exact = r;
        exact.exactBatch = true;
        const JobId whole = runOne(service, rec, exact);
        QVERIFY(rec.jobs[whole].error);
        QCOMPARE(rec.jobs[whole].error->code, ErrorCode::OutOfMemory);

        // Not even one image fits: a clear OutOfMemory, nothing else.
        s.memoryBudgetBytes =
            resident + PipelineFactory::estimateWorkingBytes(p.family, 80, 48, 1, "fp32") - 1;
        factory->setSettings(s);
        const JobId none = runOne(service, rec, r);
        QVERIFY(rec.jobs[none].error);
        QCOMPARE(rec.jobs[none].error->code, ErrorCode::OutOfMemory);
        QVERIFY(rec.jobs[none].error->message.contains(QLatin1String("memory budget")));
    }

    void badRequestsFailWithTypedErrors() {
        QTemporaryDir dir;
        const QByteArray user = R"({"format": 1,
            "model_locations": {"gone/model": "missing-folder"},
            "programs": {"G": {"model": "gone/model", "family": "sd15", "kind": "text-to-image",
                "steps": 2, "guidance": 7.5, "width": 64, "height": 64, "sampler": "pndm",
                "template": "{prompt}", "seed_policy": "random"}}})";
        archival::test::writeFile(dir.filePath("programs.json"), user);
        ProgramRegistry withMissing = ProgramRegistry::load(dir.filePath("programs.json"));
        QVERIFY(withMissing.issues().isEmpty());
        GenerationService service(registry_, cpuFactory());
        ServiceRecorder rec(&service);
        auto expectError = [&](const JobRequest& r, ErrorCode code, const char* words) {
            const JobId id = runOne(service, rec, r);
            QVERIFY2(rec.jobs[id].error, qPrintable(r.programId));
            QCOMPARE(rec.jobs[id].error->code, code);
            QVERIFY2(rec.jobs[id].error->message.contains(QLatin1String(words)),
                     qPrintable(rec.jobs[id].error->message));
        };
        expectError(request(QStringLiteral("NOPE"), QStringLiteral("x")), ErrorCode::InvalidRequest,
                    "no program");
        expectError(request(QStringLiteral("T15"), QStringLiteral("   ")),
                    ErrorCode::InvalidRequest, "empty");
        expectError(request(QStringLiteral("T15I"), QStringLiteral("x")), ErrorCode::InvalidRequest,
                    "init image");
        JobRequest withInit = request(QStringLiteral("T15"), QStringLiteral("x"));
        withInit.initImage = QImage(8, 8, QImage::Format_RGB888);
        expectError(withInit, ErrorCode::InvalidRequest, "no init image");
        JobRequest oddSize = request(QStringLiteral("T15"), QStringLiteral("x"));
        oddSize.size = QSize(81, 48);
        expectError(oddSize, ErrorCode::InvalidRequest, "multiples of 8");
        JobRequest many = request(QStringLiteral("T15"), QStringLiteral("x"));
        many.count = 99;
        expectError(many, ErrorCode::InvalidRequest, "1 to 16");
        service.setRegistry(withMissing);
        expectError(request(QStringLiteral("G"), QStringLiteral("x")), ErrorCode::ModelLoad,
                    "missing-folder");
    }

    // The seed's P2 over the tiny SD 1.5 model: the request sends no image (as screens and
    // batch callers do), the service loads the program's malaya.png; one sent wins.
    void seedP2UsesItsOwnSourceImage() {
        const ProgramRegistry seed = ProgramRegistry::load(archival::test::seedTinyProgramsFile());
        QVERIFY(seed.issues().isEmpty());
        GenerationService service(seed, cpuFactory());
        ServiceRecorder rec(&service);
        const JobId own =
            runOne(service, rec, request(QStringLiteral("P2"), QStringLiteral("harbour")));
        QVERIFY2(rec.jobs[own].result,
                 rec.jobs[own].error ? qPrintable(rec.jobs[own].error->toString()) : "");
        const ImageMetadata& m = rec.jobs[own].result->metadata[0];
        QCOMPARE(m.initImage, QStringLiteral("malaya.png"));
        QCOMPARE(m.strength, 0.8);
        QCOMPARE(m.promptSent, QStringLiteral("harbour, painting like epic poem of malaya"));
        QCOMPARE(rec.jobs[own].result->images[0].size(), QSize(96, 80));

        JobRequest sent = request(QStringLiteral("P2"), QStringLiteral("harbour"));
        sent.initImage = QImage(96, 80, QImage::Format_RGB888);
        sent.initImage.fill(Qt::darkRed);
        const JobId other = runOne(service, rec, sent);
        QVERIFY(rec.jobs[other].result);
        QVERIFY(rec.jobs[other].result->metadata[0].initImage.isEmpty());
        QVERIFY(rec.jobs[other].result->images[0] != rec.jobs[own].result->images[0]);

        // The same program given malaya.png as its request image makes the same pixels.
        JobRequest same = request(QStringLiteral("P2"), QStringLiteral("harbour"));
        same.initImage = QImage(seed.find(QStringLiteral("P2"))->initImage);
        const JobId again = runOne(service, rec, same);
        QVERIFY(rec.jobs[again].result);
        QCOMPARE(rec.jobs[again].result->images[0], rec.jobs[own].result->images[0]);
    }

    // The seed's P3: its LoRA fits the tiny SD 3 model (every module matched) and changes
    // the picture; the size comes from the set id, rounded down to 16 and recorded.
    void seedP3AppliesItsLoraAndRoundsItsSize() {
        const QString file = archival::test::seedTinyProgramsFile();
        const ProgramRegistry seed = ProgramRegistry::load(file);
        // The same programs with P3's LoRA taken out.
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
        QJsonObject programs = root["programs"].toObject();
        QJsonObject p3 = programs["P3"].toObject();
        p3.remove("loras");
        programs["P3"] = p3;
        root["programs"] = programs;
        QTemporaryDir dir;
        QVERIFY(
            archival::test::writeFile(dir.filePath("programs.json"), QJsonDocument(root).toJson()));
        const ProgramRegistry noLora = ProgramRegistry::load(dir.filePath("programs.json"));
        QVERIFY(noLora.find("P3")->available());
        QVERIFY(noLora.find("P3")->loras.isEmpty());

        auto factory = cpuFactory();
        GenerationService service(seed, factory);
        ServiceRecorder rec(&service);
        JobRequest r = request(QStringLiteral("P3"), QStringLiteral("harbour"));
        r.setId = 1;  // 100×128 in the list: made 96×128
        r.steps = 4;
        const JobId with = runOne(service, rec, r);
        QVERIFY2(rec.jobs[with].result,
                 rec.jobs[with].error ? qPrintable(rec.jobs[with].error->toString()) : "");
        const JobResult& a = *rec.jobs[with].result;
        QVERIFY2(a.warnings.filter("LoRA").isEmpty(), qPrintable(a.warnings.join('\n')));
        QCOMPARE(a.images[0].size(), QSize(96, 128));
        QCOMPARE(QSize(a.metadata[0].width, a.metadata[0].height), QSize(96, 128));
        QCOMPARE(QSize(a.metadata[0].requestedWidth, a.metadata[0].requestedHeight),
                 QSize(100, 128));
        QCOMPARE(a.metadata[0].loras.size(), 1);
        QVERIFY(a.metadata[0].loras[0].path.endsWith("assets/chuamiatee.safetensors"));
        QCOMPARE(a.metadata[0].loras[0].scale, 1.0);
        QCOMPARE(a.metadata[0].promptSent, QStringLiteral("chua mia tee painting, harbour"));

        service.setRegistry(noLora);
        const JobId without = runOne(service, rec, r);
        QVERIFY(rec.jobs[without].result);
        QCOMPARE(rec.jobs[without].result->images[0].size(), QSize(96, 128));
        QVERIFY(rec.jobs[without].result->images[0] != a.images[0]);

        // Set id 0 takes 96×160, which SD 3 takes as it is.
        r.setId = 0;
        const JobId zero = runOne(service, rec, r);
        QVERIFY(rec.jobs[zero].result);
        QCOMPARE(rec.jobs[zero].result->images[0].size(), QSize(96, 160));
        QCOMPARE(rec.jobs[zero].result->metadata[0].requestedWidth, 96);
    }

    // An override is the whole prompt sent.
    void overridePromptIsSentAsIs() {
        const ProgramRegistry seed = ProgramRegistry::load(archival::test::seedTinyProgramsFile());
        GenerationService service(seed, cpuFactory());
        ServiceRecorder rec(&service);
        JobRequest r = request(QStringLiteral("P4"), QStringLiteral("harbour"));
        r.overridePrompt = QStringLiteral("a lighthouse at dusk");
        r.steps = 2;
        const JobId id = runOne(service, rec, r);
        QVERIFY(rec.jobs[id].result);
        QCOMPARE(rec.jobs[id].result->metadata[0].promptSent,
                 QStringLiteral("a lighthouse at dusk"));
        QCOMPARE(rec.jobs[id].result->metadata[0].promptTyped, QStringLiteral("harbour"));
    }

    // A program whose asset is missing fails with MissingAsset saying where it looked;
    // the others run.
    void missingAssetIsATypedErrorAndOthersKeepWorking() {
        QTemporaryDir dir;
        QVERIFY(QFile::copy(archival::test::seedTinyProgramsFile(), dir.filePath("programs.json")));
        const ProgramRegistry bare = ProgramRegistry::load(dir.filePath("programs.json"));
        QVERIFY(bare.issues().isEmpty());
        GenerationService service(bare, cpuFactory());
        ServiceRecorder rec(&service);
        for (const char* id : {"P2", "P2B", "P3", "P3B"}) {
            const JobId job = runOne(service, rec, request(QString(id), QStringLiteral("x")));
            QVERIFY2(rec.jobs[job].error, id);
            QCOMPARE(rec.jobs[job].error->code, ErrorCode::MissingAsset);
            QCOMPARE(rec.jobs[job].error->codeName(), QStringLiteral("MissingAsset"));
            QVERIFY2(rec.jobs[job].error->message.contains(
                         QStringLiteral("not found (looked in %1/assets/").arg(dir.path())),
                     qPrintable(rec.jobs[job].error->message));
        }
        JobRequest p0 = request(QStringLiteral("P0"), QStringLiteral("x"));
        p0.steps = 2;
        const JobId ok = runOne(service, rec, p0);
        QVERIFY2(rec.jobs[ok].result,
                 rec.jobs[ok].error ? qPrintable(rec.jobs[ok].error->toString()) : "");
    }

    void metadataRoundTripsThroughThePng() {
        GenerationService service(registry_, cpuFactory());
        ServiceRecorder rec(&service);
        JobRequest r = request(QStringLiteral("T15L"), QStringLiteral("painting of singapore"), 77);
        r.negativePrompt = QStringLiteral("blurry");
        const JobId id = runOne(service, rec, r);
        QVERIFY(rec.jobs[id].result);
        const ImageMetadata m = rec.jobs[id].result->metadata[0];
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("out.png"));
        QCOMPARE(writePngWithMetadata(path, rec.jobs[id].result->images[0], m), QString());
        ImageMetadata back;
        QVERIFY(readPngMetadata(path, &back));
        QCOMPARE(back.toJson(), m.toJson());
        QCOMPARE(QImage(path).convertToFormat(QImage::Format_RGB888),
                 rec.jobs[id].result->images[0]);
        const QString a1111 = readPngText(path).value(QStringLiteral("parameters"));
        QVERIFY2(
            a1111.startsWith(QLatin1String("painting of singapore\nNegative prompt: blurry\n")),
            qPrintable(a1111));
        QVERIFY(a1111.contains(QLatin1String("Seed: 77")));
        QVERIFY(a1111.contains(QLatin1String("Model hash: ") + m.modelHash));
        // No temporary file is left beside it.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("out.png")});
    }
};

QTEST_GUILESS_MAIN(TestGenerationService)
#include "test_generation_service.moc"
