// `archival-studio serve --broker`: the HTTP batch endpoints put their sets on a Redis broker,
// a real `archival-studio worker` makes and uploads them. Everything on loopback and started
// here: redis-server (AOF on, a password), moto's S3 server (signatures checked) behind the
// counting proxy, the worker and serve.
//
//   * the queue caps count the broker's unfinished sets: a request larger than the cap is
//     413, one that would pass it 429, nothing queued;
//   * sets posted to /api/v1/batch and /generate_multiple_sets are made and uploaded once
//     each; the seed endpoint answers once they are, the status shows them uploaded; the
//     same seed request for a set that failed makes it again;
//   * a broker that is down: 503 "broker_unavailable" from every batch endpoint, and nothing
//     of those requests is on the broker once it is back.
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>

#include "../batch/s3_peer.h"
#include "redis_peer.h"
#include "serve_process.h"
#include "test_support.h"

using archival::test::FaultProxy;
using archival::test::RedisPeer;
using archival::test::S3Peer;

namespace {
const QString kBucket = QStringLiteral("archival-serve-broker");
const QString kPassword = QStringLiteral("serve-broker-pw-41d2");

struct HttpAnswer {
    int status = 0;
    QJsonObject body;
    QByteArray raw;
};
}  // namespace

class TestBrokerServe : public QObject {
    Q_OBJECT

    S3Peer store_;
    RedisPeer redis_;
    QTemporaryDir home_;
    QNetworkAccessManager http_;
    QString base_;  // http://127.0.0.1:<port>

