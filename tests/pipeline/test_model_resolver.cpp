// Model resolution over fake layouts: explicit path, Hugging Face cache, model root.
#include <QTemporaryDir>
#include <QtTest>

#include "pipeline/model_resolver.h"
#include "test_support.h"

using archival::pipeline::ModelLocations;
using archival::pipeline::ModelResolution;
using archival::pipeline::ModelResolver;

namespace {

void touch(const QString& path) {
    QVERIFY(archival::test::writeFile(path, "{}"));
}

// A complete SD 1.5 folder layout (no real weights: names are what is checked).
void makeSd15(const QString& root) {
    touch(root + "/model_index.json");
    for (const char* c : {"unet", "vae", "text_encoder"}) {
        touch(root + "/" + c + "/config.json");
        touch(root + "/" + c + "/model.safetensors");
    }
    touch(root + "/tokenizer/vocab.json");
    touch(root + "/tokenizer/merges.txt");
    touch(root + "/scheduler/scheduler_config.json");
}

void makeSd3(const QString& root, bool withT5) {
    touch(root + "/model_index.json");
    for (const char* c : {"transformer", "vae", "text_encoder", "text_encoder_2"}) {
        touch(root + "/" + c + "/config.json");
        touch(root + "/" + c + "/diffusion_pytorch_model.safetensors");
    }
    for (const char* c : {"tokenizer", "tokenizer_2"}) {
        touch(root + "/" + c + "/vocab.json");
        touch(root + "/" + c + "/merges.txt");
    }
    touch(root + "/scheduler/scheduler_config.json");
    if (withT5) {
        touch(root + "/text_encoder_3/config.json");
        touch(root + "/text_encoder_3/model.safetensors.index.json");
        touch(root + "/tokenizer_3/spiece.model");
    }
}

}  // namespace

