// Several `archival-studio worker`s on one Redis broker, for real: the tiny fixture programs,
// a redis-server (AOF on, a password) and moto's S3 server (signatures checked) on loopback,
// started here. Sets are queued with `batch --broker`; a proxy in front of the store counts
// every PUT it accepted, so "uploaded once" is counted, not assumed.
//
//   * three workers, twelve sets: every object stored once, every meta.json there, the pixels
//     those of the same sets made by the local queue (`batch --seed`);
//   * a worker killed with SIGKILL mid-set: another takes the set after the lease;
//   * a worker killed with SIGKILL between a set's first and last upload: another makes the
//     set again (other timings, so other PNG bytes) and finishes it, each object stored once;
//   * redis-server killed and started again mid-run: no set lost, none made twice;
//   * 5xx answers are retried; a 403 fails the set with the store's reason, which
//     `batch --status --broker` shows, and `batch --retry --broker` makes again;
//   * the broker's password never appears in what the processes print;
//   * acknowledged entries leave the stream (its length back to 0) while the status still
//     lists every set;
//   * a set delivered more often than --max-deliveries is failed with its last worker named.
#include <QDirIterator>
#include <QElapsedTimer>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <memory>

#include "../batch/s3_peer.h"
#include "redis_peer.h"
#include "test_support.h"

using archival::test::FaultProxy;
using archival::test::RedisPeer;
using archival::test::S3Peer;

namespace {
const QString kBucket = QStringLiteral("archival-broker");
const QString kLocalBucket = QStringLiteral("archival-local");
const QString kPassword = QStringLiteral("broker-pw-7f3a9c");
const QString kLease = QStringLiteral("3");

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
}  // namespace

class TestBrokerWorkers : public QObject {
    Q_OBJECT

    S3Peer store_;
    RedisPeer redis_;
    QTemporaryDir home_;
    std::vector<std::unique_ptr<QProcess>> workers_;

