// `archival-studio generate` end to end on the tiny models: every end-to-end golden found in
// the fixtures becomes a command line (prompt text, seed, steps, size from its metadata) and
// the PNG written must hold the golden's pixels and read back its metadata. Errors exit with
// their typed code; Ctrl-C leaves no file behind.
#include <QDir>
#include <QImage>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

#include "golden_pixels.h"
#include "pipeline/image_metadata.h"
#include "pipeline/program_registry.h"
#include "test_support.h"

using archival::test::GoldenFile;

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

QProcessEnvironment isolatedEnv(const QTemporaryDir& home) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ARCHIVAL_FIXTURES"), archival::test::fixturesDir());
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath("config"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home.filePath("cache"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath("data"));
    env.insert(QStringLiteral("HF_HUB_CACHE"), home.filePath("hub"));
    return env;
}

Run run(const QStringList& args, const QProcessEnvironment& env) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(ARCHIVAL_STUDIO_EXE), QStringList{QStringLiteral("generate")} + args);
    if (!p.waitForFinished(300000)) return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// The tiny program a golden was made with: same family and kind, the same LoRA (or none),
// and a template that sends the prompt unchanged.
QString programFor(const archival::pipeline::ProgramRegistry& registry, const GoldenFile& g) {
    const QString pipeline = g.meta(QStringLiteral("pipeline"));
    const QString family =
        pipeline.contains(QLatin1String("3")) ? QStringLiteral("sd3") : QStringLiteral("sd15");
    const QString kind = pipeline.contains(QLatin1String("Img2Img"))
                             ? QStringLiteral("image-to-image")
                             : QStringLiteral("text-to-image");
    const QString lora = g.meta(QStringLiteral("lora"));
    for (const auto& p : registry.programs()) {
        if (p.family != family || p.kind != kind || p.promptTemplate != QLatin1String("{prompt}"))
            continue;
        if (!p.sizes.isEmpty() || p.modelPath.isEmpty()) continue;  // tiny programs only
        if (lora.isEmpty() ? !p.loras.isEmpty()
                           : (p.loras.size() != 1 || !p.loras[0].path.endsWith(lora) ||
                              p.loras[0].scale != g.meta(QStringLiteral("lora_scale")).toDouble()))
            continue;
        return p.id;
    }
    return {};
}

}  // namespace

