// The reference service's batch endpoints on a real HTTP server, over a real queue that
// uploads to a real S3 server on loopback (moto, signatures checked) from a deterministic
// image source: answers with the reference's fields and types once the sets are uploaded, the
// exact objects for set ids 0..n-1, other routes answering while a request waits, health,
// memory_stats, clear_cache, typed refusals, and a request sent again after a restart answered
// from the sets the queue finished.
#include <QHttpServer>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QtTest>
#include <memory>

#include "../batch/fake_image_source.h"
#include "../batch/s3_peer.h"
#include "adapters/batch/batch_queue.h"
#include "adapters/batch/s3_client.h"
#include "adapters/host/seed_batch_api.h"

using namespace archival::adapters;
using namespace archival::adapters::host;
using archival::test::FakeImageSource;
using archival::test::S3Peer;

namespace {

const QString kBucket = QStringLiteral("seed-bucket");

QStringList sortedKeys(const QJsonObject& o) {
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

// One host: a queue over `source` and (optionally) `uploader`, the seed API and a page route
// on an HTTP server on loopback.
struct Host {
    BatchQueue queue;
    SeedBatchApi api;
    QHttpServer server;
    quint16 port = 0;

    Host(const QString& root, FakeImageSource* source, S3Client* uploader)
        : queue(settings(root), source, nullptr),
          api(&queue, [](const QHttpServerRequest&) { return true; }) {
        queue.resume();
        queue.setUploader(uploader, QStringLiteral("the R2 settings lack a bucket"));
        server.route("/", [] { return QHttpServerResponse("text/plain", "display page"); });
        api.addRoutes(&server);
        port = server.listen(QHostAddress::LocalHost, 0);
    }
    static QueueSettings settings(const QString& root) {
        QueueSettings q;
        q.root = root;
        q.bucket = kBucket;
        return q;
    }
    QUrl url(const QString& path) const {
        return QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port).arg(path));
    }
};

}  // namespace

class TestSeedBatchApi : public QObject {
    Q_OBJECT

    S3Peer peer_;
    QNetworkAccessManager net_;

    S3Settings s3() const {
        S3Settings s;
        s.endpoint = QUrl(peer_.endpoint());
        s.bucket = kBucket;
        s.credentials = {peer_.accessKeyId(), peer_.secret(), {}};
        return s;
    }
    QNetworkReply* post(const Host& host, const QString& path, const QJsonObject& body) {
        QNetworkRequest request(host.url(path));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        request.setTransferTimeout(120000);
        return net_.post(request, QJsonDocument(body).toJson());
    }
    QNetworkReply* postRaw(const Host& host, const QString& path, const QByteArray& body) {
        QNetworkRequest request(host.url(path));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        return net_.post(request, body);
    }
    QNetworkReply* get(const Host& host, const QString& path) {
        return net_.get(QNetworkRequest(host.url(path)));
    }
    // Waits for the reply; its status and JSON body.
    static std::pair<int, QJsonObject> result(QNetworkReply* reply, int timeoutMs = 120000) {
        std::unique_ptr<QNetworkReply> owned(reply);
        if (!reply->isFinished()) {
            QSignalSpy done(reply, &QNetworkReply::finished);
            done.wait(timeoutMs);
        }
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        return {status, QJsonDocument::fromJson(reply->readAll()).object()};
    }

    // The single-set answer's fields and their types.
    static void checkSetAnswer(const QJsonObject& a, const QString& action, int setId,
                               int previews) {
        QCOMPARE(sortedKeys(a),
                 (QStringList{"action_id", "error", "final_url", "metadata_url", "preview_urls",
                              "program", "set_id", "success", "total_duration"}));
        QVERIFY2(a["success"].isBool() && a["success"].toBool(),
                 QJsonDocument(a).toJson().constData());
        QCOMPARE(a["action_id"].toString(), action);
        QVERIFY(a["set_id"].isDouble());
        QCOMPARE(a["set_id"].toInt(), setId);
        QVERIFY(a["program"].isString());
        QVERIFY(a["total_duration"].isDouble());
        QVERIFY(a["error"].isNull());
        const QString base =
            QStringLiteral("https://%1.r2.dev/actions/%2/sets/%3/").arg(kBucket, action).arg(setId);
        QJsonArray expected;
        for (int step = 1; step <= previews; ++step)
            expected.append(base + QStringLiteral("%1.jpg").arg(step));
        QCOMPARE(a["preview_urls"].toArray(), expected);
        QCOMPARE(a["final_url"].toString(), base + "final.png");
        QCOMPARE(a["metadata_url"].toString(), base + "meta.json");
    }