    QProcessEnvironment environment(const QString& secret = {}) const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", home_.path());
        env.insert("XDG_CONFIG_HOME", home_.path() + "/config");
        env.insert("XDG_DATA_HOME", home_.path() + "/data");
        env.insert("ARCHIVAL_FIXTURES", archival::test::fixturesDir());
        env.insert("ARCHIVAL_R2_SECRET", secret.isEmpty() ? store_.secret() : secret);
        env.insert("ARCHIVAL_BROKER_PASSWORD", kPassword);
        env.insert("OMP_NUM_THREADS", "1");
        return env;
    }

    QStringList common() const {
        return {"--programs", ARCHIVAL_SOURCE_DIR "/tests/data/programs-tiny.json", "--device",
                "cpu"};
    }

    QProcess* startWorker(const QString& name, const QString& endpoint, const QString& secret = {},
                          const QStringList& extra = {}) {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(environment(secret));
        p->setProgram(QStringLiteral(ARCHIVAL_STUDIO_BINARY));
        p->setArguments(QStringList{"worker", "--broker", redis_.url(), "--name", name,
                                    "--endpoint", endpoint, "--bucket", kBucket, "--prefix",
                                    "exhibit", "--access-key-id", store_.accessKeyId(), "--queue",
                                    home_.path() + "/workers", "--lease-seconds", kLease} +
                        extra + common());
        p->setProcessChannelMode(QProcess::MergedChannels);
        p->setStandardOutputFile(logPath(name), QIODevice::Append);
        p->start();
        if (!p->waitForStarted(10000)) return nullptr;
        workers_.push_back(std::move(p));
        return workers_.back().get();
    }

    QString logPath(const QString& name) const { return home_.path() + "/" + name + ".log"; }

    // SIGTERM: the worker finishes or hands back its set and exits 0.
    bool stopWorker(QProcess* p) {
        if (p->state() == QProcess::NotRunning) return true;
        ::kill(pid_t(p->processId()), SIGTERM);
        return p->waitForFinished(120000) && p->exitStatus() == QProcess::NormalExit &&
               p->exitCode() == 0;
    }

    std::pair<int, QString> batch(const QStringList& args, const QStringList& destination = {}) {
        QProcess p;
        p.setProcessEnvironment(environment());
        p.setProgram(QStringLiteral(ARCHIVAL_STUDIO_BINARY));
        p.setArguments(QStringList{"batch"} + args + destination + common());
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start();
        if (!p.waitForFinished(300000)) p.kill();
        return {p.exitCode(), QString::fromUtf8(p.readAll())};
    }

    QString field(const QString& action, int set, const char* name) const {
        const QByteArray answer = redis_.raw("HGET archival:set:" + action.toUtf8() + ":" +
                                             QByteArray::number(set) + " " + name);
        if (!answer.startsWith('$') || answer.startsWith("$-1")) return {};
        const int start = answer.indexOf("\r\n") + 2;
        return QString::fromUtf8(answer.mid(start, answer.indexOf("\r\n", start) - start));
    }

    // Waits until every set 0..count-1 of the action is in `state` (or any final state has
    // come and it is another: then false at once).
    bool waitForAll(const QString& action, int count, const QString& state, int timeoutMs) {
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs) {
            int done = 0;
            for (int n = 0; n < count; ++n) {
                const QString s = field(action, n, "state");
                if (s == state)
                    ++done;
                else if (s == QLatin1String("failed") || s == QLatin1String("uploaded")) {
                    qWarning() << action << n << s << field(action, n, "reason");
                    showLogs();
                    return false;
                }
            }
            if (done == count) return true;
            QTest::qWait(200);
        }
        showLogs();
        return false;
    }

    // What the workers said, for a failure's report.
    void showLogs() const {
        for (const auto& name : QDir(home_.path()).entryList({"*.log"}, QDir::Files))
            qWarning().noquote() << "----" << name << "\n"
                                 << QString::fromUtf8(
                                        fileBytes(home_.path() + "/" + name).right(3000));
    }

    QStringList queueArgs(const QString& action, int sets, int seed) const {
        return {"--broker", redis_.url(),          "--program",   "T15",
                "--prompt", "ai conference",       "--action-id", action,
                "--sets",   QString::number(sets), "--seed",      QString::number(seed)};
    }

    // Every object of the action's sets in the bucket, and the PUTs the proxy saw: one each.
    void checkStoredOnce(const QString& action, int sets, const QJsonObject& puts) {
        const QJsonObject stored = store_.list(kBucket, "exhibit/actions/" + action + "/");
        QCOMPARE(stored.size(), sets * 2);
        for (int n = 0; n < sets; ++n) {
            for (const char* file : {"final.png", "meta.json"}) {
                const QString key = QStringLiteral("exhibit/actions/%1/sets/%2/%3")
                                        .arg(action)
                                        .arg(n)
                                        .arg(QLatin1String(file));
                QVERIFY2(stored.contains(key), qPrintable(key));
                QVERIFY2(puts["/" + kBucket + "/" + key].toInt() == 1,
                         qPrintable(key + QStringLiteral(" stored %1 times")
                                              .arg(puts["/" + kBucket + "/" + key].toInt())));
            }
            const QJsonObject meta =
                QJsonDocument::fromJson(
                    store_.get(
                        kBucket,
                        QStringLiteral("exhibit/actions/%1/sets/%2/meta.json").arg(action).arg(n)))
                    .object();
            QCOMPARE(meta["cue_id"].toString(), action);
            QCOMPARE(meta["set_id"].toVariant().toInt(), n);
        }
    }

    // Not in what the processes printed, not in any file they wrote (settings included).
    void checkNoPasswordPrinted() {
        int files = 0;
        QDirIterator it(home_.path(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            ++files;
            QVERIFY2(!fileBytes(path).contains(kPassword.toUtf8()), qPrintable(path));
        }
        QVERIFY(files > 0);
    }

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        ARCHIVAL_START_PEER(store_, QStringList{kBucket, kLocalBucket});
        ARCHIVAL_START_REDIS(redis_, kPassword);
    }

    void cleanup() {
        for (auto& w : workers_)
            if (w->state() != QProcess::NotRunning) {
                w->kill();
                w->waitForFinished(5000);
            }
        workers_.clear();
    }

    void threeWorkersMakeTwelveSetsOnceEachWithTheLocalQueuesPixels() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, store_.endpoint(), "ok", 0.0);
        const QString action = QStringLiteral("three");
        QList<QProcess*> workers;
        for (const char* name : {"w1", "w2", "w3"}) {
            workers << startWorker(QString::fromLatin1(name), proxy.endpoint());
            QVERIFY(workers.last());
        }
        const auto queued = batch(queueArgs(action, 12, 1000));
        QVERIFY2(queued.first == 0, qPrintable(queued.second));
        QVERIFY2(waitForAll(action, 12, "uploaded", 240000), "not every set was uploaded");
        for (QProcess* w : workers) QVERIFY(stopWorker(w));
        checkStoredOnce(action, 12, proxy.report()["puts"].toObject());

        // Every acknowledged entry left the stream; the sets' hashes stayed.
        QCOMPARE(redis_.raw("XLEN archival:sets"), QByteArray(":0\r\n"));
        // The status lists them all, each with the worker that made it.
        const auto status = batch({"--status", "--broker", redis_.url(), "--action-id", action});
        QVERIFY2(status.first == 0, qPrintable(status.second));
        QCOMPARE(status.second.count(QLatin1String(" uploaded  worker w")), 12);

        // The local queue makes the same sets (same first seed): the same pixels.
        const QString local = home_.path() + "/local-queue";
        const auto made = batch({"--program", "T15", "--prompt", "ai conference", "--action-id",
                                 action, "--sets", "12", "--seed", "1000", "--queue", local},
                                {"--endpoint", store_.endpoint(), "--bucket", kLocalBucket,
                                 "--prefix", "exhibit", "--access-key-id", store_.accessKeyId()});
        QVERIFY2(made.first == 0, qPrintable(made.second));
        for (int n = 0; n < 12; ++n) {
            const QImage fromWorkers = QImage::fromData(store_.get(
                kBucket,
                QStringLiteral("exhibit/actions/%1/sets/%2/final.png").arg(action).arg(n)));
            const QImage fromQueue = QImage(QStringLiteral("%1/%2/T15/set_%3/final.png")
                                                .arg(local, action)
                                                .arg(n, 3, 10, QLatin1Char('0')));
            QVERIFY(!fromWorkers.isNull() && !fromQueue.isNull());
            QVERIFY2(fromWorkers.convertToFormat(QImage::Format_RGB888) ==
                         fromQueue.convertToFormat(QImage::Format_RGB888),
                     qPrintable(QStringLiteral("set %1 differs from the local queue's").arg(n)));
        }
        checkNoPasswordPrinted();
    }

    void killedWorkersSetIsFinishedByAnotherAfterTheLease() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, store_.endpoint(), "ok", 0.0);
        const QString action = QStringLiteral("killed");
        QProcess* doomed = startWorker("doomed", proxy.endpoint());
        QVERIFY(doomed);
        const auto queued = batch(queueArgs(action, 2, 2000));
        QVERIFY2(queued.first == 0, qPrintable(queued.second));
        // As soon as the broker says it holds the first set (a tiny set takes about a second
        // to make; the hash is what the other workers go by).
        QElapsedTimer waited;
        waited.start();
        while (field(action, 0, "worker") != QLatin1String("doomed") && waited.elapsed() < 120000)
            QTest::qWait(1);
        doomed->kill();  // SIGKILL: its entry stays pending, its lease runs out
        doomed->waitForFinished(5000);
        const QString stateAtKill = field(action, 0, "state");
        QVERIFY2(!stateAtKill.isEmpty() && stateAtKill != "uploaded" && stateAtKill != "failed",
                 qPrintable(stateAtKill));
        QCOMPARE(field(action, 0, "worker"), QStringLiteral("doomed"));
        QElapsedTimer sinceKill;
        sinceKill.start();
        QProcess* rescuer = startWorker("rescuer", proxy.endpoint());
        QVERIFY(rescuer);
        QVERIFY2(waitForAll(action, 2, "uploaded", 60000), "not every set was uploaded");
        QCOMPARE(field(action, 0, "worker"), QStringLiteral("rescuer"));
        QVERIFY(sinceKill.elapsed() >= kLease.toInt() * 1000);
        QVERIFY(stopWorker(rescuer));
        checkStoredOnce(action, 2, proxy.report()["puts"].toObject());
    }

    void workerKilledBetweenUploadsLeavesASetAnotherFinishes() {
        // meta.json goes up after final.png: its first PUT hangs, so the worker is killed with
        // final.png stored and meta.json not.
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, store_.endpoint(), "ok", 300.0, QStringLiteral("/meta.json"));
        const QString action = QStringLiteral("remade");
        const QString finalKey = QStringLiteral("exhibit/actions/%1/sets/0/final.png").arg(action);
        QProcess* doomed = startWorker("halfway", proxy.endpoint());
        QVERIFY(doomed);
        const auto queued = batch(queueArgs(action, 1, 3000));
        QVERIFY2(queued.first == 0, qPrintable(queued.second));
        QElapsedTimer waited;
        waited.start();
        QByteArray firstPng;
        while (firstPng.isEmpty() && waited.elapsed() < 120000) {
            if (store_.list(kBucket, "exhibit/actions/" + action + "/").contains(finalKey))
                firstPng = store_.get(kBucket, finalKey);
            else
                QTest::qWait(100);
        }
        QVERIFY2(!firstPng.isEmpty(), "the first worker stored no final.png");
        doomed->kill();
        doomed->waitForFinished(5000);
        QCOMPARE(field(action, 0, "state"), QStringLiteral("uploading"));
        QVERIFY(!store_.list(kBucket, "exhibit/actions/" + action + "/")
                     .contains(QStringLiteral("exhibit/actions/%1/sets/0/meta.json").arg(action)));

        QProcess* rescuer = startWorker("remaker", proxy.endpoint());
        QVERIFY(rescuer);
        QVERIFY2(waitForAll(action, 1, "uploaded", 120000), "the set made again did not finish");
        QCOMPARE(field(action, 0, "worker"), QStringLiteral("remaker"));
        QVERIFY(stopWorker(rescuer));
        // The first worker's final.png is the one kept; the second's had other bytes (its
        // timings) and the same content, so it counted as uploaded without a second write.
        QCOMPARE(store_.get(kBucket, finalKey), firstPng);
        checkStoredOnce(action, 1, proxy.report()["puts"].toObject());
    }

    void brokerKilledAndRestartedLosesNothing() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, store_.endpoint(), "ok", 0.0);
        const QString action = QStringLiteral("restarted");
        constexpr int kSets = 12;
        const auto queued = batch(queueArgs(action, kSets, 3000));
        QVERIFY2(queued.first == 0, qPrintable(queued.second));
        QProcess* a = startWorker("ra", proxy.endpoint());
        QProcess* b = startWorker("rb", proxy.endpoint());
        QVERIFY(a && b);
        auto uploaded = [&] {
            int n = 0;
            for (int i = 0; i < kSets; ++i) n += field(action, i, "state") == "uploaded";
            return n;
        };
        QTRY_VERIFY_WITH_TIMEOUT(uploaded() > 0, 120000);
        QVERIFY2(uploaded() < kSets, "every set was made before the broker could be killed");
        redis_.kill();
        QTest::qWait(1500);
        QString error;
        QVERIFY2(redis_.restart(&error), qPrintable(error));
        QVERIFY2(waitForAll(action, kSets, "uploaded", 90000), "not every set was uploaded");
        QVERIFY(a->state() == QProcess::Running && b->state() == QProcess::Running);
        QVERIFY(stopWorker(a));
        QVERIFY(stopWorker(b));
        // Nothing queued twice, nothing lost: every set once, and nothing pending.
        const QByteArray members = redis_.raw("SMEMBERS archival:set-index");
        QCOMPARE(members.count("archival:set:" + action.toUtf8() + ":"), kSets);
        QVERIFY2(redis_.raw("XPENDING archival:sets archival-workers").startsWith("*4\r\n:0"),
                 redis_.raw("XPENDING archival:sets archival-workers").constData());
        QCOMPARE(redis_.raw("XLEN archival:sets"), QByteArray(":0\r\n"));
        checkStoredOnce(action, kSets, proxy.report()["puts"].toObject());
        checkNoPasswordPrinted();
    }

    void uploadsRetry5xxAndA403FailsTheSetWithTheStoresReason() {
        FaultProxy flaky;
        ARCHIVAL_START_PEER(flaky, store_.endpoint(), "500,ok,503,ok", 0.0);
        QProcess* retrier = startWorker("retrier", flaky.endpoint());
        QVERIFY(retrier);
        const auto queued = batch(queueArgs("flaky", 1, 4000));
        QVERIFY2(queued.first == 0, qPrintable(queued.second));
        QVERIFY2(waitForAll("flaky", 1, "uploaded", 120000), "the set was not uploaded");
        QVERIFY(stopWorker(retrier));
        QVERIFY(fileBytes(logPath("retrier")).contains("retrying"));
        QVERIFY(flaky.counts()["500"].toInt() > 0);

        QProcess* denied = startWorker("denied", store_.endpoint(), "not-the-secret");
        QVERIFY(denied);
        const auto refused = batch(queueArgs("refused", 1, 5000));
        QVERIFY2(refused.first == 0, qPrintable(refused.second));
        QVERIFY2(waitForAll("refused", 1, "failed", 120000), "the set did not fail");
        QVERIFY(stopWorker(denied));
        const auto status = batch({"--status", "--broker", redis_.url(), "--action-id", "refused"});
        QVERIFY2(status.first == 0, qPrintable(status.second));
        QVERIFY2(
            status.second.contains("failed") && status.second.contains("SignatureDoesNotMatch"),
            qPrintable(status.second));
        QVERIFY(store_.list(kBucket, "exhibit/actions/refused/").isEmpty());

        // Once the key is right again, --retry puts the failed set back with its seed, and a
        // worker makes it.
        const QString seed = field("refused", 0, "seed");
        QVERIFY(!seed.isEmpty());
        const auto retried = batch({"--retry", "--broker", redis_.url(), "--action-id", "refused"});
        QVERIFY2(retried.first == 0, qPrintable(retried.second));
        QVERIFY2(retried.second.contains(": 1 failed set(s)"), qPrintable(retried.second));
        QCOMPARE(field("refused", 0, "state"), QStringLiteral("pending"));
        QCOMPARE(field("refused", 0, "reason"), QString());
        QProcess* fixed = startWorker("fixed", store_.endpoint());
        QVERIFY(fixed);
        QVERIFY2(waitForAll("refused", 1, "uploaded", 120000), "the retried set was not uploaded");
        QVERIFY(stopWorker(fixed));
        QCOMPARE(field("refused", 0, "seed"), seed);
        QVERIFY(!store_.list(kBucket, "exhibit/actions/refused/").isEmpty());
    }

    void aSetDeliveredTooOftenFailsNamingItsLastWorker() {
        const QString action = QStringLiteral("looping");
        const auto queued = batch(queueArgs(action, 1, 6000));
        QVERIFY2(queued.first == 0, qPrintable(queued.second));
        const QByteArray id = field(action, 0, "entry").toUtf8();
        QVERIFY(!id.isEmpty());
        // Delivered twice before, to workers that died with it (a set that crashes whoever
        // takes it): the second one named in the hash, its lease long gone.
        QVERIFY(redis_
                    .raw("XREADGROUP GROUP archival-workers ghost-1 COUNT 1 STREAMS "
                         "archival:sets >")
                    .contains(id));
        QVERIFY(redis_
                    .raw("XCLAIM archival:sets archival-workers ghost-2 0 " + id +
                         " IDLE 3600000 RETRYCOUNT 2")
                    .contains(id));
        redis_.raw("HSET archival:set:looping:0 state generating worker ghost-2");
        QProcess* w = startWorker("capped", store_.endpoint(), {}, {"--max-deliveries", "2"});
        QVERIFY(w);
        QVERIFY2(waitForAll(action, 1, "failed", 60000), "the set was not failed");
        QCOMPARE(field(action, 0, "error_code"), QStringLiteral("TooManyDeliveries"));
        QCOMPARE(field(action, 0, "reason"),
                 QStringLiteral("delivered 3 times; last worker ghost-2"));
        QVERIFY(stopWorker(w));
        // Acknowledged and gone from the stream: no worker takes it again.
        QVERIFY2(redis_.raw("XPENDING archival:sets archival-workers").startsWith("*4\r\n:0"),
                 redis_.raw("XPENDING archival:sets archival-workers").constData());
        QCOMPARE(redis_.raw("XLEN archival:sets"), QByteArray(":0\r\n"));
        const auto status = batch({"--status", "--broker", redis_.url(), "--action-id", action});
        QVERIFY2(status.second.contains("failed") &&
                     status.second.contains("delivered 3 times; last worker ghost-2"),
                 qPrintable(status.second));
        QVERIFY(store_.list(kBucket, "exhibit/actions/looping/").isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBrokerWorkers)
#include "test_broker_workers.moc"
