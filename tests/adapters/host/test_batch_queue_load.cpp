// The batch queue's load on a live host: the caps refused with typed statuses on the reference
// service's endpoints as on /api/v1/batch, and a large accepted batch written while previews
// keep flowing to a WebSocket client (its records go to disk on the queue's writer thread).
#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>
#include <memory>

#include "../batch/fake_image_source.h"
#include "adapters/batch/batch_queue.h"
#include "adapters/batch/s3_client.h"
#include "adapters/host/exhibition_host.h"
#include "scripted_job_runner.h"
#include "test_client.h"

using namespace archival::adapters;
using namespace archival::adapters::host;
using archival::test::FakeImageSource;
using archival::test::ScriptedJobRunner;
using archival::test::TestClient;

namespace {

constexpr int kWaitMs = 20000;

// A request written as it is; the socket stays open for the answer.
std::unique_ptr<QTcpSocket> post(quint16 port, const QByteArray& path, const QJsonObject& body) {
    const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, port);
    socket->write("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  QByteArray::number(json.size()) + "\r\n\r\n" + json);
    return socket;
}

struct Reply {
    int status = 0;
    QJsonObject json;
};

// The whole answer on `socket`, once it is there (the host runs on this thread: the wait
// runs the event loop).
Reply answerOn(QTcpSocket* socket, int timeoutMs = kWaitMs) {
    QByteArray in;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < timeoutMs) {
        QTest::qWait(2);
        in += socket->readAll();
        const int end = in.indexOf("\r\n\r\n");
        if (end < 0) continue;
        const QByteArray head = in.left(end).toLower();
        const int at = head.indexOf("content-length:");
        const int length =
            at < 0 ? 0 : head.mid(at + 15, head.indexOf('\r', at) - at - 15).trimmed().toInt();
        if (in.size() >= end + 4 + length) break;
    }
    const int end = in.indexOf("\r\n\r\n");
    return Reply{in.mid(9, 3).toInt(), QJsonDocument::fromJson(in.mid(end + 4)).object()};
}

int recordsUnder(const QString& root) {
    int n = 0;
    QDirIterator it(root, {QStringLiteral("record.json")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) it.next(), ++n;
    return n;
}

}  // namespace

class TestBatchQueueLoad : public QObject {
    Q_OBJECT

    struct Fixture {
        QTemporaryDir dir;
        FakeImageSource source;
        // Never contacted: no set finishes generating (the source takes ten minutes a pass).
        S3Client uploader{[] {
            S3Settings s;
            s.endpoint = QUrl(QStringLiteral("http://127.0.0.1:9"));
            s.bucket = QStringLiteral("archival-queue");
            s.credentials = {QStringLiteral("key"), QStringLiteral("secret"), {}};
            return s;
        }()};
        std::unique_ptr<BatchQueue> queue;
        ScriptedJobRunner runner;
        std::unique_ptr<ExhibitionHost> host;
        explicit Fixture(QueueCaps caps = {}, HostSettings s = {}) {
            source.delayMs = 600000;
            QueueSettings q = archival::test::testQueueSettings(dir.path());
            q.caps = caps;
            queue = std::make_unique<BatchQueue>(q, &source, &uploader);
            s.address = QHostAddress::LocalHost;
            s.port = 0;
            s.httpPort = 0;
            host = std::make_unique<ExhibitionHost>(s, &runner);
            host->setBatchQueue(queue.get());
        }
        quint16 httpPort() const { return host->httpPort(); }
    };

