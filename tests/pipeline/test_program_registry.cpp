// The program registry: built-ins as designed, strict validation, user overrides.
#include <QTemporaryDir>
#include <QtTest>

#include "pipeline/program_registry.h"
#include "test_support.h"

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
    void builtinsMatchTheDesign() {
        const auto r = ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
        QVERIFY2(r.issues().isEmpty(), qPrintable(r.issues().value(0).toString()));
        QCOMPARE(r.programs().size(), 4);
        const Program* p0 = r.find("P0");
        QVERIFY(p0);
        QCOMPARE(p0->model, QStringLiteral("stabilityai/stable-diffusion-3.5-large-turbo"));
        QCOMPARE(p0->steps, 20);
        QCOMPARE(p0->guidance, 7.5);
        QCOMPARE(p0->size, QSize(1360, 768));
        QCOMPARE(p0->applyTemplate("machine learning summit"),
                 QStringLiteral("machine learning summit, photorealistic, high quality, detailed"));
        const Program* p2 = r.find("P2");
        QCOMPARE(p2->kind, QStringLiteral("image-to-image"));
        QCOMPARE(p2->strength, 0.75);
        QCOMPARE(p2->size, QSize(960, 800));
        QCOMPARE(p2->steps, 15);
        const Program* p3 = r.find("P3");
        QVERIFY(!p3->sizes.isEmpty());
        for (const QSize& s : p3->sizes) QVERIFY(s.width() % 64 == 0 && s.height() % 64 == 0);
        const Program* p4 = r.find("P4");
        QCOMPARE(p4->model, p0->model);
        QCOMPARE(p4->applyTemplate("x"), QStringLiteral("x"));
    }

    void randomSizeIsAFunctionOfTheSeed() {
        const auto r = ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
        const Program* p3 = r.find("P3");
        QSet<QString> seen;
        for (quint64 seed = 0; seed < 200; ++seed) {
            const QSize a = p3->sizeForSeed(seed);
            QCOMPARE(p3->sizeForSeed(seed), a);  // same seed, same size
            QVERIFY(p3->sizes.contains(a));
            seen.insert(QStringLiteral("%1x%2").arg(a.width()).arg(a.height()));
        }
        QCOMPARE(seen.size(), p3->sizes.size());  // every size gets drawn
        QCOMPARE(r.find("P0")->sizeForSeed(12345), QSize(1360, 768));
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
        QTest::newRow("random size not /64")
            << QJsonObject{{"sizes", QJsonArray{QJsonArray{512, 520}}}}
            << QStringList{"width", "height"} << "field \"sizes\": 512×520 is not a multiple of 64";
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
        QCOMPARE(r.programs().size(), 5);
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
        QCOMPARE(r.programs().size(), 4);
        QCOMPARE(r.issues().size(), 1);
        QVERIFY(r.issues().first().toString().contains("not valid JSON"));

        // A broken override of P0 leaves the built-in P0 in place.
        QVERIFY(archival::test::writeFile(path, userFile("P0", {{"steps", 999}})));
        r = ProgramRegistry::load(path);
        QCOMPARE(r.programs().size(), 4);
        QCOMPARE(r.find("P0")->steps, 20);
        QCOMPARE(r.find("P0")->source, QStringLiteral("built-in"));
        QVERIFY(r.issues().first().toString().contains("program P0, field \"steps\""));

        // No "programs" object at all.
        QVERIFY(archival::test::writeFile(path, "{\"format\": 1}"));
        r = ProgramRegistry::load(path);
        QCOMPARE(r.programs().size(), 4);
        QVERIFY(r.issues().first().toString().contains("\"programs\""));
    }

    void missingUserFileIsNotAnError() {
        const auto r = ProgramRegistry::load(QStringLiteral("/nonexistent/programs.json"));
        QCOMPARE(r.programs().size(), 4);
        QVERIFY(r.issues().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestProgramRegistry)
#include "test_program_registry.moc"
