// Kill-and-resume with the real program: `archival-studio batch` on the tiny fixture
// programs, uploading to a loopback S3 server that checks signatures, is killed with SIGKILL
// at several points (mid-generation, after a set is generated, mid-upload), restarted with
// --resume each time, and in the end the bucket holds exactly the expected objects, once
// each, with the bytes of the local files.
#include <QCryptographicHash>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <functional>

#include "s3_peer.h"

#include "test_support.h"

using archival::test::S3Peer;

namespace {
const QString kBucket = QStringLiteral("archival-crash");
const QString kAction = QStringLiteral("transcript_002");
constexpr int kSets = 5;

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
}  // namespace

class TestBatchCrash : public QObject {
    Q_OBJECT

    S3Peer peer_;
    QTemporaryDir home_;
    QString queue_;

    // The state of every set record on disk: "generating", "uploaded", ...
    QStringList states() const {
        QStringList out;
        QDirIterator it(queue_, {QStringLiteral("record.json")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext())
            out << QJsonDocument::fromJson(fileBytes(it.next())).object()["state"].toString();
        return out;
    }

    void configure(QProcess& p, const QStringList& args, const QString& endpoint = {},
                   const QString& secret = {}, const QString& queue = {}) const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", home_.path());
        env.insert("XDG_CONFIG_HOME", home_.path() + "/config");
        env.insert("XDG_DATA_HOME", home_.path() + "/data");
        env.insert("ARCHIVAL_FIXTURES", archival::test::fixturesDir());
        env.insert("ARCHIVAL_R2_SECRET", secret.isEmpty() ? peer_.secret() : secret);
        env.insert("OMP_NUM_THREADS", "1");
        p.setProcessEnvironment(env);
        p.setProgram(QStringLiteral(ARCHIVAL_STUDIO_BINARY));
        p.setArguments(
            QStringList{"batch", "--programs", ARCHIVAL_SOURCE_DIR "/tests/data/programs-tiny.json",
                        "--endpoint", endpoint.isEmpty() ? peer_.endpoint() : endpoint, "--bucket",
                        kBucket, "--prefix", "exhibit", "--access-key-id", peer_.accessKeyId(),
                        "--queue", queue.isEmpty() ? queue_ : queue, "--device", "cpu"} +
            args);
        p.setProcessChannelMode(QProcess::MergedChannels);
    }