  private Q_SLOTS:
    // The reference's endpoints answer a request over the caps at once, in their own shape:
    // 429 "queue_full" when the queue holds too much already, 413 "queue_too_large" when the
    // request alone is more than it ever holds; nothing of a refused request reaches the disk.
    void seedEndpointsRefuseOverTheQueueCaps() {
        QueueCaps caps;
        caps.maxSets = 4;
        Fixture f(caps);
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        const QJsonObject three{
            {"action_id", "cue"}, {"program", "P0"}, {"prompt", "dusk"}, {"num_sets", 3}};
        auto waiting = post(f.httpPort(), "/generate_multiple_sets", three);  // answered when done
        QTRY_COMPARE_WITH_TIMEOUT(f.queue->sets().size(), 3, kWaitMs);

        QJsonObject two = three;
        two["action_id"] = "later";
        two["num_sets"] = 2;
        auto full = post(f.httpPort(), "/generate_multiple_sets", two);
        Reply r = answerOn(full.get());
        QCOMPARE(r.status, 429);
        QCOMPARE(r.json["success"], QJsonValue(false));
        QCOMPARE(r.json["error_code"].toString(), QStringLiteral("queue_full"));
        QVERIFY2(r.json["error"].toString().contains("max-queue-sets=4"),
                 qPrintable(r.json["error"].toString()));
        QVERIFY(r.json["sets"].isArray());

        QJsonObject five = two;
        five["num_sets"] = 5;
        auto large = post(f.httpPort(), "/generate_multiple_sets", five);
        r = answerOn(large.get());
        QCOMPARE(r.status, 413);
        QCOMPARE(r.json["error_code"].toString(), QStringLiteral("queue_too_large"));

        const QJsonObject single{
            {"action_id", "later"}, {"set_id", 7}, {"program", "P0"}, {"prompt", "dusk"}};
        auto one = post(f.httpPort(), "/generate_single_set", single);  // the fourth fits
        QTRY_COMPARE_WITH_TIMEOUT(f.queue->sets().size(), 4, kWaitMs);
        auto fifth =
            post(f.httpPort(), "/generate_single_set",
                 QJsonObject{
                     {"action_id", "later"}, {"set_id", 8}, {"program", "P0"}, {"prompt", "dusk"}});
        r = answerOn(fifth.get());
        QCOMPARE(r.status, 429);
        QCOMPARE(r.json["error_code"].toString(), QStringLiteral("queue_full"));
        QVERIFY(r.json.contains("final_url"));
        QCOMPARE(recordsUnder(f.dir.path()), 4);
        QCOMPARE(f.queue->sets().size(), 4);
    }

    // A batch of 1000 sets with a long prompt is accepted while a display receives a job's
    // previews. Its records are written off the host's thread: previews keep arriving while
    // they are written, and the longest silence the display sees stays well under the time
    // the request takes. (Written on the host's thread, the display hears nothing until the
    // last record is on disk: its longest gap is the whole request.)
    void aLargeBatchDoesNotStallPreviews() {
        HostSettings s;
        s.limits.maxPromptChars = 1000;
        Fixture f({}, s);
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        TestClient display;
        QVERIFY(display.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(f.host->port()))));
        display.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "x"}});
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.live.size(), 1, kWaitMs);
        const auto job = f.runner.live.first();
        f.runner.start(job);
        QImage preview(8, 6, QImage::Format_RGB888);
        preview.fill(Qt::red);
        // A preview every 5 ms, and the time each one reaches the display.
        QElapsedTimer clock;
        clock.start();
        QList<qint64> arrivals;
        connect(&display.socket, &QWebSocket::binaryMessageReceived, this,
                [&arrivals, &clock](const QByteArray&) { arrivals << clock.elapsed(); });
        int step = 0;
        QTimer steps;
        connect(&steps, &QTimer::timeout, this,
                [&] { f.runner.step(job, ++step % 1000 + 1, 1000, preview); });
        steps.start(5);
        QTRY_VERIFY_WITH_TIMEOUT(arrivals.size() >= 5, kWaitMs);

        const QJsonObject body{{"program", "P0"},
                               {"prompt", QString(1000, QLatin1Char('p'))},
                               {"action_id", "large"},
                               {"sets", 1000}};
        const qint64 sent = clock.elapsed();
        auto socket = post(f.httpPort(), "/api/v1/batch", body);
        const Reply r = answerOn(socket.get(), 120000);
        const qint64 answered = clock.elapsed();
        steps.stop();
        QCOMPARE(r.status, 201);
        QCOMPARE(recordsUnder(f.dir.path()), 1000);

        // The longest silence from the request's start to its answer.
        qint64 last = sent, longest = 0;
        int during = 0;
        for (qint64 t : arrivals) {
            if (t <= sent) continue;
            if (t > answered) break;
            longest = std::max(longest, t - last);
            last = t;
            ++during;
        }
        longest = std::max(longest, answered - last);
        const qint64 took = answered - sent;
        qInfo(
            "1000 sets accepted in %lld ms; the display received %d previews meanwhile, the "
            "longest gap %lld ms",
            took, during, longest);
        QVERIFY2(during >= 2, "no previews reached the display while the batch was written");
        QVERIFY2(longest * 2 < took,
                 qPrintable(QStringLiteral("the display heard nothing for %1 ms of the "
                                           "request's %2 ms")
                                .arg(longest)
                                .arg(took)));
    }
};

QTEST_MAIN(TestBatchQueueLoad)
#include "test_batch_queue_load.moc"
