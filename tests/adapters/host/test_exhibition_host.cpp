// The exhibition host in-process: real QWebSocket clients against a host whose generator is
// scripted by the test, so every event and its order can be checked exactly.
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpSocket>
#include <QtTest>
#include <algorithm>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adapters/host/auth_failure_limiter.h"
#include "adapters/host/exhibition_host.h"
#include "scripted_job_runner.h"
#include "test_client.h"

using namespace archival::adapters::host;
using archival::test::ScriptedJobRunner;
using archival::test::TestClient;

namespace {

constexpr int kWaitMs = 5000;

HostSettings loopbackSettings() {
    HostSettings s;
    s.address = QHostAddress::LocalHost;
    s.port = 0;
    s.httpPort = 0;
    return s;
}

QImage solid(int w, int h, QColor color) {
    QImage image(w, h, QImage::Format_RGB888);
    image.fill(color);
    return image;
}

QJsonObject hello(const QString& role, const QString& name = {}, const QString& token = {}) {
    QJsonObject o{{"type", "hello"}, {"protocol", 1}, {"role", role}};
    if (!name.isEmpty()) o.insert("name", name);
    if (!token.isEmpty()) o.insert("token", token);
    return o;
}

// The process's resident memory (Linux), in bytes.
qint64 residentBytes() {
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) return -1;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toLongLong() * sysconf(_SC_PAGESIZE) : -1;
}

// A TCP connection whose receive buffer is small and fixed, so the kernel cannot take the
// host's backlog off its hands: what the client does not read stays with the host.
std::unique_ptr<QTcpSocket> tinyWindowConnection(quint16 port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return nullptr;
    const int bytes = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
        ::close(fd);
        return nullptr;
    }
    auto socket = std::make_unique<QTcpSocket>();
    if (!socket->setSocketDescriptor(fd)) return nullptr;
    return socket;
}

// Reads server frames off a raw connection (after the 101 response) until a close frame:
// its code, or -1 while none has come.
struct CloseFrameReader {
    QByteArray pending;
    bool pastHandshake = false;
    int code = -1;

    void feed(const QByteArray& bytes) {
        pending += bytes;
        if (!pastHandshake) {
            const int end = pending.indexOf("\r\n\r\n");
            if (end < 0) return;
            pending.remove(0, end + 4);
            pastHandshake = true;
        }
        while (code < 0 && pending.size() >= 2) {
            const auto* b = reinterpret_cast<const uchar*>(pending.constData());
            const int opcode = b[0] & 0x0f;
            qint64 length = b[1] & 0x7f;
            int header = 2;
            if (length == 126) {
                if (pending.size() < 4) return;
                length = (qint64(b[2]) << 8) | b[3];
                header = 4;
            } else if (length == 127) {
                if (pending.size() < 10) return;
                length = 0;
                for (int i = 2; i < 10; ++i) length = (length << 8) | b[i];
                header = 10;
            }
            if (pending.size() < header + length) return;
            if (opcode == 0x8 && length >= 2) code = (int(b[header]) << 8) | b[header + 1];
            pending.remove(0, int(header + length));
        }
    }
};

}  // namespace

class TestExhibitionHost : public QObject {
    Q_OBJECT

    struct Fixture {
        ScriptedJobRunner runner;
        std::unique_ptr<ExhibitionHost> host;
        explicit Fixture(HostSettings settings = loopbackSettings()) {
            host = std::make_unique<ExhibitionHost>(std::move(settings), &runner);
        }
        QUrl url(const QString& query = {}) const {
            QUrl u(QStringLiteral("ws://127.0.0.1:%1/").arg(host->port()));
            if (!query.isEmpty()) u.setQuery(query);
            return u;
        }
    };

    // Opens a client, says hello, waits for welcome.
    static void attach(Fixture& f, TestClient& c, const QString& role, const QString& name = {}) {
        QVERIFY(c.open(f.url()));
        c.sendJson(hello(role, name));
        QTRY_VERIFY_WITH_TIMEOUT(!c.ofType("welcome").isEmpty(), kWaitMs);
    }

  private Q_SLOTS:
    void legacyCommandQueuesADisplayJob() {
        Fixture f;
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        TestClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P0:machine learning summit"));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("queued").size(), 1, kWaitMs);
        QCOMPARE(f.runner.requests.size(), 1);
        const auto& r = f.runner.requests.first();
        QCOMPARE(r.programId, QStringLiteral("P0"));
        QCOMPARE(r.prompt, QStringLiteral("machine learning summit"));
        QCOMPARE(r.priority, archival::pipeline::JobPriority::Display);
        QCOMPARE(r.owner, QStringLiteral("ws:c1"));
        const QJsonObject q = c.ofType("queued").first();
        QCOMPARE(q.value("job").toInt(), 1);
        QCOMPARE(q.value("position").toInt(), 0);
        QCOMPARE(q.value("owner").toString(), QStringLiteral("c1"));
    }