class TestModelResolver : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void findsHuggingFaceCacheFollowingRefsMain() {
        QTemporaryDir tmp;
        const QString hub = tmp.filePath("hub");
        const QString base = hub + "/models--stabilityai--stable-diffusion-3.5-large-turbo";
        makeSd3(base + "/snapshots/aaaa1111", true);
        makeSd3(base + "/snapshots/bbbb2222", true);
        QVERIFY(archival::test::writeFile(base + "/refs/main", "aaaa1111\n"));
        ModelLocations loc;
        loc.huggingFaceHub = hub;
        const auto r =
            ModelResolver(loc).resolve("stabilityai/stable-diffusion-3.5-large-turbo", "sd3");
        QCOMPARE(r.source, ModelResolution::Source::HuggingFaceCache);
        QVERIFY2(r.usable(), qPrintable(r.describe()));
        QVERIFY(r.path.endsWith("snapshots/aaaa1111"));
        QVERIFY(r.notes.isEmpty());
    }

    // SD 1.5 moved from runwayml/ to stable-diffusion-v1-5/: weights kept under either name
    // are found for either id, at every step (settings, cache, model root).
    void bothSd15IdsFindTheSameWeights() {
        const QString oldId = "runwayml/stable-diffusion-v1-5";
        const QString newId = "stable-diffusion-v1-5/stable-diffusion-v1-5";
        QCOMPARE(ModelResolver::sameWeights(newId), (QStringList{newId, oldId}));
        QCOMPARE(ModelResolver::sameWeights(oldId), (QStringList{oldId, newId}));
        QCOMPARE(ModelResolver::sameWeights("stabilityai/stable-diffusion-3.5-large-turbo"),
                 QStringList{"stabilityai/stable-diffusion-3.5-large-turbo"});
        for (const QString& stored : {oldId, newId}) {
            const QString other = stored == oldId ? newId : oldId;
            QTemporaryDir tmp;
            QString repo = stored;
            repo.replace('/', "--");
            makeSd15(tmp.filePath("hub/models--" + repo + "/snapshots/r1"));
            ModelLocations cache;
            cache.huggingFaceHub = tmp.filePath("hub");
            auto r = ModelResolver(cache).resolve(other, "sd15");
            QCOMPARE(r.source, ModelResolution::Source::HuggingFaceCache);
            QVERIFY2(r.usable(), qPrintable(r.describe()));
            QCOMPARE(r.modelId, other);

            makeSd15(tmp.filePath("root/" + stored));
            ModelLocations root;
            root.modelRoots = {tmp.filePath("root")};
            r = ModelResolver(root).resolve(other, "sd15");
            QCOMPARE(r.source, ModelResolution::Source::ModelRoot);
            QCOMPARE(r.path, QFileInfo(tmp.filePath("root/" + stored)).absoluteFilePath());

            makeSd15(tmp.filePath("mine"));
            ModelLocations settings;
            settings.explicitPaths.insert(stored, tmp.filePath("mine"));
            r = ModelResolver(settings).resolve(other, "sd15");
            QCOMPARE(r.source, ModelResolution::Source::Explicit);
            QCOMPARE(r.path, QFileInfo(tmp.filePath("mine")).absoluteFilePath());
        }
        // Its own name first: with both stored, each id finds its own folder.
        QTemporaryDir tmp;
        makeSd15(tmp.filePath("root/" + oldId));
        makeSd15(tmp.filePath("root/" + newId));
        ModelLocations root;
        root.modelRoots = {tmp.filePath("root")};
        QVERIFY(ModelResolver(root).resolve(newId, "sd15").path.endsWith(newId));
        QVERIFY(ModelResolver(root).resolve(oldId, "sd15").path.endsWith(oldId));
        // Not found: both names are in the places looked at.
        const auto missing =
            ModelResolver(ModelLocations{{}, {}, {tmp.filePath("none")}}).resolve(newId, "sd15");
        QCOMPARE(missing.source, ModelResolution::Source::NotFound);
        QVERIFY(missing.describe().contains(oldId));
        QVERIFY(missing.describe().contains(newId));
    }

    void explicitPathWinsOverCache() {
        QTemporaryDir tmp;
        makeSd15(tmp.filePath("hub/models--runwayml--stable-diffusion-v1-5/snapshots/r1"));
        makeSd15(tmp.filePath("mine"));
        ModelLocations loc;
        loc.huggingFaceHub = tmp.filePath("hub");
        loc.explicitPaths.insert("runwayml/stable-diffusion-v1-5", tmp.filePath("mine"));
        const auto r = ModelResolver(loc).resolve("runwayml/stable-diffusion-v1-5", "sd15");
        QCOMPARE(r.source, ModelResolution::Source::Explicit);
        QCOMPARE(r.path, QFileInfo(tmp.filePath("mine")).absoluteFilePath());
        QVERIFY(r.usable());
    }

    void modelRootIsLast() {
        QTemporaryDir tmp;
        makeSd15(tmp.filePath("root/runwayml/stable-diffusion-v1-5"));
        ModelLocations loc;
        loc.huggingFaceHub = tmp.filePath("empty-hub");
        loc.modelRoots << tmp.filePath("elsewhere") << tmp.filePath("root");
        const auto r = ModelResolver(loc).resolve("runwayml/stable-diffusion-v1-5", "sd15");
        QCOMPARE(r.source, ModelResolution::Source::ModelRoot);
        QVERIFY(r.usable());
        // hub, elsewhere, root; each under both names of the SD 1.5 weights, until found.
        QCOMPARE(
            r.searched,
            (QStringList{
                tmp.filePath("empty-hub") + "/models--runwayml--stable-diffusion-v1-5",
                tmp.filePath("empty-hub") + "/models--stable-diffusion-v1-5--stable-diffusion-v1-5",
                tmp.filePath("elsewhere") + "/runwayml/stable-diffusion-v1-5",
                tmp.filePath("elsewhere") + "/stable-diffusion-v1-5/stable-diffusion-v1-5",
                tmp.filePath("root") + "/runwayml/stable-diffusion-v1-5"}));
    }

    void notFoundSaysWhereItLooked() {
        QTemporaryDir tmp;
        ModelLocations loc;
        loc.huggingFaceHub = tmp.filePath("hub");
        loc.modelRoots << tmp.filePath("root");
        const auto r = ModelResolver(loc).resolve("org/name", "sd15");
        QCOMPARE(r.source, ModelResolution::Source::NotFound);
        QVERIFY(!r.usable());
        QVERIFY(r.describe().contains(tmp.filePath("hub/models--org--name")));
        QVERIFY(r.describe().contains(tmp.filePath("root/org/name")));
    }

    void missingComponentsAreNamed() {
        QTemporaryDir tmp;
        const QString root = tmp.filePath("m");
        makeSd15(root);
        QVERIFY(QFile::remove(root + "/unet/model.safetensors"));
        QVERIFY(QFile::remove(root + "/tokenizer/merges.txt"));
        QVERIFY(QDir(root + "/scheduler").removeRecursively());
        const QStringList missing = ModelResolver::missingComponents(root, "sd15");
        QCOMPARE(missing,
                 (QStringList{"unet/*.safetensors", "tokenizer/merges.txt", "scheduler/"}));
    }

    void sd3WithoutT5IsUsableWithANote() {
        QTemporaryDir tmp;
        makeSd3(tmp.filePath("sd3"), false);
        ModelLocations loc;
        loc.explicitPaths.insert("x/sd3", tmp.filePath("sd3"));
        const auto r = ModelResolver(loc).resolve("x/sd3", "sd3");
        QVERIFY(r.usable());
        QCOMPARE(r.notes.size(), 1);
        QVERIFY(r.describe().contains("runs without T5"));
    }

    void singleFileCheckpointsForSd15Only() {
        QTemporaryDir tmp;
        touch(tmp.filePath("v1-5-pruned-emaonly.safetensors"));
        ModelLocations loc;
        loc.explicitPaths.insert("a/sd15", tmp.filePath("v1-5-pruned-emaonly.safetensors"));
        loc.explicitPaths.insert("a/sd3", tmp.filePath("v1-5-pruned-emaonly.safetensors"));
        const ModelResolver resolver(loc);
        const auto sd15 = resolver.resolve("a/sd15", "sd15");
        QVERIFY(sd15.usable());
        QVERIFY(sd15.singleFile);
        const auto sd3 = resolver.resolve("a/sd3", "sd3");
        QVERIFY(!sd3.usable());
    }

    void fixturePipelineFoldersAreComplete() {
        ARCHIVAL_REQUIRE_FIXTURES();
        // The tiny end-to-end pipelines have the real download layout.
        const QString models = archival::test::fixturesDir() + "/models";
        QCOMPARE(ModelResolver::missingComponents(models + "/sd15-tiny-pipe", "sd15"),
                 QStringList{});
        QStringList optionalMissing;
        QCOMPARE(
            ModelResolver::missingComponents(models + "/sd3-tiny-pipe", "sd3", &optionalMissing),
            QStringList{});
        QCOMPARE(optionalMissing, QStringList{});
    }

    void hfHomeIsHonoured() {
        qputenv("HF_HOME", "/srv/hf");
        qunsetenv("HF_HUB_CACHE");
        QCOMPARE(ModelLocations::defaultHubCache(), QStringLiteral("/srv/hf/hub"));
        qputenv("HF_HUB_CACHE", "/srv/cache");
        QCOMPARE(ModelLocations::defaultHubCache(), QStringLiteral("/srv/cache"));
        qunsetenv("HF_HUB_CACHE");
        qunsetenv("HF_HOME");
        QVERIFY(ModelLocations::defaultHubCache().endsWith("/.cache/huggingface/hub"));
    }
};

QTEST_GUILESS_MAIN(TestModelResolver)
#include "test_model_resolver.moc"
