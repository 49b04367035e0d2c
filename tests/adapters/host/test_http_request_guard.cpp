// The host's HTTP port against what a hostile web page (or a careless caller) sends, over raw
// TCP to a live host with a batch queue: a cross-site text/plain write, a rebound Host name,
// a foreign Origin, an oversized body (refused as it arrives, the host's memory flat) and a
// huge prompt (refused before anything reaches the queue folder).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <QDirIterator>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "../batch/fake_image_source.h"
#include "adapters/batch/batch_queue.h"
#include "adapters/host/exhibition_host.h"
#include "scripted_job_runner.h"

using namespace archival::adapters;
using namespace archival::adapters::host;
using archival::test::FakeImageSource;
using archival::test::ScriptedJobRunner;

namespace {

constexpr int kWaitMs = 10000;

struct Reply {
    int status = 0;
    QByteArray head;
    QJsonObject json;
};

// Sends `request` as it is and reads one answer (the server is in this thread, so the wait
// runs the event loop).
Reply exchange(quint16 port, const QByteArray& request) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    socket.write(request);
    QByteArray in;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < kWaitMs) {
        QTest::qWait(5);
        in += socket.readAll();
        const int end = in.indexOf("\r\n\r\n");
        if (end >= 0) {
            const QByteArray head = in.left(end).toLower();
            const int at = head.indexOf("content-length:");
            const int length =
                at < 0 ? 0 : head.mid(at + 15, head.indexOf('\r', at) - at - 15).trimmed().toInt();
            if (in.size() >= end + 4 + length) break;
        }
        if (socket.state() == QAbstractSocket::UnconnectedState) break;
    }
    Reply r;
    const int end = in.indexOf("\r\n\r\n");
    r.head = in.left(end);
    r.status = in.mid(9, 3).toInt();
    r.json = QJsonDocument::fromJson(in.mid(end + 4)).object();
    return r;
}

QByteArray request(const QByteArray& method, const QByteArray& path, quint16 port,
                   const QByteArray& body = {}, QList<QByteArray> headers = {}) {
    QByteArray r = method + ' ' + path + " HTTP/1.1\r\n";
    bool host = false;
    for (const QByteArray& h : headers) host |= h.toLower().startsWith("host:");
    if (!host) r += "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n";
    for (const QByteArray& h : headers) r += h + "\r\n";
    if (!body.isEmpty() || method == "POST")
        r += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return r + "\r\n" + body;
}

QByteArray batchBody(const QString& prompt, const QString& action = QStringLiteral("act")) {
    return QJsonDocument(QJsonObject{{"program", "P0"},
                                     {"prompt", prompt},
                                     {"action_id", action},
                                     {"sets", 1},
                                     {"num_sets", 1}})
        .toJson(QJsonDocument::Compact);
}

// Every file under `root` with its size: what the queue has written.
QStringList filesUnder(const QString& root) {
    QStringList files;
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        files << it.filePath() + QLatin1Char(' ') + QString::number(it.fileInfo().size());
    }
    files.sort();
    return files;
}

qint64 residentKiB() {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

// The routes a page could reach, each as a request with a valid write body where it takes one.
struct Route {
    QByteArray method, path;
    bool write;
};
const Route kRoutes[] = {
    {"GET", "/", false},
    {"GET", "/display.js", false},
    {"GET", "/api/v1/host", false},
    {"GET", "/api/v1/batch/act", false},
    {"DELETE", "/api/v1/batch/act", true},
    {"POST", "/api/v1/batch", true},
    {"POST", "/generate_single_set", true},
    {"POST", "/generate_multiple_sets", true},
    {"GET", "/health", false},
    {"GET", "/memory_stats", false},
    {"POST", "/clear_cache", true},
    {"GET", "/no-such-page", false},
};

}  // namespace

class TestHttpRequestGuard : public QObject {
    Q_OBJECT

    struct Fixture {
        QTemporaryDir dir;
        FakeImageSource source;
        std::unique_ptr<BatchQueue> queue;
        ScriptedJobRunner runner;
        std::unique_ptr<ExhibitionHost> host;
        explicit Fixture(HostSettings s = {}) {
            queue = std::make_unique<BatchQueue>(archival::test::testQueueSettings(dir.path()),
                                                 &source, nullptr);
            s.address = QHostAddress::LocalHost;
            s.port = 0;
            s.httpPort = 0;
            host = std::make_unique<ExhibitionHost>(s, &runner);
            host->setBatchQueue(queue.get());
        }
        quint16 port() const { return host->httpPort(); }
    };

