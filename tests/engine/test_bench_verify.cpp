// `archival-bench verify` (the Qt-free golden check a GPU machine runs): on the CPU in
// float32 every golden of the fixtures passes, and a golden planted with one wrong tensor
// fails, named in the output, with a non-zero exit status.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/io/safetensors.h"
#include "engine/io/tensor_loader.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

namespace {

struct Run {
    int exitCode = -1;
    QString output;
};

Run runVerify(const QStringList& args) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(ARCHIVAL_BENCH), QStringList{QStringLiteral("verify")} + args);
    Run r;
    if (!p.waitForFinished(600000)) {
        p.kill();
        r.output = QStringLiteral("archival-bench verify did not finish");
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.output = QString::fromLocal8Bit(p.readAll());
    return r;
}

// The counts of the summary line "verify fp32 cpu: P passed, F failed, U without a bound,
// E errors".
bool summary(const QString& output, int* passed, int* failed, int* errors) {
    static const QRegularExpression re(
        QStringLiteral(R"(verify \S+ \S+: (\d+) passed, (\d+) failed, (\d+) without a bound, )"
                       R"((\d+) errors)"));
    const auto m = re.match(output);
    if (!m.hasMatch()) return false;
    *passed = m.captured(1).toInt();
    *failed = m.captured(2).toInt();
    *errors = m.captured(4).toInt();
    return true;
}

}  // namespace

class TestBenchVerify : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void everyGoldenPassesOnTheCpuInFloat32() {
        const Run r = runVerify({QStringLiteral("--fixtures"), archival::test::fixturesDir(),
                                 QStringLiteral("--device"), QStringLiteral("cpu"),
                                 QStringLiteral("--dtype"), QStringLiteral("fp32")});
        qInfo("%s", qPrintable(r.output));
        int passed = 0, failed = 0, errors = 0;
        QVERIFY2(summary(r.output, &passed, &failed, &errors), "no summary line");
        QCOMPARE(failed, 0);
        QCOMPARE(errors, 0);
        QVERIFY2(passed > 0, "verify compared nothing");
        QCOMPARE(r.exitCode, 0);
        // Both kinds ran: a component golden (one forward pass) and a sampling loop.
        QVERIFY2(r.output.contains(QLatin1String("step_latents")), "no loop golden ran");
        QVERIFY2(r.output.contains(QRegularExpression(QStringLiteral(R"(\n\S+ +out +)"))),
                 "no component golden ran");
    }

    // A copy of one component golden with its output tensor moved far outside the single-pass
    // tolerance, in a fixture folder of its own (the real models beside it).
    void aPlantedWrongGoldenFailsByName() {
        QString source;
        std::string tensor;
        for (const QString& f : archival::test::goldenFiles(QStringLiteral("*.safetensors"))) {
            const archival::test::Golden g(f);
            if (g.meta("model").is_string() && g.has("out") && !g.has("out_base") &&
                (g.has("sample") || g.has("hidden_states"))) {
                source = f;
                tensor = "out";
                break;
            }
        }
        QVERIFY2(!source.isEmpty(), "no component golden with an `out` tensor in the fixtures");
        const QString name = QFileInfo(source).fileName();

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("golden")));
        QVERIFY(QFile::link(archival::test::fixture(QStringLiteral("models")),
                            dir.filePath(QStringLiteral("models"))));

        const archival::test::Golden g(source);
        std::vector<archival::engine::TensorInfo> infos;
        std::vector<at::Tensor> data;
        for (const auto& [n, entry] : g.checkpoint().entries()) {
            at::Tensor t = g[n];
            if (n == tensor) {
                // 100x the single-pass tolerance at the golden's peak, on one element.
                const double peak = t.abs().max().item<double>();
                const auto rule = archival::test::kSinglePass;
                t = t.clone();
                t.view({-1})[0] += 100 * (rule.atol + rule.rtol * peak);
            }
            infos.push_back({n, entry.info->dtype, t.sizes().vec()});
            data.push_back(t.contiguous());
        }
        QByteArray bytes = QByteArray::fromStdString(archival::engine::makeSafetensorsHeader(
            infos, g.checkpoint().shards().front().metadata()));
        for (const auto& t : data)
            bytes.append(static_cast<const char*>(t.data_ptr()),
                         static_cast<qsizetype>(t.nbytes()));
        QVERIFY(archival::test::writeFile(dir.filePath(QStringLiteral("golden/") + name), bytes));

        const Run r = runVerify({QStringLiteral("--fixtures"), dir.path()});
        qInfo("%s", qPrintable(r.output));
        QCOMPARE(r.exitCode, 1);
        int passed = 0, failed = 0, errors = 0;
        QVERIFY2(summary(r.output, &passed, &failed, &errors), "no summary line");
        QCOMPARE(failed, 1);
        QCOMPARE(errors, 0);
        QVERIFY2(r.output.contains(QRegularExpression(
                     QStringLiteral("FAILED: %1 +%2\\b")
                         .arg(QRegularExpression::escape(name), QString::fromStdString(tensor)))),
                 qPrintable("the failure does not name " + name));
    }
};

QTEST_GUILESS_MAIN(TestBenchVerify)
#include "test_bench_verify.moc"