    QStringList bucketKeys(const QString& action) const {
        QStringList keys = peer_.list(kBucket, "actions/" + action + "/").keys();
        keys.sort();
        return keys;
    }
    static QStringList expectedKeys(const QString& action, const QList<int>& ids, int previews) {
        QStringList keys;
        for (int id : ids) {
            const QString folder = QStringLiteral("actions/%1/sets/%2/").arg(action).arg(id);
            for (int step = 1; step <= previews; ++step)
                keys << folder + QStringLiteral("%1.jpg").arg(step);
            keys << folder + "final.png" << folder + "meta.json";
        }
        keys.sort();
        return keys;
    }

  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_START_PEER(peer_, QStringList{kBucket}); }

    // While the set generates, the event loop serves other routes: the page and health
    // answer long before the set's answer.
    void singleSetIsAnsweredWhenUploaded() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.steps = 3;
        source.delayMs = 1500;
        S3Client client(s3());
        Host host(dir.path(), &source, &client);
        QElapsedTimer clock;
        clock.start();
        QNetworkReply* waiting = post(host, "/generate_single_set",
                                      {{"action_id", "cue1"},
                                       {"set_id", 0},
                                       {"program", "P0"},
                                       {"prompt", "harbour lights"},
                                       {"guidance_scale", 6},
                                       {"num_inference_steps", 3},
                                       {"width", QJsonValue(QJsonValue::Null)}});
        QTRY_COMPARE_WITH_TIMEOUT(source.requests.size(), 1, 10000);
        const auto [pageStatus, pageBody] = result(get(host, "/"), 5000);
        QCOMPARE(pageStatus, 200);
        const auto [healthStatus, health] = result(get(host, "/health"), 5000);
        QCOMPARE(healthStatus, 200);
        const qint64 otherRoutesMs = clock.elapsed();
        QVERIFY2(!waiting->isFinished(), "the set's answer came before the set was generated");
        QVERIFY2(otherRoutesMs < 1500, qPrintable(QString::number(otherRoutesMs)));

        const auto [status, answer] = result(waiting);
        QCOMPARE(status, 200);
        checkSetAnswer(answer, "cue1", 0, 3);
        QVERIFY(answer["total_duration"].toDouble() >= 1.4);
        QCOMPARE(bucketKeys("cue1"), expectedKeys("cue1", {0}, 3));
        QCOMPARE(source.requests[0].setId, std::optional<qint64>(0));
        QCOMPARE(source.requests[0].overrides.steps, std::optional<int>(3));
        QCOMPARE(source.requests[0].overrides.guidance, std::optional<double>(6.0));
        QVERIFY(!source.requests[0].overrides.width);
        QVERIFY(source.requests[0].everyStep);
        QCOMPARE(host.api.waitingRequests(), 0);
    }

    void multipleSetsAreIdsZeroToN() {
        QTemporaryDir dir;
        FakeImageSource source;
        S3Client client(s3());
        Host host(dir.path(), &source, &client);
        const auto [status, answer] = result(post(host, "/generate_multiple_sets",
                                                  {{"action_id", "cue2"},
                                                   {"program", "P0"},
                                                   {"prompt", "crowd"},
                                                   {"num_sets", 3},
                                                   {"upload_previews", false}}));
        QCOMPARE(status, 200);
        QCOMPARE(sortedKeys(answer),
                 (QStringList{"action_id", "program", "sets", "success", "successful_sets",
                              "total_duration", "total_sets"}));
        QCOMPARE(answer["success"].toBool(), true);
        QCOMPARE(answer["total_sets"].toInt(), 3);
        QCOMPARE(answer["successful_sets"].toInt(), 3);
        QVERIFY(answer["total_duration"].isDouble());
        const QJsonArray sets = answer["sets"].toArray();
        QCOMPARE(sets.size(), 3);
        for (int i = 0; i < 3; ++i) checkSetAnswer(sets[i].toObject(), "cue2", i, 0);
        QCOMPARE(bucketKeys("cue2"), expectedKeys("cue2", {0, 1, 2}, 0));
        // `parallel` (the default) without previews: one batched pass.
        QCOMPARE(source.requests.size(), 1);
        QCOMPARE(source.requests[0].count, 3);
    }

    void healthMemoryStatsAndClearCache() {
        QTemporaryDir dir;
        FakeImageSource source;
        Host host(dir.path(), &source, nullptr);
        const auto [hs, health] = result(get(host, "/health"));
        QCOMPARE(hs, 200);
        QCOMPARE(sortedKeys(health), (QStringList{"service", "status", "timestamp", "version"}));
        QCOMPARE(health["status"].toString(), QStringLiteral("healthy"));
        QVERIFY(health["service"].isString() && health["version"].isString());
        QVERIFY(QRegularExpression("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")
                    .match(health["timestamp"].toString())
                    .hasMatch());

        const auto [ms, memory] = result(get(host, "/memory_stats"));
        QCOMPARE(ms, 200);
        QCOMPARE(memory["status"].toString(), QStringLiteral("success"));
        const QJsonObject stats = memory["memory_stats"].toObject();
        for (const char* field : {"allocated", "reserved", "max_allocated", "cached_pipelines"})
            QVERIFY2(stats[field].isDouble(), field);
        QCOMPARE(stats["cached_pipelines"].toInt(), 2);
        QCOMPARE(stats["allocated"].toDouble(), 200.0);  // the weights held (CPU)
        QCOMPARE(stats["reserved"].toDouble(), 1000.0);  // resident memory
        QCOMPARE(stats["max_allocated"].toDouble(), 2000.0);
        QCOMPARE(stats["device"].toString(), QStringLiteral("cpu"));

        const auto [cs, cleared] = result(post(host, "/clear_cache", {}));
        QCOMPARE(cs, 200);
        QCOMPARE(cleared["status"].toString(), QStringLiteral("success"));
        QCOMPARE(cleared["cached_pipelines"].toInt(), 0);
        QCOMPARE(cleared["freed_bytes"].toDouble(), 200.0);
        const auto [ms2, after] = result(get(host, "/memory_stats"));
        QCOMPARE(after["memory_stats"].toObject()["cached_pipelines"].toInt(), 0);
    }

    void refusalsAreTypedAndShaped() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.delayMs = 200;
        S3Client client(s3());
        Host host(dir.path(), &source, &client);
        const QJsonObject good{
            {"action_id", "cue3"}, {"set_id", 0}, {"program", "P0"}, {"prompt", "x"}};
        auto with = [&](const char* field, const QJsonValue& value) {
            QJsonObject o = good;
            o.insert(field, value);
            return o;
        };
        const struct {
            QJsonObject body;
            int status;
            QString code;
            QString field;
        } cases[] = {
            {with("set_id", "0"), 400, "invalid_field", "set_id"},
            {with("set_id", -1), 400, "invalid_field", "set_id"},
            {with("set_id", 1.5), 400, "invalid_field", "set_id"},
            {with("action_id", "a/../b"), 400, "invalid_field", "action_id"},
            {with("prompt", 3), 400, "invalid_field", "prompt"},
            {with("guidance_scale", "7"), 400, "invalid_field", "guidance_scale"},
            {with("strength", 0), 400, "invalid_field", "strength"},
            {with("upload_previews", "yes"), 400, "invalid_field", "upload_previews"},
            {with("upload_to_r2", false), 422, "invalid_field", "upload_to_r2"},
            {with("program", "NOPE"), 422, "InvalidRequest", ""},
        };
        for (const auto& c : cases) {
            const auto [status, answer] = result(post(host, "/generate_single_set", c.body));
            const QString what = QJsonDocument(answer).toJson(QJsonDocument::Compact);
            QVERIFY2(status == c.status, qPrintable(what));
            QCOMPARE(answer["success"].toBool(true), false);
            QCOMPARE(answer["error_code"].toString(), c.code);
            QVERIFY(answer["error"].isString());
            if (!c.field.isEmpty()) QCOMPARE(answer["field"].toString(), c.field);
            QVERIFY(answer.contains("final_url") && answer.contains("preview_urls"));
        }
        const auto [js, bad] = result(postRaw(host, "/generate_multiple_sets", "{not json"));
        QCOMPARE(js, 400);
        QCOMPARE(bad["error_code"].toString(), QStringLiteral("invalid_json"));
        QVERIFY(bad["sets"].isArray());
        const auto [ns, zero] = result(post(host, "/generate_multiple_sets", with("num_sets", 0)));
        QCOMPARE(ns, 400);
        QCOMPARE(zero["field"].toString(), QStringLiteral("num_sets"));

        // Set 0 of cue3 taken by one request: another request for it is a conflict.
        QNetworkReply* first = post(host, "/generate_single_set", good);
        QTRY_COMPARE_WITH_TIMEOUT(source.requests.size(), 1, 10000);
        const auto [cs, conflict] =
            result(post(host, "/generate_single_set", with("prompt", "another prompt")));
        QCOMPARE(cs, 409);
        QCOMPARE(conflict["error_code"].toString(), QStringLiteral("set_exists"));
        QCOMPARE(result(first).first, 200);

        // Without a destination: 503 naming what to give.
        QTemporaryDir other;
        Host offline(other.path(), &source, nullptr);
        const auto [os, none] = result(post(offline, "/generate_single_set", good));
        QCOMPARE(os, 503);
        QCOMPARE(none["error_code"].toString(), QStringLiteral("no_destination"));
        QVERIFY2(none["error"].toString().contains("--bucket"),
                 qPrintable(none["error"].toString()));
    }

    // The host goes away mid-request (its queue with it; the set's record stays on disk as
    // "generating"). The next host resumes the set; the same request sent again is answered
    // from it, and the bucket holds each object once. Sent a third time, it is answered at
    // once without generating anything.
    void requestSentAgainAfterARestartIsAnsweredFromTheQueue() {
        QTemporaryDir dir;
        const QJsonObject body{{"action_id", "cue4"},
                               {"set_id", 2},
                               {"program", "P0"},
                               {"prompt", "dusk"},
                               {"num_inference_steps", 3}};
        {
            FakeImageSource never;
            never.delayMs = 600000;
            S3Client client(s3());
            Host killed(dir.path(), &never, &client);
            QNetworkReply* lost = post(killed, "/generate_single_set", body);
            QTRY_COMPARE_WITH_TIMEOUT(never.requests.size(), 1, 10000);
            lost->abort();
            delete lost;
        }
        FakeImageSource source;
        source.steps = 3;
        S3Client client(s3());
        Host restarted(dir.path(), &source, &client);
        const auto [status, answer] = result(post(restarted, "/generate_single_set", body));
        QCOMPARE(status, 200);
        checkSetAnswer(answer, "cue4", 2, 3);
        QCOMPARE(source.requests.size(), 1);
        QCOMPARE(bucketKeys("cue4"), expectedKeys("cue4", {2}, 3));

        const auto [again, repeated] = result(post(restarted, "/generate_single_set", body));
        QCOMPARE(again, 200);
        checkSetAnswer(repeated, "cue4", 2, 3);
        QCOMPARE(source.requests.size(), 1);
    }

    // A caller that leaves while its set generates: the set is still uploaded and the API
    // forgets the request.
    void aCallerThatLeavesLeavesTheSetToTheQueue() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.delayMs = 500;
        S3Client client(s3());
        Host host(dir.path(), &source, &client);
        QNetworkReply* reply = post(host, "/generate_single_set",
                                    {{"action_id", "cue5"},
                                     {"set_id", 0},
                                     {"program", "P0"},
                                     {"prompt", "x"},
                                     {"upload_previews", false}});
        QTRY_COMPARE_WITH_TIMEOUT(host.api.waitingRequests(), 1, 10000);
        reply->abort();
        delete reply;
        QTRY_VERIFY_WITH_TIMEOUT(host.queue.isIdle(), 60000);
        QCOMPARE(host.api.waitingRequests(), 0);
        QCOMPARE(bucketKeys("cue5"), expectedKeys("cue5", {0}, 0));
    }
};

QTEST_GUILESS_MAIN(TestSeedBatchApi)
#include "test_seed_batch_api.moc"
