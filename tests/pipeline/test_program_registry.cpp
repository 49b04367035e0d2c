// The program registry: built-ins as designed, strict validation, user overrides.
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "golden_pixels.h"
#include "pipeline/program_registry.h"
#include "pipeline/studio_settings.h"
#include "test_support.h"

using archival::pipeline::AssetLocations;
using archival::pipeline::Program;
using archival::pipeline::ProgramRegistry;

namespace {

// A valid SD 1.5 program as JSON text, with `patch` merged over it.
QByteArray userFile(const QString& id, const QJsonObject& patch, const QStringList& drop = {}) {
    QJsonObject p{{"model", "runwayml/stable-diffusion-v1-5"},
                  {"family", "sd15"},
                  {"kind", "text-to-image"},
                  {"steps", 20},
                  {"guidance", 7.5},
                  {"width", 512},
                  {"height", 512},
                  {"template", "{prompt}"}};
    for (auto it = patch.begin(); it != patch.end(); ++it) p[it.key()] = it.value();
    for (const QString& k : drop) p.remove(k);
    return QJsonDocument(QJsonObject{{"format", 1}, {"programs", QJsonObject{{id, p}}}}).toJson();
}

// Loads built-ins + one user program and returns the issue list as text.
QString issuesFor(const QJsonObject& patch, const QStringList& drop = {}) {
    const auto r = ProgramRegistry::fromJson(ProgramRegistry::builtinJson(),
                                             userFile("X1", patch, drop), "user.json");
    QStringList out;
    for (const auto& i : r.issues()) out << i.toString();
    return out.join('\n');
}

}  // namespace