    QProcessEnvironment environment() const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", home_.path());
        env.insert("XDG_CONFIG_HOME", home_.path() + "/config");
        env.insert("XDG_DATA_HOME", home_.path() + "/data");
        env.insert("ARCHIVAL_FIXTURES", archival::test::fixturesDir());
        env.insert("ARCHIVAL_R2_SECRET", store_.secret());
        env.insert("ARCHIVAL_BROKER_PASSWORD", kPassword);
        env.insert("OMP_NUM_THREADS", "1");
        return env;
    }

    QStringList naming(const QString& endpoint) const {
        return {"--programs",      ARCHIVAL_SOURCE_DIR "/tests/data/programs-tiny.json",
                "--device",        "cpu",
                "--endpoint",      endpoint,
                "--bucket",        kBucket,
                "--prefix",        "exhibit",
                "--access-key-id", store_.accessKeyId()};
    }

    HttpAnswer call(const QByteArray& verb, const QString& path, const QJsonObject& body = {}) {
        QNetworkRequest request(QUrl(base_ + path));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        request.setTransferTimeout(300000);
        QNetworkReply* reply =
            verb == "GET" ? http_.get(request)
                          : http_.sendCustomRequest(request, verb, QJsonDocument(body).toJson());
        QEventLoop wait;
        connect(reply, &QNetworkReply::finished, &wait, &QEventLoop::quit);
        wait.exec();
        HttpAnswer out;
        out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        out.raw = reply->readAll();
        out.body = QJsonDocument::fromJson(out.raw).object();
        reply->deleteLater();
        return out;
    }

    // Every object of the action's sets stored, each by one PUT.
    void checkStoredOnce(const QString& action, int sets, const QJsonObject& puts) {
        const QJsonObject stored = store_.list(kBucket, "exhibit/actions/" + action + "/");
        QCOMPARE(stored.size(), sets * 2);
        for (int n = 0; n < sets; ++n)
            for (const char* file : {"final.png", "meta.json"}) {
                const QString key = QStringLiteral("exhibit/actions/%1/sets/%2/%3")
                                        .arg(action)
                                        .arg(n)
                                        .arg(QLatin1String(file));
                QVERIFY2(stored.contains(key), qPrintable(key));
                QCOMPARE(puts["/" + kBucket + "/" + key].toInt(), 1);
            }
    }

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        QVERIFY(home_.isValid());
        ARCHIVAL_START_PEER(store_, QStringList{kBucket});
        ARCHIVAL_START_REDIS(redis_, kPassword);
    }

    void httpSetsGoThroughTheBrokerToAWorkerAndAreUploadedOnce() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, store_.endpoint(), "ok", 0.0);
        QProcess serve;
        serve.setProcessEnvironment(environment());
        serve.setProcessChannelMode(QProcess::MergedChannels);
        serve.start(QStringLiteral(ARCHIVAL_STUDIO_BINARY),
                    QStringList{"serve", "--listen", "127.0.0.1:0", "--http-port", "0", "--broker",
                                redis_.url(), "--limit", "max-queue-sets=3"} +
                        naming(proxy.endpoint()));
        QVERIFY(serve.waitForStarted());
        QString log;
        const int port = archival::test::waitForServeHttpPort(serve, log);
        QVERIFY2(port != 0, qPrintable(log));
        base_ = QStringLiteral("http://127.0.0.1:%1").arg(port);

        // No worker yet: the caps count what waits on the broker.
        const QJsonObject two{
            {"program", "T15"}, {"prompt", "ai conference"}, {"action_id", "api"}, {"sets", 2}};
        QJsonObject four = two;
        four["sets"] = 4;
        HttpAnswer a = call("POST", "/api/v1/batch", four);
        QVERIFY2(a.status == 413, a.raw.constData());
        QCOMPARE(a.body["error"].toObject()["code"].toString(), QStringLiteral("queue_too_large"));
        a = call("POST", "/api/v1/batch", two);
        QVERIFY2(a.status == 201, a.raw.constData());
        const QJsonArray created = a.body["sets"].toArray();
        QCOMPARE(created.size(), 2);
        QCOMPARE(created[0].toObject()["state"].toString(), QStringLiteral("pending"));
        QCOMPARE(created[1].toObject()["set"].toInt(), 1);
        QCOMPARE(created[0].toObject()["keys"].toArray(),
                 QJsonArray({"exhibit/actions/api/sets/0/final.png",
                             "exhibit/actions/api/sets/0/meta.json"}));
        QVERIFY(created[0].toObject().contains("error"));
        QJsonObject more = two;
        more["action_id"] = "api-more";
        a = call("POST", "/api/v1/batch", more);
        QVERIFY2(a.status == 429, a.raw.constData());
        QCOMPARE(a.body["error"].toObject()["code"].toString(), QStringLiteral("queue_full"));
        QVERIFY(!redis_.raw("EXISTS archival:set:api-more:0").contains(":1"));

        // A worker makes them; the seed endpoint answers once its set is uploaded.
        QProcess worker;
        worker.setProcessEnvironment(environment());
        worker.setProcessChannelMode(QProcess::MergedChannels);
        worker.setStandardOutputFile(home_.path() + "/worker.log");
        worker.start(QStringLiteral(ARCHIVAL_STUDIO_BINARY),
                     QStringList{"worker", "--broker", redis_.url(), "--name", "w1", "--queue",
                                 home_.path() + "/worker", "--lease-seconds", "5"} +
                         naming(proxy.endpoint()));
        QVERIFY(worker.waitForStarted());
        a = call("POST", "/generate_multiple_sets",
                 {{"action_id", "seed"},
                  {"program", "T15"},
                  {"prompt", "ai conference"},
                  {"num_sets", 1},
                  {"upload_previews", false}});
        QVERIFY2(a.status == 200 && a.body["success"].toBool(),
                 qPrintable(a.raw + "\n" + serve.readAll()));
        QCOMPARE(a.body["successful_sets"].toInt(), 1);
        const QJsonObject set = a.body["sets"].toArray()[0].toObject();
        QVERIFY2(set["final_url"].toString().endsWith("/exhibit/actions/seed/sets/0/final.png"),
                 a.raw.constData());
        QVERIFY(set["metadata_url"].toString().endsWith("/exhibit/actions/seed/sets/0/meta.json"));

        QElapsedTimer clock;
        clock.start();
        QJsonArray sets;
        auto allUploaded = [&] {
            a = call("GET", "/api/v1/batch/api");
            sets = a.body["sets"].toArray();
            if (a.status != 200 || sets.size() != 2) return false;
            for (const auto& s : sets)
                if (s.toObject()["state"].toString() != "uploaded") return false;
            return true;
        };
        while (!allUploaded() && clock.elapsed() < 240000) QTest::qWait(500);
        QVERIFY2(allUploaded(), a.raw.constData());
        QCOMPARE(a.body["stopped"], QJsonValue());
        QCOMPARE(sets[1].toObject()["uploaded"].toArray(), QJsonArray({"final.png", "meta.json"}));
        QCOMPARE(call("GET", "/api/v1/batch/nothing-here").status, 404);
        // The models are the workers': this host says so.
        a = call("GET", "/memory_stats");
        QVERIFY2(a.status == 503 && a.body["error"].toString().contains("broker"),
                 a.raw.constData());
        // The same request again for a set that failed: made again (the local queue retries
        // it too). Its objects are in the store already: the worker finds them, nothing is
        // written twice.
        redis_.raw("HSET archival:set:seed:0 state failed error_code Storage reason lost");
        a = call("POST", "/generate_multiple_sets",
                 {{"action_id", "seed"},
                  {"program", "T15"},
                  {"prompt", "ai conference"},
                  {"num_sets", 1},
                  {"upload_previews", false}});
        QVERIFY2(a.status == 200 && a.body["success"].toBool(), a.raw.constData());
        QCOMPARE(a.body["sets"].toArray()[0].toObject()["final_url"], set["final_url"]);

        const QJsonObject puts = proxy.report()["puts"].toObject();
        checkStoredOnce("api", 2, puts);
        checkStoredOnce("seed", 1, puts);

        // The broker down: every batch endpoint says so, and queues nothing.
        redis_.kill();
        a = call(
            "POST", "/api/v1/batch",
            QJsonObject{{"program", "T15"}, {"prompt", "ai conference"}, {"action_id", "down"}});
        QVERIFY2(a.status == 503, a.raw.constData());
        QCOMPARE(a.body["error"].toObject()["code"].toString(),
                 QStringLiteral("broker_unavailable"));
        a = call("POST", "/generate_single_set",
                 {{"action_id", "down"}, {"set_id", 0}, {"program", "T15"}, {"prompt", "x"}});
        QVERIFY2(a.status == 503, a.raw.constData());
        QCOMPARE(a.body["error_code"].toString(), QStringLiteral("broker_unavailable"));
        QCOMPARE(call("GET", "/api/v1/batch/api").status, 503);
        QString error;
        QVERIFY2(redis_.restart(&error), qPrintable(error));
        // Back (the connection returns by itself): what it had is there, nothing of "down".
        clock.restart();
        while (call("GET", "/api/v1/batch/api").status != 200 && clock.elapsed() < 30000)
            QTest::qWait(200);
        QCOMPARE(call("GET", "/api/v1/batch/api").status, 200);
        QCOMPARE(call("GET", "/api/v1/batch/down").status, 404);

        ::kill(pid_t(worker.processId()), SIGTERM);
        QVERIFY(worker.waitForFinished(60000));
        serve.terminate();
        QVERIFY(serve.waitForFinished(60000));
    }
};

QTEST_GUILESS_MAIN(TestBrokerServe)
#include "test_broker_serve.moc"