  private Q_SLOTS:
    void crossSiteTextPlainWritesAreRefused() {
        Fixture f;
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        // What a page can send without a preflight: text/plain (and forms).
        for (const QByteArray type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
            QList<QByteArray> headers;
            if (!type.isEmpty()) headers << "Content-Type: " + type;
            const Reply batch = exchange(
                f.port(), request("POST", "/api/v1/batch", f.port(), batchBody("x"), headers));
            QCOMPARE(batch.status, 415);
            QCOMPARE(batch.json["error"].toObject()["code"].toString(),
                     QStringLiteral("unsupported_media_type"));
            const Reply seed = exchange(f.port(), request("POST", "/generate_single_set", f.port(),
                                                          batchBody("x"), headers));
            QCOMPARE(seed.status, 415);
            QCOMPARE(seed.json["success"], QJsonValue(false));
            QCOMPARE(seed.json["error_code"].toString(), QStringLiteral("unsupported_media_type"));
        }
        QVERIFY(f.queue->actions().isEmpty());
        // JSON with parameters is JSON.
        const Reply ok =
            exchange(f.port(), request("POST", "/api/v1/batch", f.port(), batchBody("harbour"),
                                       {"Content-Type: application/json; charset=utf-8"}));
        QCOMPARE(ok.status, 201);
        QCOMPARE(f.queue->actions().size(), 1);
    }

    // Wrong tokens over HTTP count against the address as on the WebSocket: past the limit
    // even the right token is refused, unread. A request without a token is no guess.
    void wrongTokensAreLimitedPerAddress() {
        HostSettings s;
        s.token = QStringLiteral("right-token-of-sixteen");
        s.requireTokenOnLoopback = true;
        s.limits.authFailures = 3;
        Fixture f(s);
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        auto get = [&](const QByteArray& token) {
            QList<QByteArray> headers;
            if (!token.isEmpty()) headers << "Authorization: Bearer " + token;
            return exchange(f.port(), request("GET", "/api/v1/batch/act", f.port(), {}, headers))
                .status;
        };
        QCOMPARE(get("right-token-of-sixteen"), 404);  // let in: no such action
        for (int i = 0; i < 2 * s.limits.authFailures; ++i) QCOMPARE(get({}), 401);
        QCOMPARE(get("right-token-of-sixteen"), 404);  // missing tokens did not count
        for (int i = 0; i < s.limits.authFailures; ++i) QCOMPARE(get("a-wrong-guess-0000"), 401);
        QCOMPARE(get("right-token-of-sixteen"), 401);
    }

    // The reference's callers POST clear_cache with no body and no type: still answered. With a
    // body, or a type that is not JSON, the write is refused as any other.
    void bodylessUntypedClearCacheIsAnswered() {
        Fixture f;
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        const Reply bare = exchange(f.port(), request("POST", "/clear_cache", f.port(), {}, {}));
        QCOMPARE(bare.status, 200);
        const Reply typed = exchange(
            f.port(), request("POST", "/clear_cache", f.port(), {}, {"Content-Type: text/plain"}));
        QCOMPARE(typed.status, 415);
        const Reply body = exchange(f.port(), request("POST", "/clear_cache", f.port(), "{}", {}));
        QCOMPARE(body.status, 415);
    }