class TestGenerateCli : public QObject {
    Q_OBJECT
    QString programs_;

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        programs_ = archival::test::tinyProgramsFile();
    }

    void goldens_data() {
        QTest::addColumn<QString>("path");
        const QDir golden(archival::test::fixture(QStringLiteral("golden")));
        const QStringList files = golden.entryList({QStringLiteral("e2e_*.safetensors")});
        for (const QString& f : files) QTest::newRow(qPrintable(f)) << golden.filePath(f);
        archival::test::addRowIfNothingFound(int(files.size()), "golden/e2e_*.safetensors");
    }

    void goldens() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, path);
        const GoldenFile g = GoldenFile::read(path);
        QVERIFY2(g.error.isEmpty(), qPrintable(g.error));
        const auto registry = archival::pipeline::ProgramRegistry::load(programs_);
        const QString program = programFor(registry, g);
        QVERIFY2(!program.isEmpty(), "no tiny program matches this golden");

        QTemporaryDir home;
        const QString out = home.filePath(QStringLiteral("out/picture.png"));
        QStringList args = {"--programs",
                            programs_,
                            "--program",
                            program,
                            "--prompt",
                            g.meta("prompt"),
                            "--negative-prompt",
                            g.meta("negative_prompt"),
                            "--seed",
                            g.meta("seed"),
                            "--steps",
                            g.meta("steps"),
                            "--guidance",
                            g.meta("guidance_scale"),
                            "--size",
                            g.meta("width") + "x" + g.meta("height"),
                            "--device",
                            "cpu",
                            "--dtype",  // the goldens' precision, whatever `auto` picks here
                            "fp32",
                            "--out",
                            out};
        if (!g.meta("strength").isEmpty()) {
            const QString init = home.filePath(QStringLiteral("init.png"));
            QVERIFY(g.rgbImage(QStringLiteral("init_image_uint8")).save(init));
            args << "--init-image" << init << "--strength" << g.meta("strength");
        }
        if (g.meta("text_encoder_3").startsWith(QLatin1String("absent"))) args << "--without-t5";

        const Run r = run(args, isolatedEnv(home));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.trimmed(), out);
        QVERIFY(r.err.contains(QLatin1String("step 1/")));  // progress on the terminal
        const QString diff =
            archival::test::comparePixels(QImage(out), g.rgbImage(QStringLiteral("image_uint8")));
        QVERIFY2(diff.isEmpty(), qPrintable(diff));

        archival::pipeline::ImageMetadata m;
        QVERIFY(archival::pipeline::readPngMetadata(out, &m));
        QCOMPARE(m.programId, program);
        QCOMPARE(m.promptTyped, g.meta("prompt"));
        QCOMPARE(QString::number(m.seed), g.meta("seed"));
        QCOMPARE(QString::number(m.steps), g.meta("steps"));
        QCOMPARE(m.width, g.meta("width").toInt());
        QCOMPARE(m.appVersion, QStringLiteral(ARCHIVAL_VERSION));
        QCOMPARE(QDir(home.filePath("out")).entryList(QDir::Files).size(), 1);
    }

    void countWritesNumberedFilesIntoAFolder() {
        QTemporaryDir home;
        const Run r = run({"--programs", programs_, "--program", "T15", "--prompt", "painting",
                           "--seed", "5", "--count", "2", "--out", home.filePath("set")},
                          isolatedEnv(home));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList written = r.out.trimmed().split('\n');
        QCOMPARE(written.size(), 2);
        QVERIFY(QFileInfo(written[0]).fileName().startsWith("T15_"));
        QVERIFY(written[0].endsWith("_5_0.png") && written[1].endsWith("_5_1.png"));
        archival::pipeline::ImageMetadata m;
        QVERIFY(archival::pipeline::readPngMetadata(written[1], &m));
        QCOMPARE(m.indexInBatch, 1);
        QCOMPARE(m.batchSize, 2);
    }

    void errorsExitWithTheirTypedCode() {
        QTemporaryDir home;
        const auto env = isolatedEnv(home);
        const QStringList base = {"--programs", programs_, "--out", home.filePath("o")};
        Run r = run(base + QStringList{"--program", "NOPE", "--prompt", "x"}, env);
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("InvalidRequest: there is no program \"NOPE\""), qPrintable(r.err));
        r = run(base + QStringList{"--program", "T15I", "--prompt", "x", "--init-image",
                                   home.filePath("missing.png")},
                env);
        QCOMPARE(r.code, 6);
        QVERIFY2(r.err.contains("Storage: cannot read the init image"), qPrintable(r.err));
        r = run({"--programs", home.filePath("nothing.json"), "--program", "T15", "--prompt", "x"},
                env);
        QCOMPARE(r.code, 3);
        r = run(base + QStringList{"--program", "T15"}, env);
        QCOMPARE(r.code, 2);  // usage: no prompt
        archival::test::writeFile(home.filePath("file"), "x");
        r = run({"--programs", programs_, "--program", "T15", "--prompt", "x", "--out",
                 home.filePath("file/sub")},
                env);
        QCOMPARE(r.code, 6);
        QVERIFY2(r.err.contains("Storage: cannot create the output folder"), qPrintable(r.err));
        QVERIFY(QDir(home.filePath("o")).entryList(QDir::Files).isEmpty());
    }

    void interruptCancelsAndWritesNothing() {
        QTemporaryDir home;
        QProcess p;
        p.setProcessEnvironment(isolatedEnv(home));
        p.start(QStringLiteral(ARCHIVAL_STUDIO_EXE),
                {"generate", "--programs", programs_, "--program", "T15V", "--prompt", "long",
                 "--steps", "150", "--count", "2", "--out", home.filePath("o")});
        QVERIFY(p.waitForStarted());
        QByteArray err;
        QElapsedTimer t;
        t.start();
        while (!err.contains("step 1/") && t.elapsed() < 120000) {
            p.waitForReadyRead(100);
            err += p.readAllStandardError();
        }
        QVERIFY2(err.contains("step 1/"), err.constData());
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("cancelled"), err.constData());
        QVERIFY(!err.contains("step 150/"));
        QVERIFY(QDir(home.filePath("o")).entryList(QDir::Files | QDir::Hidden).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestGenerateCli)
#include "test_generate_cli.moc"