class TestProgramRegistry : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        // The data folder is one of the places assets are found: keep it the tests' own.
        QStandardPaths::setTestModeEnabled(true);
        QDir(AssetLocations::dataFolder()).removeRecursively();
    }

    // The built-ins are the seed's six programs (SEED-COMPAT.md "Programs").
    void builtinsAreTheSeeds() {
        const auto r = ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
        QVERIFY2(r.issues().isEmpty(), qPrintable(r.issues().value(0).toString()));
        QStringList ids;
        for (const Program& p : r.programs()) ids << p.id;
        QCOMPARE(ids, (QStringList{"P0", "P2", "P2B", "P3", "P3B", "P4"}));
        const QString sd3 = "stabilityai/stable-diffusion-3.5-large-turbo";
        const QString sd15 = "stable-diffusion-v1-5/stable-diffusion-v1-5";
        struct Want {
            const char* id;
            QString model;
            const char* kind;
            int steps;
            QSize size;
            const char* templ;
        };
        const Want want[] = {
            {"P0",
             sd3,
             "text-to-image",
             20,
             {1360, 768},
             "{prompt}, photorealistic, high quality, detailed"},
            {"P2",
             sd15,
             "image-to-image",
             15,
             {960, 800},
             "{prompt}, painting like epic poem of malaya"},
            {"P2B",
             sd15,
             "image-to-image",
             15,
             {960, 800},
             "{prompt}, crowd of people in public space, painting like epic poem of malaya"},
            {"P3", sd3, "text-to-image", 20, {}, "chua mia tee painting, {prompt}"},
            {"P3B",
             sd3,
             "text-to-image",
             20,
             {},
             "chua mia tee painting, {prompt}, photorealistic"},
            {"P4", sd3, "text-to-image", 20, {1360, 768}, "person, {prompt}, photorealistic"},
        };
        for (const Want& w : want) {
            const Program* p = r.find(w.id);
            QVERIFY(p);
            QCOMPARE(p->model, w.model);
            QCOMPARE(p->family, QString(w.model == sd3 ? "sd3" : "sd15"));
            QCOMPARE(p->kind, QString(w.kind));
            QCOMPARE(p->steps, w.steps);
            QCOMPARE(p->guidance, 7.5);
            QCOMPARE(p->size, w.size);
            QCOMPARE(p->promptTemplate, QString(w.templ));
            QCOMPARE(p->source, QStringLiteral("built-in"));
        }
        for (const char* id : {"P2", "P2B"}) {
            QCOMPARE(r.find(id)->strength, 0.8);
            QCOMPARE(r.find(id)->initImageName, QStringLiteral("malaya.png"));
            QVERIFY(r.find(id)->loras.isEmpty());
        }
        for (const char* id : {"P3", "P3B"}) {
            const Program* p = r.find(id);
            QCOMPARE(p->sizes, (QList<QSize>{{800, 600}, {600, 800}, {1024, 576}, {576, 1024}}));
            QCOMPARE(p->loras.size(), 1);
            QCOMPARE(p->loras[0].name, QStringLiteral("chuamiatee.safetensors"));
            QCOMPARE(p->loras[0].scale, 1.0);
            QVERIFY(p->initImageName.isEmpty());
        }
        for (const char* id : {"P0", "P4"}) {
            QVERIFY(r.find(id)->loras.isEmpty());
            QVERIFY(r.find(id)->available());
        }
        QCOMPARE(r.find("P0")->applyTemplate("machine learning summit"),
                 QStringLiteral("machine learning summit, photorealistic, high quality, detailed"));
    }

    // The test file with the seed's programs over the tiny models: every field, and its
    // assets found in the "assets" folder beside it.
    void seedTinyFileLoads() {
        const QString file = archival::test::seedTinyProgramsFile();
        const auto r = ProgramRegistry::load(file);
        QVERIFY2(r.issues().isEmpty(), qPrintable(r.issues().value(0).toString()));
        const QString assets = QFileInfo(file).absolutePath() + "/assets/";
        for (const char* id : {"P0", "P2", "P2B", "P3", "P3B", "P4"}) {
            const Program* p = r.find(id);
            QVERIFY(p);
            QCOMPARE(p->source, file);
            QVERIFY2(p->available(), qPrintable(p->assetProblems.join('\n')));
            QCOMPARE(p->guidance, 7.5);
            QCOMPARE(p->seedPolicy, QStringLiteral("random"));
            QVERIFY(!p->modelPath.isEmpty());
            QCOMPARE(p->modelPath, r.modelLocations().value(p->model));
        }
        const Program* p0 = r.find("P0");
        QCOMPARE(p0->family, QStringLiteral("sd3"));
        QCOMPARE(p0->kind, QStringLiteral("text-to-image"));
        QCOMPARE(p0->steps, 20);
        QCOMPARE(p0->size, QSize(144, 80));
        QCOMPARE(p0->sampler, QStringLiteral("flowmatch_euler"));
        QCOMPARE(p0->promptTemplate,
                 QStringLiteral("{prompt}, photorealistic, high quality, detailed"));
        QCOMPARE(r.find("P4")->promptTemplate, QStringLiteral("person, {prompt}, photorealistic"));
        QCOMPARE(r.find("P4")->size, QSize(144, 80));
        for (const char* id : {"P2", "P2B"}) {
            const Program* p = r.find(id);
            QCOMPARE(p->family, QStringLiteral("sd15"));
            QCOMPARE(p->kind, QStringLiteral("image-to-image"));
            QCOMPARE(p->steps, 15);
            QCOMPARE(p->strength, 0.8);
            QCOMPARE(p->size, QSize(96, 80));
            QCOMPARE(p->sampler, QStringLiteral("pndm"));
            QCOMPARE(p->initImageName, QStringLiteral("malaya.png"));
            QCOMPARE(p->initImage, QFileInfo(assets + "malaya.png").absoluteFilePath());
        }
        QCOMPARE(r.find("P2")->promptTemplate,
                 QStringLiteral("{prompt}, painting like epic poem of malaya"));
        QCOMPARE(
            r.find("P2B")->promptTemplate,
            QStringLiteral(
                "{prompt}, crowd of people in public space, painting like epic poem of malaya"));
        for (const char* id : {"P3", "P3B"}) {
            const Program* p = r.find(id);
            QCOMPARE(p->family, QStringLiteral("sd3"));
            QCOMPARE(p->steps, 20);
            // The seed's four formats in its order, scaled down; 100 is no multiple of 16.
            QCOMPARE(p->sizes, (QList<QSize>{{128, 100}, {100, 128}, {160, 96}, {96, 160}}));
            QCOMPARE(p->sizeMade({128, 100}), QSize(128, 96));
            QCOMPARE(p->sizeMade({100, 128}), QSize(96, 128));
            QCOMPARE(p->loras.size(), 1);
            QCOMPARE(p->loras[0].name, QStringLiteral("chuamiatee.safetensors"));
            QCOMPARE(p->loras[0].path,
                     QFileInfo(assets + "chuamiatee.safetensors").absoluteFilePath());
            QCOMPARE(p->loras[0].scale, 1.0);
        }
        QCOMPARE(r.find("P3")->promptTemplate, QStringLiteral("chua mia tee painting, {prompt}"));
        QCOMPARE(r.find("P3B")->promptTemplate,
                 QStringLiteral("chua mia tee painting, {prompt}, photorealistic"));
        // Set ids 0–3 take the same entries as the seed's list does for the page's sizes.
        QCOMPARE(r.find("P3")->sizeFor(0, 1), QSize(96, 160));
        QCOMPARE(r.find("P3")->sizeFor(1, 1), QSize(100, 128));
        QCOMPARE(r.find("P3")->sizeFor(2, 1), QSize(128, 100));
        QCOMPARE(r.find("P3")->sizeFor(3, 1), QSize(100, 128));
    }

    // A program whose asset is missing stays listed, unavailable, saying where it looked;
    // the other programs are unaffected and the file has no issues.
    void missingAssetMakesOnlyItsProgramUnavailable() {
        QTemporaryDir dir;
        const QString file = dir.filePath("programs.json");
        QVERIFY(QFile::copy(archival::test::seedTinyProgramsFile(), file));
        auto r = ProgramRegistry::load(file);
        QVERIFY(r.issues().isEmpty());
        QCOMPARE(r.programs().size(), 6);
        QVERIFY(r.find("P0")->available());
        QVERIFY(r.find("P4")->available());
        const QString besideFile = QDir(dir.path()).filePath("assets/malaya.png");
        const QString dataFolder = AssetLocations::dataFolder() + "/malaya.png";
        for (const char* id : {"P2", "P2B"}) {
            const Program* p = r.find(id);
            QVERIFY(!p->available());
            QCOMPARE(p->assetProblems,
                     QStringList{QStringLiteral("malaya.png not found (looked in %1, %2)")
                                     .arg(besideFile, dataFolder)});
            QVERIFY(p->initImage.isEmpty());
        }
        for (const char* id : {"P3", "P3B"}) {
            const Program* p = r.find(id);
            QVERIFY(!p->available());
            QCOMPARE(p->assetProblems.size(), 1);
            QVERIFY2(p->assetProblems[0].startsWith("chuamiatee.safetensors not found (looked in " +
                                                    dir.path() + "/assets/chuamiatee.safetensors"),
                     qPrintable(p->assetProblems[0]));
            QVERIFY(p->loras[0].path.isEmpty());
        }

        // An explicit path from the settings is looked at first.
        const QString seedAssets =
            QFileInfo(archival::test::seedTinyProgramsFile()).absolutePath() + "/assets/";
        r = ProgramRegistry::load(file, {{"malaya.png", seedAssets + "malaya.png"}});
        QVERIFY(r.find("P2")->available());
        QCOMPARE(r.find("P2")->initImage, seedAssets + "malaya.png");
        QVERIFY(!r.find("P3")->available());
        // A wrong explicit path is reported among the places looked at, then the folders.
        r = ProgramRegistry::load(file, {{"malaya.png", dir.filePath("nowhere.png")}});
        QCOMPARE(r.find("P2")->assetProblems,
                 QStringList{QStringLiteral("malaya.png not found (looked in %1, %2, %3)")
                                 .arg(dir.filePath("nowhere.png"), besideFile, dataFolder)});

        // The data folder.
        QVERIFY(QDir().mkpath(AssetLocations::dataFolder()));
        QVERIFY(QFile::copy(seedAssets + "chuamiatee.safetensors",
                            AssetLocations::dataFolder() + "/chuamiatee.safetensors"));
        r = ProgramRegistry::load(file);
        QVERIFY(r.find("P3")->available());
        QCOMPARE(r.find("P3")->loras[0].path,
                 AssetLocations::dataFolder() + "/chuamiatee.safetensors");
        QVERIFY(!r.find("P2")->available());
        // Beside the programs file comes before the data folder.
        QVERIFY(QDir(dir.path()).mkpath("assets"));
        QVERIFY(QFile::copy(seedAssets + "chuamiatee.safetensors",
                            dir.filePath("assets/chuamiatee.safetensors")));
        r = ProgramRegistry::load(file);
        QCOMPARE(r.find("P3B")->loras[0].path, dir.filePath("assets/chuamiatee.safetensors"));
        QDir(AssetLocations::dataFolder()).removeRecursively();
    }

    // The settings key the window and the commands read the explicit asset paths from.
    void explicitAssetPathsComeFromTheSettings() {
        QTemporaryDir dir;
        const QString seedAssets =
            QFileInfo(archival::test::seedTinyProgramsFile()).absolutePath() + "/assets/";
        QSettings settings(dir.filePath("studio.conf"), QSettings::IniFormat);
        settings.setValue(
            "assets/explicitPaths",
            QVariantMap{{"malaya.png", seedAssets + "malaya.png"},
                        {"chuamiatee.safetensors", seedAssets + "chuamiatee.safetensors"}});
        const auto paths = archival::pipeline::assetPathsFromSettings(settings);
        QCOMPARE(paths.value("malaya.png"), seedAssets + "malaya.png");
        const auto r = ProgramRegistry::load(dir.filePath("programs.json"), paths);
        for (const Program& p : r.programs())
            QVERIFY2(p.available(), qPrintable(p.assetProblems.join('\n')));
        QCOMPARE(r.find("P2")->initImage, seedAssets + "malaya.png");
        QCOMPARE(r.find("P3")->loras[0].path, seedAssets + "chuamiatee.safetensors");
    }

    // A value with a folder in it is a path (from the file's folder), checked as it is.
    void assetPathsAreCheckedAsGiven() {
        QTemporaryDir dir;
        QVERIFY(archival::test::writeFile(dir.filePath("pics/source.png"), "not read here"));
        const QString file = dir.filePath("programs.json");
        QVERIFY(archival::test::writeFile(
            file, userFile("X1", {{"kind", "image-to-image"},
                                  {"strength", 0.5},
                                  {"init_image", "pics/source.png"},
                                  {"loras",
                                   QJsonArray{QJsonObject{{"path", "loras/none.safetensors"}}}}})));
        const auto r = ProgramRegistry::load(file);
        QVERIFY2(r.issues().isEmpty(), qPrintable(r.issues().value(0).toString()));
        const Program* p = r.find("X1");
        QCOMPARE(p->initImage, dir.filePath("pics/source.png"));
        QCOMPARE(p->assetProblems, QStringList{QStringLiteral("%1 not found (looked in %1)")
                                                   .arg(dir.filePath("loras/none.safetensors"))});
    }

    void validationNamesProgramAndField_data() {
        QTest::addColumn<QJsonObject>("patch");
        QTest::addColumn<QStringList>("drop");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown key")
            << QJsonObject{{"colour", "red"}} << QStringList{} << "field \"colour\": unknown field";
        QTest::newRow("wrong type") << QJsonObject{{"steps", "twenty"}} << QStringList{}
                                    << "field \"steps\": must be an integer";
        QTest::newRow("missing model")
            << QJsonObject{} << QStringList{"model"} << "field \"model\": missing";
        QTest::newRow("missing template")
            << QJsonObject{} << QStringList{"template"} << "field \"template\": missing";
        QTest::newRow("size not /8") << QJsonObject{{"width", 500}} << QStringList{}
                                     << "field \"width\": 500×512 is not a multiple of 8";
        QTest::newRow("random size too small")
            << QJsonObject{{"sizes", QJsonArray{QJsonArray{512, 4}}}}
            << QStringList{"width", "height"} << "field \"sizes\": 512×4 is outside 8–4096";
        QTest::newRow("init image on txt2img")
            << QJsonObject{{"init_image", "malaya.png"}} << QStringList{}
            << "field \"init_image\": applies only to image-to-image programs";
        QTest::newRow("init image not text")
            << QJsonObject{{"kind", "image-to-image"}, {"strength", 0.5}, {"init_image", 3}}
            << QStringList{} << "field \"init_image\": must be an asset name or a path";
        QTest::newRow("steps low")
            << QJsonObject{{"steps", 0}} << QStringList{} << "field \"steps\": 0 is outside 1–150";
        QTest::newRow("steps high") << QJsonObject{{"steps", 151}} << QStringList{}
                                    << "field \"steps\": 151 is outside 1–150";
        QTest::newRow("guidance") << QJsonObject{{"guidance", 31}} << QStringList{}
                                  << "field \"guidance\": 31 is outside 0–30";
        QTest::newRow("template") << QJsonObject{{"template", "no placeholder"}} << QStringList{}
                                  << "field \"template\": must contain {prompt}";
        QTest::newRow("kind") << QJsonObject{{"kind", "video"}} << QStringList{}
                              << "field \"kind\": unknown pipeline kind 'video'";
        QTest::newRow("family") << QJsonObject{{"family", "sdxl"}} << QStringList{}
                                << "field \"family\": unknown family 'sdxl'";
        QTest::newRow("sampler") << QJsonObject{{"sampler", "flowmatch_euler"}} << QStringList{}
                                 << "field \"sampler\": unknown sampler";
        QTest::newRow("strength on txt2img")
            << QJsonObject{{"strength", 0.5}} << QStringList{}
            << "field \"strength\": applies only to image-to-image";
        QTest::newRow("strength missing") << QJsonObject{{"kind", "image-to-image"}}
                                          << QStringList{} << "field \"strength\": missing";
        QTest::newRow("strength zero")
            << QJsonObject{{"kind", "image-to-image"}, {"strength", 0}} << QStringList{}
            << "field \"strength\": must be greater than 0";
        QTest::newRow("lora") << QJsonObject{{"loras", QJsonArray{QJsonObject{{"scale", 1}}}}}
                              << QStringList{} << "field \"loras\"";
        QTest::newRow("sd3 size /16")
            << QJsonObject{{"family", "sd3"}, {"sampler", "flowmatch_euler"}, {"width", 1352}}
            << QStringList{} << "is not a multiple of 16";
        QTest::newRow("fixed seed")
            << QJsonObject{{"seed_policy", "fixed"}} << QStringList{} << "field \"seed\": missing";
    }

    void validationNamesProgramAndField() {
        QFETCH(QJsonObject, patch);
        QFETCH(QStringList, drop);
        QFETCH(QString, expected);
        const QString issues = issuesFor(patch, drop);
        QVERIFY2(issues.contains(QStringLiteral("user.json: program X1")), qPrintable(issues));
        QVERIFY2(issues.contains(expected), qPrintable(issues));
    }

    void validUserProgramIsAccepted() { QCOMPARE(issuesFor({}), QString()); }

    void userFileOverridesAndAdds() {
        QTemporaryDir dir;
        const QString path = dir.filePath("programs.json");
        QJsonObject root{
            {"format", 1},
            {"programs", QJsonObject{{"P2", QJsonDocument::fromJson(userFile("P2", {{"steps", 30}}))
                                                .object()["programs"]
                                                .toObject()["P2"]},
                                     {"X9", QJsonDocument::fromJson(userFile("X9", {}))
                                                .object()["programs"]
                                                .toObject()["X9"]}}}};
        QVERIFY(archival::test::writeFile(path, QJsonDocument(root).toJson()));
        const auto r = ProgramRegistry::load(path);
        QVERIFY(r.issues().isEmpty());
        QCOMPARE(r.programs().size(), 7);
        QCOMPARE(r.find("P2")->steps, 30);
        QCOMPARE(r.find("P2")->source, path);
        QCOMPARE(r.find("P0")->source, QStringLiteral("built-in"));
        QVERIFY(r.find("X9"));
    }

    void badUserFileKeepsBuiltins() {
        QTemporaryDir dir;
        const QString path = dir.filePath("programs.json");
        QVERIFY(archival::test::writeFile(path, "{ this is not json"));
        auto r = ProgramRegistry::load(path);
        QCOMPARE(r.programs().size(), 6);
        QCOMPARE(r.issues().size(), 1);
        QVERIFY(r.issues().first().toString().contains("not valid JSON"));

        // A broken override of P0 leaves the built-in P0 in place.
        QVERIFY(archival::test::writeFile(path, userFile("P0", {{"steps", 999}})));
        r = ProgramRegistry::load(path);
        QCOMPARE(r.programs().size(), 6);
        QCOMPARE(r.find("P0")->steps, 20);
        QCOMPARE(r.find("P0")->source, QStringLiteral("built-in"));
        QVERIFY(r.issues().first().toString().contains("program P0, field \"steps\""));

        // No "programs" object at all.
        QVERIFY(archival::test::writeFile(path, "{\"format\": 1}"));
        r = ProgramRegistry::load(path);
        QCOMPARE(r.programs().size(), 6);
        QVERIFY(r.issues().first().toString().contains("\"programs\""));
    }

    void missingUserFileIsNotAnError() {
        const auto r = ProgramRegistry::load(QStringLiteral("/nonexistent/programs.json"));
        QCOMPARE(r.programs().size(), 6);
        QVERIFY(r.issues().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestProgramRegistry)
#include "test_program_registry.moc"