    // Runs the command and SIGKILLs it as soon as `when` holds for the records on disk.
    // Returns whether it was killed (false: it ended first).
    bool runAndKill(const QStringList& args, const std::function<bool(const QStringList&)>& when,
                    const QString& endpoint = {}) {
        QProcess p;
        configure(p, args, endpoint);
        p.start();
        if (!p.waitForStarted(10000)) return false;
        while (p.state() == QProcess::Running) {
            if (when(states())) {
                p.kill();  // SIGKILL: no handler, no clean-up
                p.waitForFinished(10000);
                return true;
            }
            p.waitForFinished(5);
        }
        return false;
    }

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        ARCHIVAL_START_PEER(peer_, QStringList{kBucket});
        queue_ = home_.path() + "/queue";
    }

    void killedAtSeveralPointsLosesNothingAndDuplicatesNothing() {
        // With every step's preview: they are written before any upload, like the images.
        const QStringList start{"--program",        "T15",   "--prompt", "ai conference",
                                "--action-id",      kAction, "--sets",   QString::number(kSets),
                                "--upload-previews"};
        const QStringList resume{"--resume"};
        auto count = [](const QStringList& s, const char* state) {
            return int(s.count(QString::fromLatin1(state)));
        };
        // 1: mid-generation of the first set.
        QVERIFY(
            runAndKill(start, [&](const QStringList& s) { return count(s, "generating") > 0; }));
        QVERIFY(states().contains("generating"));
        // 2: once a set is past generation (generated, uploading or uploaded; the first
        // two last only moments, so any of the three is the trigger).
        QVERIFY(runAndKill(resume, [&](const QStringList& s) {
            return count(s, "generated") + count(s, "uploading") + count(s, "uploaded") > 0;
        }));
        // 3: mid-upload, after the store kept an object whose answer was lost (the proxy
        // drops every connection after forwarding it): the restart must not store it twice.
        {
            archival::test::FaultProxy proxy;
            ARCHIVAL_START_PEER(proxy, peer_.endpoint(), "drop-after", 0.0);
            QVERIFY(runAndKill(
                resume,
                [&](const QStringList& s) {
                    return count(s, "uploading") > 0 && !peer_.list(kBucket).isEmpty();
                },
                proxy.endpoint()));
        }
        // 4: after some sets are up, while others are still to do.
        runAndKill(resume, [&](const QStringList& s) {
            return count(s, "uploaded") >= 2 && count(s, "uploaded") < kSets;
        });

        QProcess last;
        configure(last, resume);
        last.start();
        QVERIFY(last.waitForFinished(300000));
        const QByteArray output = last.readAll();
        QVERIFY2(last.exitCode() == 0, output.constData());
        QCOMPARE(states(), QStringList(kSets, "uploaded"));

        // The bucket: exactly the sets' files (the reference's layout, set ids from 0), once
        // each, bytes equal to the local files.
        const QJsonObject stored = peer_.list(kBucket);
        int expected = 0;
        for (int n = 0; n < kSets; ++n) {
            const QString set = QStringLiteral("set_%1").arg(n, 3, 10, QLatin1Char('0'));
            const QJsonObject record =
                QJsonDocument::fromJson(
                    fileBytes(queue_ + "/" + kAction + "/T15/" + set + "/record.json"))
                    .object();
            // A preview for every step the pass ran, from 1.
            QStringList files;
            const QJsonArray steps = record["preview_steps"].toArray();
            QVERIFY(record["total_steps"].toInt() > 0);
            QCOMPARE(steps.size(), record["total_steps"].toInt());
            for (int i = 0; i < steps.size(); ++i) {
                QCOMPARE(steps[i].toInt(), i + 1);
                files << QStringLiteral("%1.jpg").arg(i + 1);
            }
            files << "final.png"
                  << "meta.json";
            expected += int(files.size());
            for (const QString& file : files) {
                const QString key =
                    "exhibit/actions/" + kAction + "/sets/" + QString::number(n) + "/" + file;
                QVERIFY2(stored.contains(key), qPrintable(key));
                const QByteArray local =
                    fileBytes(queue_ + "/" + kAction + "/T15/" + set + "/" + file);
                QVERIFY(!local.isEmpty());
                QCOMPARE(stored[key].toObject()["etag"].toString().toLatin1(),
                         QCryptographicHash::hash(local, QCryptographicHash::Md5).toHex());
            }
            // The uploaded metadata names the seed the record kept through the kills.
            const QJsonObject meta =
                QJsonDocument::fromJson(
                    fileBytes(queue_ + "/" + kAction + "/T15/" + set + "/meta.json"))
                    .object();
            QCOMPARE(meta["archival_studio"].toObject()["seed"].toString(),
                     record["seed"].toString());
            QCOMPARE(meta["preview_urls"].toArray().size(), steps.size());
        }
        QCOMPARE(stored.size(), expected);
    }

    // A wrong secret: the run exits non-zero with the store's reason and keeps the sets;
    // --retry with the right secret uploads them.
    void badCredentialsExitWithTheServersReasonThenRetry() {
        const QString queue = home_.path() + "/queue-denied";
        QProcess denied;
        configure(denied,
                  {"--program", "T15", "--prompt", "ai conference", "--action-id", "denied",
                   "--sets", "2"},
                  {}, "not-the-secret", queue);
        denied.start();
        QVERIFY(denied.waitForFinished(120000));
        const QByteArray out = denied.readAll();
        QCOMPARE(denied.exitCode(), 8);
        QVERIFY2(out.contains("SignatureDoesNotMatch"), out.constData());
        QVERIFY2(out.contains("re-enter the secret"), out.constData());
        QVERIFY(peer_.list(kBucket, "exhibit/actions/denied/").isEmpty());

        QProcess retry;
        configure(retry, {"--retry"}, {}, {}, queue);
        retry.start();
        QVERIFY(retry.waitForFinished(120000));
        const QByteArray retried = retry.readAll();
        QVERIFY2(retry.exitCode() == 0, retried.constData());
        QCOMPARE(peer_.list(kBucket, "exhibit/actions/denied/").size(), 4);
    }

    // `--action-id X` answers for X alone: an earlier action in the same queue whose sets
    // failed is reported, and does not turn a good run of X into a failure.
    void exitStatusIsTheAskedActionsAlone() {
        const QString queue = home_.path() + "/queue-two-actions";
        auto run = [&](const QStringList& args, const QString& secret = {}) {
            QProcess p;
            configure(p, args, {}, secret, queue);
            p.start();
            if (!p.waitForFinished(120000)) p.kill();
            return std::make_pair(p.exitCode(), QString::fromUtf8(p.readAll()));
        };
        // The earlier action: refused by the store, then cancelled: its set is failed.
        const auto refused = run({"--program", "T15", "--prompt", "ai conference", "--action-id",
                                  "earlier", "--sets", "1"},
                                 "not-the-secret");
        QVERIFY2(refused.first == 8, qPrintable(refused.second));
        const auto cancelled = run({"--cancel", "--action-id", "earlier"});
        QVERIFY2(cancelled.first == 0, qPrintable(cancelled.second));
        QVERIFY2(cancelled.second.contains("failed"), qPrintable(cancelled.second));

        const auto later = run({"--program", "T15", "--prompt", "ai conference", "--action-id",
                                "later", "--sets", "1"});
        QVERIFY2(later.first == 0, qPrintable(later.second));
        QVERIFY2(later.second.contains("earlier"), qPrintable(later.second));  // reported
        QCOMPARE(peer_.list(kBucket, "exhibit/actions/later/").size(), 2);

        // Without an action id the run answers for the whole queue, the failed set included.
        const auto whole = run({"--resume"});
        QVERIFY2(whole.first == 8 || whole.first == 9, qPrintable(whole.second));
    }

    // Ctrl-C mid-generation: exit 130, no set marked failed, --resume finishes the action.
    void interruptKeepsSetsResumable() {
        const QString queue = home_.path() + "/queue-interrupted";
        QProcess p;
        configure(p,
                  {"--program", "T15", "--prompt", "ai conference", "--action-id", "interrupted",
                   "--sets", "2"},
                  {}, {}, queue);
        p.start();
        QVERIFY(p.waitForStarted(10000));
        const QString record = queue + "/interrupted/T15/set_000/record.json";
        while (p.state() == QProcess::Running &&
               QJsonDocument::fromJson(fileBytes(record)).object()["state"].toString() !=
                   "generating")
            p.waitForFinished(5);
        QCOMPARE(p.state(), QProcess::Running);
        ::kill(pid_t(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 130);
        QVERIFY(!fileBytes(queue + "/interrupted/T15/set_000/record.json").contains("\"failed\""));

        QProcess resumed;
        configure(resumed, {"--resume"}, {}, {}, queue);
        resumed.start();
        QVERIFY(resumed.waitForFinished(120000));
        QVERIFY2(resumed.exitCode() == 0, resumed.readAll().constData());
        QCOMPARE(peer_.list(kBucket, "exhibit/actions/interrupted/").size(), 4);
    }
};

QTEST_GUILESS_MAIN(TestBatchCrash)
#include "test_batch_crash.moc"