    void welcomeNamesVersionAndPrograms() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient c;
        QVERIFY(c.open(f.url()));
        c.sendJson({{"type", "hello"},
                    {"protocol", 1},
                    {"role", "display"},
                    {"name", "Screen 1"},
                    {"id", "h1"}});
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("welcome").size(), 1, kWaitMs);
        const QJsonObject w = c.ofType("welcome").first();
        QCOMPARE(w.value("protocol").toInt(), 1);
        QCOMPARE(w.value("request_id").toString(), QStringLiteral("h1"));
        QCOMPARE(w.value("subscribe").toString(), QStringLiteral("all"));
        QCOMPARE(w.value("programs").toArray().first().toObject().value("id").toString(),
                 QStringLiteral("P0"));
        QTRY_COMPARE_WITH_TIMEOUT(f.host->clients().size(), 1, kWaitMs);
        QCOMPARE(f.host->clients().first().name, QStringLiteral("Screen 1"));
    }

    void everyWatchingDisplayGetsProgressPreviewsAndTheFinal() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient displayA, legacyB, controller, otherController;
        attach(f, displayA, "display", "A");
        QVERIFY(legacyB.open(f.url()));  // never says hello: watches all jobs
        attach(f, controller, "controller");
        attach(f, otherController, "controller");
        controller.sendJson({{"type", "generate"},
                             {"program", "P0"},
                             {"prompt", "a harbour"},
                             {"seed", 3},
                             {"id", "r1"}});
        QTRY_COMPARE_WITH_TIMEOUT(displayA.ofType("queued").size(), 1, kWaitMs);
        QTRY_COMPARE_WITH_TIMEOUT(controller.ofType("queued").size(), 1, kWaitMs);
        QCOMPARE(controller.ofType("queued").first().value("request_id").toString(),
                 QStringLiteral("r1"));
        QVERIFY(!displayA.ofType("queued").first().contains("request_id"));
        QCOMPARE(*f.runner.requests.first().seed, quint64(3));

        const auto job = f.runner.live.first();
        f.runner.start(job);
        for (int step = 1; step <= 4; ++step)
            f.runner.step(job, step, 4, solid(8, 6, QColor(step * 50, 0, 0)));
        f.runner.finish(job, solid(64, 48, Qt::blue));

        for (TestClient* c : {&displayA, &legacyB, &controller}) {
            QTRY_COMPARE_WITH_TIMEOUT(c->headers(FrameKind::Final).size(), 1, kWaitMs);
            QCOMPARE(c->ofType("started").size(), 1);
            const auto progress = c->ofType("progress");
            QCOMPARE(progress.size(), 4);
            QCOMPARE(progress.last().value("step").toInt(), 4);
            QCOMPARE(progress.last().value("total").toInt(), 4);
            QVERIFY(progress.last().value("eta").isDouble());
            const auto previews = c->headers(FrameKind::Preview);
            QCOMPARE(previews.size(), 4);
            QCOMPARE(previews.first().job, job);
            QCOMPARE(previews.first().format, ImageFormat::Jpeg);
            QCOMPARE(previews.last().step, 4u);
            const auto completed = c->ofType("completed");
            QCOMPARE(completed.size(), 1);
            QCOMPARE(completed.first().value("width").toInt(), 64);
            QCOMPARE(completed.first().value("format").toString(), QStringLiteral("png"));
            QCOMPARE(completed.first().value("metadata").toObject().value("seed").toString(),
                     QStringLiteral("42"));  // 64-bit seeds travel as text
            // The final frame is the PNG the event announced.
            QByteArray finalFrame;
            for (const auto& fr : c->frames) {
                ImageFrameHeader h;
                if (decodeImageFrameHeader(fr, &h) && h.kind == FrameKind::Final) finalFrame = fr;
            }
            const QByteArray png = finalFrame.mid(kImageFrameHeaderBytes);
            QCOMPARE(png.size(), completed.first().value("bytes").toInt());
            QImage image;
            QVERIFY(image.loadFromData(png, "PNG"));
            QCOMPARE(image.size(), QSize(64, 48));
            QCOMPARE(image.pixelColor(10, 10), QColor(Qt::blue));
        }
        QCOMPARE(controller.ofType("completed").first().value("request_id").toString(),
                 QStringLiteral("r1"));
        // A controller watching only its own jobs hears nothing of this one.
        QCOMPARE(otherController.ofType("progress").size(), 0);
        QCOMPARE(otherController.frames.size(), 0);
        QVERIFY(f.host->activeJobs().isEmpty());
    }

    void queuedEmittedInsideSubmitStillReachesTheClient() {
        Fixture f;
        f.runner.queuedInsideSubmit = true;
        QVERIFY(f.host->start());
        TestClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P3:a sketch"));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("queued").size(), 1, kWaitMs);
    }

    void cancelOwnJobsOnly() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient a, b;
        attach(f, a, "controller");
        attach(f, b, "controller");
        a.send(QStringLiteral("P0:one"));
        a.send(QStringLiteral("P0:two"));
        QTRY_COMPARE_WITH_TIMEOUT(a.ofType("queued").size(), 2, kWaitMs);
        const int first = a.ofType("queued").at(0).value("job").toInt();
        b.sendJson({{"type", "cancel"}, {"job", first}, {"id", 9}});
        QTRY_COMPARE_WITH_TIMEOUT(b.ofType("error").size(), 1, kWaitMs);
        QCOMPARE(b.ofType("error").first().value("code").toString(),
                 QStringLiteral("not_your_job"));
        QCOMPARE(b.ofType("error").first().value("request_id").toInt(), 9);
        b.sendJson({{"type", "cancel"}, {"job", 999}});
        QTRY_COMPARE_WITH_TIMEOUT(b.ofType("error").size(), 2, kWaitMs);
        QCOMPARE(b.ofType("error").last().value("code").toString(), QStringLiteral("unknown_job"));

        a.sendJson({{"type", "cancel"}, {"job", first}});
        QTRY_COMPARE_WITH_TIMEOUT(a.ofType("cancelled").size(), 1, kWaitMs);
        QCOMPARE(a.ofType("cancelling").first().value("jobs").toArray().size(), 1);
        QCOMPARE(a.ofType("cancelled").first().value("job").toInt(), first);
        a.sendJson({{"type", "cancel"}, {"job", "mine"}});
        QTRY_COMPARE_WITH_TIMEOUT(a.ofType("cancelled").size(), 2, kWaitMs);
        QVERIFY(f.runner.live.isEmpty());
        QVERIFY(f.host->activeJobs().isEmpty());
    }

    void disconnectCancelsQueuedAndUnwatchedRunningJobs() {
        Fixture f;
        QVERIFY(f.host->start());
        auto* c = new TestClient;
        attach(f, *c, "controller");
        c->send(QStringLiteral("P0:one"));
        c->send(QStringLiteral("P0:two"));
        QTRY_COMPARE_WITH_TIMEOUT(c->ofType("queued").size(), 2, kWaitMs);
        f.runner.start(f.runner.live.first());
        QTRY_COMPARE_WITH_TIMEOUT(c->ofType("started").size(), 1, kWaitMs);
        c->socket.close();
        delete c;
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.cancelledJobs.size(), 2, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(f.host->activeJobs().isEmpty(), kWaitMs);
    }

    void runningJobSurvivesWhileAnotherDisplayWatches() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient display;
        attach(f, display, "display");
        auto* controller = new TestClient;
        attach(f, *controller, "controller");
        controller->send(QStringLiteral("P0:one"));
        controller->send(QStringLiteral("P0:two"));
        QTRY_COMPARE_WITH_TIMEOUT(display.ofType("queued").size(), 2, kWaitMs);
        const auto running = f.runner.live.first();
        const auto waiting = f.runner.live.last();
        f.runner.start(running);
        QTRY_COMPARE_WITH_TIMEOUT(display.ofType("started").size(), 1, kWaitMs);
        controller->socket.close();
        delete controller;
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.cancelledJobs, QList<ScriptedJobRunner::JobId>{waiting},
                                  kWaitMs);
        f.runner.finish(running, solid(16, 16, Qt::green));
        QTRY_COMPARE_WITH_TIMEOUT(display.headers(FrameKind::Final).size(), 1, kWaitMs);
        QCOMPARE(display.ofType("cancelled").size(), 1);
    }

    void badInputGetsTypedErrorsAndTheConnectionStays() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient c;
        attach(f, c, "controller");
        const QList<QPair<QString, QString>> cases = {
            {"{\"type\":\"generate\",", "invalid_json"},
            {R"({"type":"generate","program":"P9","prompt":"x"})", "unknown_program"},
            {R"({"type":"generate","program":"P0","prompt":""})", "empty_prompt"},
            {R"({"type":"generate","program":"P0","prompt":7})", "invalid_field"},
            {"P0:   ", "empty_prompt"},
            {"just words", "invalid_message"},
            {R"({"type":"hello"})", "already_identified"},
            {R"({"type":"explode"})", "unknown_type"},
        };
        for (const auto& [text, code] : cases) {
            const int before = c.ofType("error").size();
            c.send(text);
            QTRY_COMPARE_WITH_TIMEOUT(c.ofType("error").size(), before + 1, kWaitMs);
            QCOMPARE(c.ofType("error").last().value("code").toString(), code);
        }
        c.socket.sendBinaryMessage(QByteArray("\x00\x01\x02", 3));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("error").size(), cases.size() + 1, kWaitMs);
        QCOMPARE(c.ofType("error").last().value("code").toString(),
                 QStringLiteral("binary_not_accepted"));
        c.sendJson({{"type", "ping"}, {"id", "p"}});
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("pong").size(), 1, kWaitMs);
        QCOMPARE(c.ofType("pong").first().value("request_id").toString(), QStringLiteral("p"));
        QVERIFY(!c.closed);
        QVERIFY(f.runner.requests.isEmpty());
    }

    void failedJobIsATypedErrorForItsWatchers() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient c;
        attach(f, c, "controller");
        c.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "x"}, {"id", 4}});
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("queued").size(), 1, kWaitMs);
        f.runner.fail(f.runner.live.first(), archival::pipeline::ErrorCode::ModelLoad,
                      QStringLiteral("no unet/ folder"));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("error").size(), 1, kWaitMs);
        const QJsonObject e = c.ofType("error").first();
        QCOMPARE(e.value("code").toString(), QStringLiteral("generation_failed"));
        QCOMPARE(e.value("reason").toString(), QStringLiteral("ModelLoad"));
        QCOMPARE(e.value("request_id").toInt(), 4);
        QCOMPARE(e.value("job").toInt(), 1);
    }

    void limitsGiveErrorsAndFloodsClose() {
        HostSettings s = loopbackSettings();
        s.limits.maxJobsPerClient = 2;
        s.limits.maxPromptChars = 20;
        s.limits.messagesPerSecond = 1000;
        Fixture f(s);
        QVERIFY(f.host->start());
        TestClient c;
        attach(f, c, "controller");
        for (int i = 0; i < 3; ++i) c.send(QStringLiteral("P0:job %1").arg(i));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("error").size(), 1, kWaitMs);
        QCOMPARE(c.ofType("error").first().value("code").toString(),
                 QStringLiteral("too_many_jobs"));
        QCOMPARE(c.ofType("queued").size(), 2);
        c.send(QStringLiteral("P0:") + QString(21, 'x'));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("error").size(), 2, kWaitMs);
        QCOMPARE(c.ofType("error").last().value("code").toString(),
                 QStringLiteral("prompt_too_long"));

        HostSettings r = loopbackSettings();
        r.limits.messagesPerSecond = 5;
        r.limits.floodFactor = 4;
        Fixture g(r);
        QVERIFY(g.host->start());
        TestClient busy;
        QVERIFY(busy.open(g.url()));
        for (int i = 0; i < 8; ++i) busy.sendJson({{"type", "ping"}});
        QTRY_COMPARE_WITH_TIMEOUT(busy.events.size(), 8, kWaitMs);
        QVERIFY(busy.ofType("pong").size() >= 5);
        QVERIFY(!busy.ofType("error").isEmpty());
        QCOMPARE(busy.ofType("error").first().value("code").toString(),
                 QStringLiteral("rate_limited"));
        QVERIFY(!busy.closed);
        TestClient flood;
        QVERIFY(flood.open(g.url()));
        for (int i = 0; i < 40; ++i) flood.sendJson({{"type", "ping"}});
        QTRY_VERIFY_WITH_TIMEOUT(flood.closed, kWaitMs);
        QCOMPARE(int(flood.socket.closeCode()), int(CloseCode::PolicyViolation));
    }

    void clientsBeyondTheLimitAreTurnedAway() {
        HostSettings s = loopbackSettings();
        s.limits.maxClients = 2;
        Fixture f(s);
        QVERIFY(f.host->start());
        TestClient a, b, c;
        attach(f, a, "display");
        attach(f, b, "display");
        c.open(f.url());  // the handshake succeeds, then the host closes at once
        QTRY_VERIFY_WITH_TIMEOUT(c.closed, kWaitMs);
        QCOMPARE(int(c.socket.closeCode()), int(CloseCode::TryAgainLater));
        QCOMPARE(c.ofType("error").first().value("code").toString(),
                 QStringLiteral("too_many_clients"));
        QVERIFY(!a.closed && !b.closed);
    }

    void tokenRules() {
        HostSettings s = loopbackSettings();
        s.token = QStringLiteral("right-token");
        s.requireTokenOnLoopback = true;
        s.limits.authTimeoutMs = 300;
        Fixture f(s);
        QVERIFY(f.host->start());

        TestClient wrong;
        QVERIFY(wrong.open(f.url()));
        wrong.sendJson(hello("display", {}, "wrong-token"));
        QTRY_VERIFY_WITH_TIMEOUT(wrong.closed, kWaitMs);
        QCOMPARE(int(wrong.socket.closeCode()), int(CloseCode::PolicyViolation));
        QVERIFY(wrong.ofType("welcome").isEmpty());

        TestClient missing;
        QVERIFY(missing.open(f.url()));
        missing.sendJson(hello("display"));
        QTRY_VERIFY_WITH_TIMEOUT(missing.closed, kWaitMs);
        QCOMPARE(int(missing.socket.closeCode()), int(CloseCode::PolicyViolation));

        TestClient legacyFirst;  // a command before the token is not understood
        QVERIFY(legacyFirst.open(f.url()));
        legacyFirst.send(QStringLiteral("P0:a cat"));
        QTRY_VERIFY_WITH_TIMEOUT(legacyFirst.closed, kWaitMs);
        QCOMPARE(int(legacyFirst.socket.closeCode()), int(CloseCode::PolicyViolation));
        QVERIFY(f.runner.requests.isEmpty());

        TestClient silent;  // says nothing: closed when the time is up
        QVERIFY(silent.open(f.url()));
        QTRY_VERIFY_WITH_TIMEOUT(silent.closed, kWaitMs);
        QCOMPARE(int(silent.socket.closeCode()), int(CloseCode::PolicyViolation));

        TestClient right;
        QVERIFY(right.open(f.url()));
        right.sendJson(hello("display", {}, "right-token"));
        QTRY_COMPARE_WITH_TIMEOUT(right.ofType("welcome").size(), 1, kWaitMs);

        TestClient inUrl;  // a legacy client can carry the token in the URL
        QVERIFY(inUrl.open(f.url(QStringLiteral("token=right-token"))));
        inUrl.send(QStringLiteral("P0:a cat"));
        QTRY_COMPARE_WITH_TIMEOUT(inUrl.ofType("queued").size(), 1, kWaitMs);

        TestClient wrongUrl;
        wrongUrl.open(f.url(QStringLiteral("token=nope")));
        QTRY_VERIFY_WITH_TIMEOUT(wrongUrl.closed, kWaitMs);
        QCOMPARE(int(wrongUrl.socket.closeCode()), int(CloseCode::PolicyViolation));
    }

    // Clients that leave just before (and at) the authentication deadline: the host deletes
    // each session when its socket goes, and no deadline ever fires for a deleted one. (Were
    // the timer to outlive its session, it would log for, and close, a freed client; a
    // sanitizer build reports that as a use after free.)
    void authDeadlineNeverFiresAfterTheClientHasGone() {
        HostSettings s = loopbackSettings();
        s.token = QStringLiteral("right-token");
        s.requireTokenOnLoopback = true;
        s.limits.authTimeoutMs = 200;
        QStringList log;  // outlives the host, which logs while it stops
        Fixture f(s);
        QVERIFY(f.host->start());
        connect(f.host.get(), &ExhibitionHost::logLine, this,
                [&log](const QString& line) { log.append(line); });
        constexpr int kClients = 10;
        for (int i = 0; i < kClients; ++i) {
            TestClient c;
            QVERIFY(c.open(f.url()));
            QTest::qWait(s.limits.authTimeoutMs - 40 + 5 * i);  // 40 ms early .. 5 ms late
            c.socket.abort();
            const QString gone = QStringLiteral("client c%1 disconnected (").arg(i + 1);
            QTRY_VERIFY_WITH_TIMEOUT(!log.filter(gone).isEmpty(), kWaitMs);
        }
        QTest::qWait(2 * s.limits.authTimeoutMs);  // every deadline has passed
        for (int i = 1; i <= kClients; ++i) {
            const QString id = QStringLiteral("client c%1 ").arg(i);
            int gone = -1, refusedAfter = -1;
            for (int n = 0; n < log.size(); ++n) {
                if (!log[n].startsWith(id)) continue;
                if (log[n].startsWith(id + QStringLiteral("disconnected (")))
                    gone = n;
                else if (gone >= 0 && log[n].contains(QStringLiteral("no token in time")))
                    refusedAfter = n;
            }
            QVERIFY2(gone >= 0, qPrintable(log.join('\n')));
            QVERIFY2(refusedAfter < 0, qPrintable(QStringLiteral("the deadline fired after the "
                                                                 "client had gone:\n") +
                                                  log.join('\n')));
        }
    }

    void loopbackWithoutTokenIsAllowedByDefault() {
        HostSettings s = loopbackSettings();
        s.token = QStringLiteral("t");
        Fixture f(s);
        QVERIFY(f.host->start());
        TestClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P0:a cat"));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("queued").size(), 1, kWaitMs);
    }

    void nonLoopbackNeedsAToken() {
        HostSettings s = loopbackSettings();
        s.address = QHostAddress::AnyIPv4;
        Fixture f(s);
        QVERIFY(!f.host->start());
        QVERIFY(f.host->errorString().contains("token"));

        s.token = QStringLiteral("lan-token");
        Fixture g(s);
        QVERIFY2(g.host->start(), qPrintable(g.host->errorString()));
        TestClient missing;  // reached over loopback, but the host listens on every interface
        QVERIFY(missing.open(g.url()));
        missing.sendJson(hello("display"));
        QTRY_VERIFY_WITH_TIMEOUT(missing.closed, kWaitMs);
        QCOMPARE(int(missing.socket.closeCode()), int(CloseCode::PolicyViolation));
        TestClient right;
        QVERIFY(right.open(g.url()));
        right.sendJson(hello("display", {}, "lan-token"));
        QTRY_COMPARE_WITH_TIMEOUT(right.ofType("welcome").size(), 1, kWaitMs);
    }

    void originAllowList() {
        HostSettings s = loopbackSettings();
        s.allowedOrigins = {QStringLiteral("http://kiosk.example")};
        Fixture f(s);
        QVERIFY(f.host->start());
        TestClient evil, kiosk, ownPage, noOrigin;
        QVERIFY(!evil.open(f.url(), "http://evil.example"));
        QVERIFY(kiosk.open(f.url(), "http://kiosk.example"));
        QVERIFY(ownPage.open(
            f.url(), QStringLiteral("http://127.0.0.1:%1").arg(f.host->httpPort()).toUtf8()));
        QVERIFY(!TestClient().open(
            f.url(), QStringLiteral("http://127.0.0.1:%1").arg(f.host->httpPort() + 1).toUtf8()));
        QVERIFY(noOrigin.open(f.url()));
    }

    // A client's name and prompt reach the log with their control characters escaped: a
    // terminal reading the log is not recoloured and no second line can be forged.
    void clientSuppliedTextIsLoggedEscaped() {
        Fixture f;
        QSignalSpy lines(f.host.get(), &ExhibitionHost::logLine);
        QVERIFY(f.host->start());
        TestClient c;
        attach(f, c, "display", QStringLiteral("Screen\x1b[31m\nclient c9 authenticated"));
        c.send(QStringLiteral("P0:harbour\x1b]0;owned\x07 lights\x9b"));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("queued").size(), 1, kWaitMs);
        QStringList all;
        for (const auto& args : lines) all << args.at(0).toString();
        static const QRegularExpression control(QStringLiteral("[\\x00-\\x1f\\x7f-\\x9f]"));
        for (const QString& line : all)
            QVERIFY2(!line.contains(control), qPrintable(QStringLiteral("unescaped: ") + line));
        const QString joined = all.join(QLatin1Char('|'));
        // (The protocol already turns the name's line break into a space.)
        QVERIFY2(joined.contains(QStringLiteral("Screen\\x1b[31m client c9 authenticated")),
                 qPrintable(joined));
        QVERIFY2(joined.contains(QStringLiteral("harbour\\x1b]0;owned\\x07 lights\\x9b")),
                 qPrintable(joined));
    }

    void unsupportedVersionCloses() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient c;
        QVERIFY(c.open(f.url()));
        c.sendJson({{"type", "hello"}, {"protocol", 2}});
        QTRY_VERIFY_WITH_TIMEOUT(c.closed, kWaitMs);
        QCOMPARE(int(c.socket.closeCode()), int(CloseCode::UnsupportedVersion));
        QCOMPARE(c.ofType("error").first().value("code").toString(),
                 QStringLiteral("unsupported_version"));
    }

    void oversizeFramesCloseWith1009() {
        HostSettings s = loopbackSettings();
        s.limits.hardMessageBytes = 64 * 1024;
        Fixture f(s);
        QVERIFY(f.host->start());
        TestClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P0:") + QString(100 * 1024, 'x'));
        QTRY_VERIFY_WITH_TIMEOUT(c.closed, kWaitMs);
        QCOMPARE(int(c.socket.closeCode()), int(CloseCode::MessageTooBig));
    }

    void textThatIsNotUtf8ClosesWith1007() {
        Fixture f;
        QVERIFY(f.host->start());
        QTcpSocket raw;
        raw.connectToHost(QHostAddress::LocalHost, f.host->port());
        QVERIFY(raw.waitForConnected(kWaitMs));
        raw.write(archival::test::rawUpgradeRequest("/"));
        // The host runs on this thread: wait with the event loop, never block it.
        QByteArray response;
        QTRY_VERIFY_WITH_TIMEOUT((response += raw.readAll()).contains("\r\n\r\n"), kWaitMs);
        QVERIFY2(response.startsWith("HTTP/1.1 101"), response.constData());
        // A masked text frame (mask 0) holding 0xFF 0xFE: not UTF-8.
        raw.write(QByteArray("\x81\x82\x00\x00\x00\x00\xff\xfe", 8));
        QByteArray answer;
        QTRY_VERIFY_WITH_TIMEOUT((answer += raw.readAll()).contains('\x88') &&
                                     answer.size() >= answer.indexOf('\x88') + 4,
                                 kWaitMs);
        const int close = answer.indexOf('\x88');  // the close frame: 2-byte code first
        QVERIFY2(close >= 0 && answer.size() >= close + 4, answer.toHex().constData());
        QCOMPARE((uchar(answer.at(close + 2)) << 8) | uchar(answer.at(close + 3)), 1007);
    }

    void hostPanelCanDisconnectAClient() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient c;
        attach(f, c, "display", "Screen 2");
        QCOMPARE(f.host->clients().size(), 1);
        QVERIFY(f.host->disconnectClient(f.host->clients().first().id));
        QTRY_VERIFY_WITH_TIMEOUT(c.closed, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(f.host->clients().isEmpty(), kWaitMs);
    }

    void slowReaderLosesPreviewsNotTheOthers() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient fast;
        attach(f, fast, "display");
        // A display that completes the handshake and then never reads.
        QTcpSocket slow;
        slow.connectToHost(QHostAddress::LocalHost, f.host->port());
        QVERIFY(slow.waitForConnected(kWaitMs));
        slow.setReadBufferSize(1);
        slow.write(archival::test::rawUpgradeRequest("/"));
        QTRY_COMPARE_WITH_TIMEOUT(f.host->clients().size(), 2, kWaitMs);

        fast.send(QStringLiteral("P0:noise"));
        QTRY_COMPARE_WITH_TIMEOUT(fast.ofType("queued").size(), 1, kWaitMs);
        const auto job = f.runner.live.first();
        const QImage noise = archival::test::noiseImage(512);
        constexpr int kSteps = 60;
        f.runner.start(job);
        for (int step = 1; step <= kSteps; ++step) {
            f.runner.step(job, step, kSteps, noise);
            QTRY_COMPARE_WITH_TIMEOUT(fast.headers(FrameKind::Preview).size(), step, kWaitMs);
        }
        f.runner.finish(job, solid(32, 32, Qt::white));
        QTRY_COMPARE_WITH_TIMEOUT(fast.headers(FrameKind::Final).size(), 1, kWaitMs);
        int dropped = 0;
        for (const auto& info : f.host->clients()) dropped += info.previewsDropped;
        QVERIFY2(dropped > 0, "the slow reader's previews should have been dropped");
        QVERIFY(dropped < kSteps);
    }

    // Displays that never read while finals flow: each is closed with 4008 once its backlog
    // is still over send-buffer-bytes when a final is due, so the host holds at most the
    // budget and about one final per client, not every final since it stopped reading.
    void slowReadersAreClosedBeforeTheirBacklogGrows() {
        constexpr int kReaders = 60;
        constexpr int kFinals = 8;
        HostSettings s = loopbackSettings();
        s.limits.sendBufferBytes = 256 * 1024;
        s.limits.maxClients = kReaders + 1;
        s.limits.closeGraceMs = 60000;  // the test reads the close frames at its own pace
        Fixture f(s);
        QVERIFY(f.host->start());
        TestClient fast;
        attach(f, fast, "display");
        std::vector<std::unique_ptr<QTcpSocket>> readers;
        for (int i = 0; i < kReaders; ++i) {
            readers.push_back(tinyWindowConnection(f.host->port()));
            QVERIFY(readers.back());
            readers.back()->setReadBufferSize(1);
            readers.back()->write(archival::test::rawUpgradeRequest("/"));
            // One at a time: the host accepts each before the listen backlog could fill.
            QTRY_COMPARE_WITH_TIMEOUT(f.host->clients().size(), i + 2, kWaitMs);
        }

        const QImage noise = archival::test::noiseImage(512);
        const qint64 before = residentBytes();
        QVERIFY(before > 0);
        qint64 finalBytes = 0;
        for (int n = 1; n <= kFinals; ++n) {
            fast.send(QStringLiteral("P0:noise"));
            QTRY_COMPARE_WITH_TIMEOUT(fast.ofType("queued").size(), n, kWaitMs);
            const auto job = f.runner.live.first();
            f.runner.start(job);
            f.runner.finish(job, noise);
            QTRY_COMPARE_WITH_TIMEOUT(fast.headers(FrameKind::Final).size(), n, kWaitMs);
            finalBytes = fast.frames.last().size();
        }
        const qint64 after = residentBytes();
        const qint64 bound = kReaders * (s.limits.sendBufferBytes + 2 * finalBytes);
        qInfo(
            "resident memory: %.1f MB before, %.1f MB after %d finals of %.0f kB to %d "
            "clients that do not read (bound %.1f MB)",
            before / 1e6, after / 1e6, kFinals, finalBytes / 1e3, kReaders, bound / 1e6);
        QVERIFY2(after - before < bound, "the host kept the finals of clients that do not read");
        QVERIFY(!fast.closed);
        QCOMPARE(fast.headers(FrameKind::Final).size(), kFinals);

        // Now they read: everything the host had queued, then its close frame with 4008.
        std::vector<CloseFrameReader> frames(kReaders);
        for (auto& r : readers) {
            const int bytes = 4 * 1024 * 1024;  // read quickly
            ::setsockopt(int(r->socketDescriptor()), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
            r->setReadBufferSize(0);
        }
        auto allClosed = [&] {
            bool all = true;
            for (int i = 0; i < kReaders; ++i) {
                frames[i].feed(readers[i]->readAll());
                all = all && frames[i].code >= 0;
            }
            return all;
        };
        QTRY_VERIFY_WITH_TIMEOUT(allClosed(), 4 * kWaitMs);
        for (const auto& r : frames) QCOMPARE(r.code, int(CloseCode::ReadsTooSlowly));
    }

    // The live dialect has the same budget: an exhibition client that stops reading is closed
    // with 4008 when its next final PNG is due while the last one is still unsent.
    void slowLiveDialectReaderIsClosed() {
        HostSettings s = loopbackSettings();
        s.limits.sendBufferBytes = 64 * 1024;
        s.limits.closeGraceMs = 60000;  // the test reads the close frame at its own pace
        Fixture f(s);
        QVERIFY(f.host->start());
        auto reader = tinyWindowConnection(f.host->port());
        QVERIFY(reader);
        reader->setReadBufferSize(1);
        reader->write(archival::test::rawUpgradeRequest("/ws"));
        QTRY_COMPARE_WITH_TIMEOUT(f.host->clients().size(), 1, kWaitMs);
        // Two commands in masked client text frames (the mask is zero: the text as it is).
        for (const QByteArray command : {QByteArray("P0:one"), QByteArray("P0:two")})
            reader->write(QByteArray("\x81") + char(0x80 | command.size()) + QByteArray(4, '\0') +
                          command);
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.live.size(), 1, kWaitMs);
        const QImage noise = archival::test::noiseImage(512);
        const auto first = f.runner.live.first();
        f.runner.start(first);
        f.runner.finish(first, noise);  // queued: the backlog was within the budget
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 2, kWaitMs);
        const auto second = f.runner.live.first();
        f.runner.start(second);
        f.runner.finish(second, noise);  // the first is still unsent: closed instead

        const int bytes = 4 * 1024 * 1024;
        ::setsockopt(int(reader->socketDescriptor()), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
        reader->setReadBufferSize(0);
        CloseFrameReader frames;
        QTRY_VERIFY_WITH_TIMEOUT((frames.feed(reader->readAll()), frames.code >= 0), 4 * kWaitMs);
        QCOMPARE(frames.code, int(CloseCode::ReadsTooSlowly));
    }

    // A client closed with 4008 while its backlog cannot drain (it does not read) is gone from
    // the host soon after, its backlog with it. (Qt 6.4 already reports such a connection gone
    // at once; close-grace-ms bounds it whatever Qt does.)
    void closedSlowReaderIsDroppedWithItsBacklog() {
        HostSettings s = loopbackSettings();
        s.limits.sendBufferBytes = 64 * 1024;
        s.limits.closeGraceMs = 300;
        Fixture f(s);
        QVERIFY(f.host->start());
        QSignalSpy lines(f.host.get(), &ExhibitionHost::logLine);
        TestClient fast;
        attach(f, fast, "display");
        auto reader = tinyWindowConnection(f.host->port());
        QVERIFY(reader);
        reader->setReadBufferSize(1);
        reader->write(archival::test::rawUpgradeRequest("/"));
        QTRY_COMPARE_WITH_TIMEOUT(f.host->clients().size(), 2, kWaitMs);
        auto said = [&lines](const QString& what) {
            for (const auto& args : lines)
                if (args.first().toString().contains(what)) return true;
            return false;
        };
        // Finals until the kernel's buffers are full and the host's backlog is over the budget.
        const QImage noise = archival::test::noiseImage(512);
        for (int n = 1; n <= 12 && !said(QStringLiteral("client c2 closed: ")); ++n) {
            fast.send(QStringLiteral("P0:noise"));
            QTRY_COMPARE_WITH_TIMEOUT(fast.ofType("queued").size(), n, kWaitMs);
            const auto job = f.runner.live.first();
            f.runner.start(job);
            f.runner.finish(job, noise);
        }
        QVERIFY(said(QStringLiteral("client c2 closed: ")));
        QTRY_VERIFY_WITH_TIMEOUT(said(QStringLiteral("client c2 disconnected")), kWaitMs);
        QCOMPARE(f.host->clients().size(), 1);
    }

    // Connections that never present their token wait in their own pool: they neither fill
    // max-clients nor keep out a client that has the token.
    void unauthenticatedFloodLeavesRoomForATokenClient() {
        HostSettings s = loopbackSettings();
        s.token = QStringLiteral("right-token-of-sixteen");
        s.requireTokenOnLoopback = true;
        s.limits.maxClients = 2;
        s.limits.maxUnauthenticated = 3;
        s.limits.authTimeoutMs = 60000;  // the flood outlasts the test
        Fixture f(s);
        QVERIFY(f.host->start());
        std::vector<std::unique_ptr<TestClient>> flood;
        for (int i = 0; i < 8; ++i) {
            flood.push_back(std::make_unique<TestClient>());
            flood.back()->open(f.url());
        }
        for (int i = 3; i < 8; ++i) {
            QTRY_VERIFY_WITH_TIMEOUT(flood[i]->closed, kWaitMs);
            QCOMPARE(int(flood[i]->socket.closeCode()), int(CloseCode::TryAgainLater));
            QCOMPARE(flood[i]->ofType("error").first().value("code").toString(),
                     QStringLiteral("too_many_clients"));
        }
        for (int i = 0; i < 3; ++i) QVERIFY(!flood[i]->closed);

        TestClient a, b, c;
        for (TestClient* client : {&a, &b}) {
            QVERIFY(client->open(f.url(QStringLiteral("token=right-token-of-sixteen"))));
            client->send(QStringLiteral("P0:a cat"));
            QTRY_COMPARE_WITH_TIMEOUT(client->ofType("queued").size(), 1, kWaitMs);
        }
        // max-clients still holds for clients with the token.
        c.open(f.url(QStringLiteral("token=right-token-of-sixteen")));
        QTRY_VERIFY_WITH_TIMEOUT(c.closed, kWaitMs);
        QCOMPARE(int(c.socket.closeCode()), int(CloseCode::TryAgainLater));
        QVERIFY(!a.closed && !b.closed);
    }

    // After auth-failures wrong tokens from one address, even the right one is refused: the
    // host no longer compares what that address presents.
    void failedTokensAreLimitedPerAddress() {
        HostSettings s = loopbackSettings();
        s.token = QStringLiteral("right-token-of-sixteen");
        s.requireTokenOnLoopback = true;
        s.limits.authFailures = 3;
        Fixture f(s);
        QVERIFY(f.host->start());
        QSignalSpy lines(f.host.get(), &ExhibitionHost::logLine);
        for (int i = 0; i < s.limits.authFailures; ++i) {
            TestClient guess;
            QVERIFY(guess.open(f.url()));
            guess.sendJson(hello("display", {}, QStringLiteral("guess-number-%1").arg(i)));
            QTRY_VERIFY_WITH_TIMEOUT(guess.closed, kWaitMs);
            QCOMPARE(int(guess.socket.closeCode()), int(CloseCode::PolicyViolation));
        }
        TestClient right;
        QVERIFY(right.open(f.url()));
        right.sendJson(hello("display", {}, s.token));
        QTRY_VERIFY_WITH_TIMEOUT(right.closed, kWaitMs);
        QCOMPARE(int(right.socket.closeCode()), int(CloseCode::PolicyViolation));
        QVERIFY(right.ofType("welcome").isEmpty());
        TestClient inUrl;
        inUrl.open(f.url(QStringLiteral("token=right-token-of-sixteen")));
        QTRY_VERIFY_WITH_TIMEOUT(inUrl.closed, kWaitMs);
        QCOMPARE(int(inUrl.socket.closeCode()), int(CloseCode::PolicyViolation));
        QStringList text;
        for (const auto& args : lines) text << args.first().toString();
        QCOMPARE(text.filter(QStringLiteral("token not compared")).size(), 2);
    }

    void authFailureLimiterForgetsOldFailures() {
        AuthFailureLimiter limiter(2, 1000);
        const QHostAddress a(QStringLiteral("192.0.2.1")), b(QStringLiteral("192.0.2.2"));
        limiter.recordFailure(a, 0);
        QVERIFY(limiter.allows(a, 10));
        limiter.recordFailure(a, 500);
        QVERIFY(!limiter.allows(a, 600));
        QVERIFY(!limiter.allows(QHostAddress(QStringLiteral("::ffff:192.0.2.1")), 600));
        QVERIFY(limiter.allows(b, 600));
        QVERIFY(limiter.allows(a, 1000));  // the first failure has left the window
    }

    // One address reconnecting in a loop: past connects-per-address within the window its
    // connections are refused with rate_limited and 4013, the right token included, while
    // another address (127.0.0.2) gets in meanwhile; once the window has passed, the client
    // with the token gets in from the storming address too.
    void aReconnectStormIsSlowedPerAddress() {
        HostSettings s = loopbackSettings();
        s.token = QStringLiteral("right-token-of-sixteen");
        s.requireTokenOnLoopback = true;
        s.limits.connectsPerAddress = 5;
        s.limits.connectWindowMs = 3000;
        Fixture f(s);
        QVERIFY(f.host->start());
        QElapsedTimer clock;
        clock.start();
        int admitted = 0, refused = 0;
        for (int i = 0; i < 12; ++i) {
            TestClient c;
            c.open(f.url());  // a refused one may be closed by the time this returns
            // Refused ones hear an error at once; admitted ones nothing (they owe the token).
            const bool heard =
                QTest::qWaitFor([&c] { return !c.ofType("error").isEmpty() || c.closed; }, 100);
            if (!heard) {
                ++admitted;  // owes its token: hears nothing until it says hello
                continue;
            }
            ++refused;
            QVERIFY2(!c.ofType("error").isEmpty(), "closed without an error event");
            QCOMPARE(c.ofType("error").first().value("code").toString(),
                     QStringLiteral("rate_limited"));
            QTRY_VERIFY_WITH_TIMEOUT(c.closed, kWaitMs);
            QCOMPARE(int(c.socket.closeCode()), int(CloseCode::TryAgainLater));
        }
        TestClient late;  // the right token does not help within the window
        late.open(f.url(QStringLiteral("token=right-token-of-sixteen")));
        QTRY_VERIFY_WITH_TIMEOUT(late.closed, kWaitMs);
        QCOMPARE(int(late.socket.closeCode()), int(CloseCode::TryAgainLater));
        qInfo("reconnect storm: %d admitted, %d refused in %lld ms (5 per 3000 ms allowed)",
              admitted, refused, clock.elapsed());
        QVERIFY2(clock.elapsed() < s.limits.connectWindowMs, "the storm outlasted the window");
        QCOMPARE(admitted, 5);
        QCOMPARE(refused, 7);

        // Another address is not held back.
        QTcpSocket other;
        QVERIFY(other.bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
        other.connectToHost(QHostAddress::LocalHost, f.host->port());
        QVERIFY(other.waitForConnected(kWaitMs));
        other.write(archival::test::rawUpgradeRequest("/"));
        QByteArray heard;
        QVERIFY(QTest::qWaitFor([&] { return (heard += other.readAll()).contains("\r\n\r\n"); },
                                kWaitMs));
        QTest::qWait(200);
        heard += other.readAll();
        QVERIFY2(heard.startsWith("HTTP/1.1 101"), heard.constData());
        QVERIFY2(!heard.contains("rate_limited"), heard.constData());

        QTest::qWait(std::max(0, int(s.limits.connectWindowMs - clock.elapsed())) + 100);
        TestClient right;
        QVERIFY(right.open(f.url()));
        right.sendJson(hello("display", {}, "right-token-of-sixteen"));
        QTRY_COMPARE_WITH_TIMEOUT(right.ofType("welcome").size(), 1, kWaitMs);
    }

    // A job with a LoRA loaded from a local folder: the completed event's metadata and the
    // final PNG's text chunks name the file, never the folder; the same for the live dialect.
    void finalsNameNoLocalLoraPath() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient display;
        attach(f, display, "display");
        QWebSocket live;
        QList<QByteArray> liveImages;
        connect(&live, &QWebSocket::binaryMessageReceived, this,
                [&liveImages](const QByteArray& b) { liveImages << b; });
        live.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(f.host->port())));
        QTRY_COMPARE_WITH_TIMEOUT(live.state(), QAbstractSocket::ConnectedState, kWaitMs);
        const QString folder = QStringLiteral("/srv/curator-private/loras");
        const QList<archival::pipeline::LoraRef> loras{
            {folder + "/chuamiatee.safetensors", 0.9, folder + "/chuamiatee.safetensors"}};
        display.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "a harbour"}});
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.live.size(), 1, kWaitMs);
        f.runner.finish(f.runner.live.first(), solid(8, 8, Qt::blue), loras);
        QTRY_COMPARE_WITH_TIMEOUT(display.headers(FrameKind::Final).size(), 1, kWaitMs);
        const QByteArray event =
            QJsonDocument(display.ofType("completed").first()).toJson(QJsonDocument::Compact);
        QVERIFY2(!event.contains("curator-private"), event.constData());
        QVERIFY2(event.contains("chuamiatee.safetensors"), event.constData());
        // The PNG's own chunks, as any reader of the final sees them.
        auto chunksOf = [](const QByteArray& png) {
            const QImage image = QImage::fromData(png, "PNG");
            return image.text(QStringLiteral("archival-studio")) + image.text("parameters");
        };
        QString finalText;
        for (const QByteArray& frame : display.frames) {
            ImageFrameHeader h;
            if (decodeImageFrameHeader(frame, &h) && h.kind == FrameKind::Final)
                finalText = chunksOf(frame.mid(kImageFrameHeaderBytes));
        }
        QVERIFY2(finalText.contains("chuamiatee.safetensors"), qPrintable(finalText));
        QVERIFY2(!finalText.contains("curator-private"), qPrintable(finalText));

        live.sendTextMessage(QStringLiteral("P0:a harbour"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.live.size(), 1, kWaitMs);
        f.runner.finish(f.runner.live.first(), solid(8, 8, Qt::blue), loras);
        QTRY_COMPARE_WITH_TIMEOUT(liveImages.size(), 1, kWaitMs);
        const QString liveText = chunksOf(liveImages.first());
        QVERIFY2(liveText.contains("chuamiatee.safetensors"), qPrintable(liveText));
        QVERIFY2(!liveText.contains("curator-private"), qPrintable(liveText));
    }

    // max-display-jobs holds across clients, for protocol v1 and the live dialect alike.
    void displayJobsAreCappedAcrossClients() {
        HostSettings s = loopbackSettings();
        s.limits.maxJobsPerClient = 2;
        s.limits.maxDisplayJobs = 3;
        Fixture f(s);
        QVERIFY(f.host->start());
        TestClient a, b;
        attach(f, a, "controller");
        attach(f, b, "controller");
        for (int i = 0; i < 2; ++i)
            a.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "a cat"}});
        QTRY_COMPARE_WITH_TIMEOUT(a.ofType("queued").size(), 2, kWaitMs);
        b.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "a cat"}});
        QTRY_COMPARE_WITH_TIMEOUT(b.ofType("queued").size(), 1, kWaitMs);
        b.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "a dog"}});
        QTRY_COMPARE_WITH_TIMEOUT(b.ofType("error").size(), 1, kWaitMs);
        QCOMPARE(b.ofType("error").first().value("code").toString(),
                 QStringLiteral("too_many_jobs"));
        QVERIFY(b.ofType("error").first().value("message").toString().contains("display jobs"));

        QWebSocket live;
        QStringList said;
        connect(&live, &QWebSocket::textMessageReceived, this,
                [&said](const QString& t) { said << t; });
        live.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(f.host->port())));
        QTRY_COMPARE_WITH_TIMEOUT(live.state(), QAbstractSocket::ConnectedState, kWaitMs);
        live.sendTextMessage(QStringLiteral("P0:a bird"));
        QTRY_COMPARE_WITH_TIMEOUT(said.size(), 1, kWaitMs);
        QVERIFY2(said.first().startsWith(QStringLiteral("error:the host has 3 display jobs")),
                 qPrintable(said.first()));
        QCOMPARE(f.runner.requests.size(), 3);

        f.runner.finish(f.runner.live.first(), solid(8, 8, Qt::white));  // room for one
        QTRY_COMPARE_WITH_TIMEOUT(f.host->activeJobs().size(), 2, kWaitMs);
        live.sendTextMessage(QStringLiteral("P0:a bird"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 4, kWaitMs);
    }

    void servesTheDisplayPage() {
        Fixture f;
        QVERIFY(f.host->start());
        QVERIFY(f.host->httpPort() > 0);
        QVERIFY(f.host->displayPageUrl().startsWith("http://127.0.0.1:"));
        QNetworkAccessManager nam;
        auto get = [&](const QString& path, int* status) {
            QNetworkReply* reply = nam.get(QNetworkRequest(
                QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(f.host->httpPort()).arg(path))));
            QSignalSpy done(reply, &QNetworkReply::finished);
            done.wait(kWaitMs);
            *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QByteArray body = reply->readAll();
            reply->deleteLater();
            return body;
        };
        int status = 0;
        QVERIFY(get("/", &status).contains("display.js"));
        QCOMPARE(status, 200);
        QVERIFY(get("/display.js", &status).contains("getBigUint64"));
        QCOMPARE(status, 200);
        const QJsonObject host = QJsonDocument::fromJson(get("/api/v1/host", &status)).object();
        QCOMPARE(host.value("websocket_port").toInt(), int(f.host->port()));
        QCOMPARE(host.value("protocol").toInt(), 1);
        const QJsonObject missing = QJsonDocument::fromJson(get("/nothing", &status)).object();
        QCOMPARE(status, 404);
        QCOMPARE(missing.value("error").toObject().value("code").toString(),
                 QStringLiteral("not_found"));
    }
};

QTEST_GUILESS_MAIN(TestExhibitionHost)
#include "test_exhibition_host.moc"
