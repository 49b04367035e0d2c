// `archival-bench verify` (the Qt-free golden check a GPU machine runs): on the CPU in
// float32 every golden of the fixtures passes, and a golden planted with one wrong tensor
// fails, named in the output, with a non-zero exit status. In bf16 every compared tensor has
// a bound (1.5x the reference libraries' own bf16 error, tests/data/bf16_peer_errors.json)
// and holds it; a bound planted too tight fails by name, a missing one is counted.
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
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
bool summary(const QString& output, int* passed, int* failed, int* errors,
             int* unbounded = nullptr) {
    static const QRegularExpression re(
        QStringLiteral(R"(verify \S+ \S+: (\d+) passed, (\d+) failed, (\d+) without a bound, )"
                       R"((\d+) errors)"));
    const auto m = re.match(output);
    if (!m.hasMatch()) return false;
    *passed = m.captured(1).toInt();
    *failed = m.captured(2).toInt();
    *errors = m.captured(4).toInt();
    if (unbounded) *unbounded = m.captured(3).toInt();
    return true;
}

// The measured bf16 errors verify reads by default.
const QString kPeerErrors = QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/data/bf16_peer_errors.json");

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

QString sha256Of(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return QString::fromLatin1(hash.result().toHex());
}

// Whether the committed peer errors were measured on this fixture set: every golden they name
// is here with the bytes they were measured on.
bool measuredOnTheseFixtures(const QString& peerErrors) {
    const QJsonObject goldens = readJson(peerErrors).value(QStringLiteral("goldens")).toObject();
    if (goldens.isEmpty()) return false;
    for (auto it = goldens.begin(); it != goldens.end(); ++it) {
        const QString sha = it.value().toObject().value(QStringLiteral("sha256")).toString();
        if (sha != sha256Of(QDir(archival::test::fixturesDir()).filePath(it.key()))) return false;
    }
    return true;
}