    void reboundHostNamesAreRefusedOnEveryRoute() {
        Fixture f;
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        const QByteArray port = QByteArray::number(f.port());
        for (const Route& r : kRoutes) {
            const Reply evil =
                exchange(f.port(),
                         request(r.method, r.path, f.port(), r.write ? batchBody("x") : "",
                                 {"Host: evil.example:" + port, "Content-Type: application/json"}));
            QVERIFY2(evil.status == 421, r.path + " answered " + QByteArray::number(evil.status));
            const bool seed = !r.path.startsWith("/api/") && r.path != "/" &&
                              r.path != "/display.js" && r.path != "/no-such-page";
            QCOMPARE(seed ? evil.json["error_code"].toString()
                          : evil.json["error"].toObject()["code"].toString(),
                     QStringLiteral("host_not_allowed"));
            for (const QByteArray host :
                 {"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port}) {
                const Reply own = exchange(
                    f.port(), request(r.method, r.path, f.port(), r.write ? batchBody("x") : "",
                                      {"Host: " + host, "Content-Type: application/json"}));
                QVERIFY2(own.status != 421 && own.status != 403, r.path + " for " + host);
            }
        }
        // A name the curator allows.
        HostSettings s;
        s.allowedHosts = {QStringLiteral("studio.example")};
        Fixture allowed(s);
        QVERIFY(allowed.host->start());
        QCOMPARE(exchange(allowed.port(), request("GET", "/api/v1/host", allowed.port(), {},
                                                  {"Host: studio.example"}))
                     .status,
                 200);
    }

    void foreignOriginsAreRefusedOnEveryRoute() {
        HostSettings s;
        s.allowedOrigins = {QStringLiteral("https://curator.example")};
        Fixture f(s);
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        const QByteArray port = QByteArray::number(f.port());
        for (const Route& r : kRoutes) {
            const QByteArray body = r.write ? batchBody("x") : QByteArray();
            for (const QByteArray origin :
                 {QByteArray("http://evil.example"), QByteArray("null"),
                  "http://127.0.0.1:" + QByteArray::number(f.port() + 1)}) {
                const Reply foreign = exchange(
                    f.port(), request(r.method, r.path, f.port(), body,
                                      {"Origin: " + origin, "Content-Type: application/json"}));
                QVERIFY2(foreign.status == 403, r.path + " from " + origin + " answered " +
                                                    QByteArray::number(foreign.status));
            }
            for (const QByteArray origin :
                 {"http://127.0.0.1:" + port, QByteArray("https://curator.example")}) {
                const Reply own = exchange(
                    f.port(), request(r.method, r.path, f.port(), body,
                                      {"Origin: " + origin, "Content-Type: application/json"}));
                QVERIFY2(own.status != 403 && own.status != 421, r.path + " from " + origin);
            }
            // No Origin: curl, the preprocessor.
            const Reply none = exchange(f.port(), request(r.method, r.path, f.port(), body,
                                                          {"Content-Type: application/json"}));
            QVERIFY2(none.status != 403, r.path);
        }
    }

    void oversizedBodiesAreRefusedAsTheyArrive() {
        HostSettings s;
        Fixture f(s);
        QCOMPARE(s.limits.maxBodyBytes, qint64(64 * 1024));
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        // Declared over the limit: answered at once, in each API's shape, without the body.
        const QByteArray head =
            "POST /api/v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\nContent-Length: 65537\r\n\r\n";
        const Reply batch = exchange(f.port(), head);
        QCOMPARE(batch.status, 413);
        QCOMPARE(batch.json["error"].toObject()["code"].toString(),
                 QStringLiteral("body_too_large"));
        const Reply seed = exchange(
            f.port(), QByteArray(head).replace("/api/v1/batch", "/generate_multiple_sets"));
        QCOMPARE(seed.status, 413);
        QCOMPARE(seed.json["error_code"].toString(), QStringLiteral("body_too_large"));
        // Chunked (no declared size): 411.
        const Reply chunked =
            exchange(f.port(),
                     "POST /api/v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                     "application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n");
        QCOMPARE(chunked.status, 411);
        // At the limit: read and parsed (an invalid JSON answer, not a size refusal).
        const Reply atLimit = exchange(
            f.port(), request("POST", "/api/v1/batch", f.port(), QByteArray(64 * 1024, ' '),
                              {"Content-Type: application/json"}));
        QCOMPARE(atLimit.status, 400);

        // 256 MiB declared, 96 MiB sent as fast as the host takes it: the host's memory stays
        // flat (the sender runs on its own thread; this thread runs the host).
        constexpr qint64 kSent = 96LL * 1024 * 1024;
        std::vector<char> chunk(1024 * 1024, '{');
        std::atomic<bool> done{false};
        std::atomic<qint64> sent{0};
        const quint16 port = f.port();
        const qint64 before = residentKiB();
        std::thread sender([&] {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_port = htons(port);
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            timeval timeout{20, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
                const QByteArray h =
                    "POST /api/v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    "application/json\r\nContent-Length: 268435456\r\n\r\n";
                ::send(fd, h.constData(), size_t(h.size()), MSG_NOSIGNAL);
                while (sent < kSent) {
                    const ssize_t n = ::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL);
                    if (n <= 0) break;
                    sent += n;
                }
            }
            ::close(fd);
            done = true;
        });
        QElapsedTimer clock;
        clock.start();
        while (!done && clock.elapsed() < 60000) QTest::qWait(10);
        sender.join();
        const qint64 after = residentKiB();
        qInfo(
            "oversized body: %lld of %lld bytes went out before the host closed; host RSS "
            "%lld KiB before, %lld KiB after (%+lld KiB)",
            qint64(sent), kSent, before, after, after - before);
        QVERIFY2(sent < kSent, "the host read the whole oversized body");
        QVERIFY2(after - before < 16 * 1024, "the host's memory grew with the body");

        // The limit is a setting (serve --limit max-body-bytes=N).
        HostSettings small;
        small.limits.maxBodyBytes = 100;
        Fixture g(small);
        QVERIFY(g.host->start());
        QCOMPARE(exchange(g.port(),
                          request("POST", "/api/v1/batch", g.port(), batchBody(QString(200, 'a')),
                                  {"Content-Type: application/json"}))
                     .status,
                 413);
    }

    // A connection that never completes a request (silent, or trickling a header a byte at a
    // time) is closed once http-idle-ms is over; one that asked and was answered gets the
    // same time again for its next request.
    void idleConnectionsAreClosed() {
        HostSettings s;
        s.limits.httpIdleMs = 400;
        Fixture f(s);
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        QTcpSocket silent, trickle, asked;
        for (QTcpSocket* socket : {&silent, &trickle, &asked}) {
            socket->connectToHost(QHostAddress::LocalHost, f.port());
            QVERIFY(socket->waitForConnected(kWaitMs));
        }
        QElapsedTimer clock;
        clock.start();
        asked.write(request("GET", "/api/v1/host", f.port()));
        QTimer drip;
        QByteArray header = request("GET", "/api/v1/host", f.port());
        connect(&drip, &QTimer::timeout, this, [&] {
            if (trickle.state() == QAbstractSocket::ConnectedState && !header.isEmpty())
                trickle.write(header.left(1)), header.remove(0, 1);
        });
        drip.start(40);
        QTRY_VERIFY_WITH_TIMEOUT(silent.state() == QAbstractSocket::UnconnectedState, kWaitMs);
        const qint64 silentClosed = clock.elapsed();
        QTRY_VERIFY_WITH_TIMEOUT(trickle.state() == QAbstractSocket::UnconnectedState, kWaitMs);
        const qint64 trickleClosed = clock.elapsed();
        drip.stop();
        QVERIFY2(asked.readAll().startsWith("HTTP/1.1 200"), "the request was not answered");
        QTRY_VERIFY_WITH_TIMEOUT(asked.state() == QAbstractSocket::UnconnectedState, kWaitMs);
        qInfo(
            "http-idle-ms=400: silent closed after %lld ms, trickling after %lld ms, answered "
            "after %lld ms",
            silentClosed, trickleClosed, clock.elapsed());
        // A timer may fire a few per cent early, never much.
        QVERIFY2(silentClosed >= 350, "closed before the idle time was over");
        QVERIFY2(!header.isEmpty(), "the trickled header was completed: the test did not test");
    }

    // More connections than max-http-connections: the oldest idle ones are closed to make
    // room, long before their idle time is over, and a real request is answered.
    void aFloodOfIdleConnectionsLeavesRoom() {
        HostSettings s;
        s.limits.httpIdleMs = 600000;
        s.limits.maxHttpConnections = 8;
        Fixture f(s);
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        std::vector<std::unique_ptr<QTcpSocket>> flood;
        for (int i = 0; i < 20; ++i) {
            flood.push_back(std::make_unique<QTcpSocket>());
            flood.back()->connectToHost(QHostAddress::LocalHost, f.port());
            QVERIFY(flood.back()->waitForConnected(kWaitMs));
            QTest::qWait(1);  // accepted in this order
        }
        auto stillOpen = [&flood] {
            int n = 0;
            for (const auto& socket : flood)
                n += socket->state() == QAbstractSocket::ConnectedState ? 1 : 0;
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(stillOpen(), s.limits.maxHttpConnections, kWaitMs);
        // The oldest went first.
        QCOMPARE(flood.front()->state(), QAbstractSocket::UnconnectedState);
        QCOMPARE(flood.back()->state(), QAbstractSocket::ConnectedState);
        const Reply real = exchange(f.port(), request("GET", "/api/v1/host", f.port()));
        QCOMPARE(real.status, 200);
        QVERIFY(stillOpen() <= s.limits.maxHttpConnections - 1);
    }

    // On https:// the body limit applies as on http://: a body declared over the limit is
    // refused from its header (the body is never waited for), chunked is 411, and a
    // connection that sends nothing after the handshake is closed when http-idle-ms is over.
    void tlsBodiesAreLimitedAsTheyArrive() {
        QTemporaryDir keys;
        const QString cert = keys.filePath("cert.pem"), key = keys.filePath("key.pem");
        QProcess openssl;  // a missing openssl fails the test: it is in the build's packages
        openssl.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                  "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert});
        QVERIFY2(openssl.waitForFinished(60000) && openssl.exitCode() == 0,
                 openssl.readAllStandardError().constData());
        HostSettings s;
        s.tlsCertificateFile = cert;
        s.tlsKeyFile = key;
        s.limits.httpIdleMs = 1500;
        Fixture f(s);
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        auto ask = [&](const QByteArray& request) {
            QSslSocket socket;
            socket.setPeerVerifyMode(QSslSocket::VerifyNone);  // self-signed, and only a test
            socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), f.port());
            // The host runs on this thread: waited for with the event loop running.
            if (!QTest::qWaitFor([&socket] { return socket.isEncrypted(); }, kWaitMs))
                return QByteArray("no handshake");
            socket.write(request);
            QByteArray in;
            QElapsedTimer clock;
            clock.start();
            while (clock.elapsed() < 5000 && !in.contains("\r\n\r\n")) {
                QTest::qWait(10);
                in += socket.readAll();
            }
            return in;
        };
        const QByteArray declared =
            ask("POST /api/v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                "application/json\r\nContent-Length: 65537\r\n\r\n");
        QVERIFY2(declared.startsWith("HTTP/1.1 413"), declared.constData());
        QVERIFY(declared.contains("body_too_large"));
        const QByteArray chunked =
            ask("POST /generate_single_set HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                "application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n");
        QVERIFY2(chunked.startsWith("HTTP/1.1 411"), chunked.constData());
        // Within the limit: answered as usual.
        const QByteArray ok = ask(request("GET", "/api/v1/host", f.port()));
        QVERIFY2(ok.startsWith("HTTP/1.1 200"), ok.constData());

        QSslSocket idle;
        idle.setPeerVerifyMode(QSslSocket::VerifyNone);
        idle.connectToHostEncrypted(QStringLiteral("127.0.0.1"), f.port());
        QTRY_VERIFY_WITH_TIMEOUT(idle.isEncrypted(), kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(idle.state() == QAbstractSocket::UnconnectedState, kWaitMs);
    }

    void hugePromptsAreRefusedBeforeAnythingIsQueued() {
        Fixture f;
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        const int limit = f.host->settings().limits.maxPromptChars;
        const QStringList before = filesUnder(f.dir.path());
        const QString huge(limit + 1, QLatin1Char('a'));
        const Reply batch =
            exchange(f.port(), request("POST", "/api/v1/batch", f.port(), batchBody(huge),
                                       {"Content-Type: application/json"}));
        QCOMPARE(batch.status, 400);
        QCOMPARE(batch.json["error"].toObject()["code"].toString(),
                 QStringLiteral("prompt_too_long"));
        QCOMPARE(batch.json["error"].toObject()["field"].toString(), QStringLiteral("prompt"));
        for (const QByteArray path : {"/generate_single_set", "/generate_multiple_sets"}) {
            QJsonObject body = QJsonDocument::fromJson(batchBody(huge)).object();
            body["set_id"] = 0;
            const Reply seed =
                exchange(f.port(), request("POST", path, f.port(), QJsonDocument(body).toJson(),
                                           {"Content-Type: application/json"}));
            QCOMPARE(seed.status, 400);
            QCOMPARE(seed.json["error_code"].toString(), QStringLiteral("prompt_too_long"));
            QCOMPARE(seed.json["field"].toString(), QStringLiteral("prompt"));
        }
        QCOMPARE(filesUnder(f.dir.path()), before);
        QVERIFY(f.queue->actions().isEmpty());
        // At the limit: queued.
        QCOMPARE(exchange(f.port(), request("POST", "/api/v1/batch", f.port(),
                                            batchBody(QString(limit, QLatin1Char('a'))),
                                            {"Content-Type: application/json"}))
                     .status,
                 201);
    }
};

QTEST_MAIN(TestHttpRequestGuard)
#include "test_http_request_guard.moc"