// Measures the reference libraries' bf16 errors on this fixture set with the committed
// command's script, in the test peers' Python; empty with the reason when it cannot.
QString measurePeerErrors(const QString& out, QString* why) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral(ARCHIVAL_PYTHON),
            {QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/peers/bf16/measure_bf16_peer.py"),
             QStringLiteral("--fixtures"), archival::test::fixturesDir(), QStringLiteral("--out"),
             out});
    const bool finished = p.waitForFinished(900000);
    const QString log = QString::fromLocal8Bit(p.readAll());
    qInfo("%s", qPrintable(log));
    if (!finished || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *why = QStringLiteral("measuring the peer's bf16 errors failed (%1 %2): %3")
                   .arg(QStringLiteral(ARCHIVAL_PYTHON), p.errorString(), log.right(2000));
        return {};
    }
    return out;
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

    // Goal 4 of the speed work: the engine's bf16 error on every component, loop and
    // end-to-end golden stays within 1.5x diffusers' / transformers' own bf16 error on the same
    // golden, and no compared tensor goes without such a bound. When the fixtures change, the
    // peer errors are measured again with the command in the json file.
    // The committed errors were measured on one fixture set; on another (other seeds, sizes,
    // prompts) they are measured again here by the same script before the engine is held to
    // them, so the bound always belongs to the goldens it judges.
    void everyGoldenHoldsItsPeerBoundInBf16OnTheCpu() {
        QString peerErrors = kPeerErrors;
        QTemporaryDir measured;
        if (!measuredOnTheseFixtures(kPeerErrors)) {
            qInfo("the fixtures differ from those %s was measured on: measuring again",
                  qPrintable(kPeerErrors));
            QVERIFY(measured.isValid());
            QString why;
            peerErrors = measurePeerErrors(measured.filePath(QStringLiteral("peer.json")), &why);
            QVERIFY2(!peerErrors.isEmpty(), qPrintable(why));
        }
        const Run r =
            runVerify({QStringLiteral("--fixtures"), archival::test::fixturesDir(),
                       QStringLiteral("--device"), QStringLiteral("cpu"), QStringLiteral("--dtype"),
                       QStringLiteral("bf16"), QStringLiteral("--peer-errors"), peerErrors});
        qInfo("%s", qPrintable(r.output));
        int passed = 0, failed = 0, errors = 0, unbounded = -1;
        QVERIFY2(summary(r.output, &passed, &failed, &errors, &unbounded), "no summary line");
        QCOMPARE(failed, 0);
        QCOMPARE(errors, 0);
        QVERIFY2(unbounded == 0,
                 qPrintable(QStringLiteral("%1 tensors without a measured bf16 bound: rerun the "
                                           "command in tests/data/bf16_peer_errors.json")
                                .arg(unbounded)));
        QVERIFY2(passed > 0, "verify compared nothing");
        QCOMPARE(r.exitCode, 0);
        // Every kind ran: component goldens, sampling loops and prompt-to-pixels runs.
        QVERIFY2(r.output.contains(QRegularExpression(QStringLiteral(R"(\n\S+ +out +)"))),
                 "no component golden ran");
        QVERIFY2(r.output.contains(QLatin1String("noise_preds")), "no loop golden ran");
        QVERIFY2(r.output.contains(QLatin1String("image_uint8")), "no end-to-end golden ran");
    }

    // The bf16 check itself: with one measured peer error cut to a tenth, that tensor fails
    // by name; with a golden's entry gone, its tensors are counted as without a bound.
    void aBf16BoundTooTightFailsAndAMissingOneIsCounted() {
        const QJsonObject peers = readJson(kPeerErrors);
        const QString golden = QStringLiteral("golden/sd15_unet.safetensors");
        QJsonObject goldens = peers.value(QStringLiteral("goldens")).toObject();
        QJsonObject entry = goldens.value(golden).toObject();
        QJsonObject maxAbs = entry.value(QStringLiteral("max_abs")).toObject();
        QJsonObject bf16 = maxAbs.value(QStringLiteral("bfloat16")).toObject();
        QVERIFY2(bf16.contains(QStringLiteral("out")),
                 qPrintable(golden + " out has no measured bf16 error in " + kPeerErrors));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto runWith = [&](const QJsonObject& changed) {
            const QString path = dir.filePath(QStringLiteral("peers.json"));
            QFile f(path);
            if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return Run{};
            f.write(QJsonDocument(changed).toJson());
            f.close();
            return runVerify({QStringLiteral("--fixtures"), archival::test::fixturesDir(),
                              QStringLiteral("--dtype"), QStringLiteral("bf16"),
                              QStringLiteral("--only"), QStringLiteral("sd15_unet."),
                              QStringLiteral("--peer-errors"), path});
        };

        bf16[QStringLiteral("out")] = bf16.value(QStringLiteral("out")).toDouble() / 10;
        maxAbs[QStringLiteral("bfloat16")] = bf16;
        entry[QStringLiteral("max_abs")] = maxAbs;
        goldens[golden] = entry;
        QJsonObject tight = peers;
        tight[QStringLiteral("goldens")] = goldens;
        Run r = runWith(tight);
        qInfo("%s", qPrintable(r.output));
        int passed = 0, failed = 0, errors = 0, unbounded = -1;
        QVERIFY2(summary(r.output, &passed, &failed, &errors, &unbounded), "no summary line");
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(failed, 1);
        QVERIFY2(r.output.contains(QRegularExpression(
                     QStringLiteral(R"(FAILED: sd15_unet\.safetensors +out\b)"))),
                 "the failure does not name sd15_unet.safetensors out");

        goldens.remove(golden);
        QJsonObject missing = peers;
        missing[QStringLiteral("goldens")] = goldens;
        r = runWith(missing);
        qInfo("%s", qPrintable(r.output));
        QVERIFY2(summary(r.output, &passed, &failed, &errors, &unbounded), "no summary line");
        QCOMPARE(failed, 0);
        QVERIFY2(unbounded > 0, "a golden without a measured peer error got a bound");
        QCOMPARE(passed, 0);
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
