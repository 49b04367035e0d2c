// The exhibition client's live dialect on /ws, in-process: real QWebSocket clients against a
// host whose generator the test scripts, so every message and its order can be checked exactly
// (PROTOCOL.md, "Live dialect").
#include <QTcpSocket>
#include <QtTest>

#include "adapters/host/exhibition_host.h"
#include "scripted_job_runner.h"
#include "test_client.h"

using namespace archival::adapters::host;
using archival::pipeline::JobPriority;
using archival::test::ScriptedJobRunner;
using archival::test::TestClient;
using JobId = ScriptedJobRunner::JobId;

namespace {

constexpr int kWaitMs = 5000;
const QString kToken = QStringLiteral("live-dialect-token-0123456789");

HostSettings loopbackSettings() {
    HostSettings s;
    s.address = QHostAddress::LocalHost;
    s.port = 0;
    s.httpPort = -1;
    return s;
}

QImage solid(int w, int h, QColor color) {
    QImage image(w, h, QImage::Format_RGB888);
    image.fill(color);
    return image;
}

bool isJpeg(const QByteArray& bytes) {
    QImage image;
    return bytes.startsWith("\xff\xd8\xff") && image.loadFromData(bytes, "JPEG");
}

bool isPng(const QByteArray& bytes) {
    return bytes.startsWith("\x89PNG\r\n\x1a\n");
}

// One message as the client received it, text or binary.
struct Message {
    bool binary = false;
    QString text;
    QByteArray bytes;
};

// A client of the dialect: every message in the order it came.
class LiveClient : public QObject {
    Q_OBJECT
  public:
    LiveClient() {
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString& t) {
            messages.append({false, t, {}});
        });
        connect(&socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray& b) {
            messages.append({true, {}, b});
        });
        connect(&socket, &QWebSocket::disconnected, this, [this] { closed = true; });
    }
    bool open(const QUrl& url) {
        socket.open(url);
        QElapsedTimer t;
        t.start();
        while (socket.state() != QAbstractSocket::ConnectedState && !closed &&
               t.elapsed() < kWaitMs)
            QTest::qWait(5);
        return socket.state() == QAbstractSocket::ConnectedState;
    }
    void send(const QString& text) { socket.sendTextMessage(text); }
    QStringList texts() const {
        QStringList out;
        for (const Message& m : messages)
            if (!m.binary) out << m.text;
        return out;
    }
    // The messages as one line each: texts as they are, binaries as "<jpeg>", "<png>", "<?>".
    QStringList transcript() const {
        QStringList out;
        for (const Message& m : messages)
            out << (!m.binary         ? m.text
                    : isPng(m.bytes)  ? QStringLiteral("<png>")
                    : isJpeg(m.bytes) ? QStringLiteral("<jpeg>")
                                      : QStringLiteral("<?>"));
        return out;
    }
    bool saw(const QString& text) const { return texts().contains(text); }

    QWebSocket socket;
    QList<Message> messages;
    bool closed = false;
};

// Server-to-client frames read off a raw TCP socket (no mask), continuation frames joined.
QList<Message> parseServerFrames(const QByteArray& data, qsizetype* consumed) {
    QList<Message> out;
    qsizetype pos = 0;
    bool open = false;  // a fragmented message is being continued
    while (pos + 2 <= data.size()) {
        const uchar b0 = uchar(data.at(pos)), b1 = uchar(data.at(pos + 1));
        qsizetype header = 2;
        quint64 length = b1 & 0x7f;
        if (length == 126) {
            if (pos + 4 > data.size()) break;
            length = (quint64(uchar(data.at(pos + 2))) << 8) | uchar(data.at(pos + 3));
            header = 4;
        } else if (length == 127) {
            if (pos + 10 > data.size()) break;
            length = 0;
            for (int i = 0; i < 8; ++i) length = (length << 8) | uchar(data.at(pos + 2 + i));
            header = 10;
        }
        if (pos + header + qsizetype(length) > data.size()) break;
        const QByteArray payload = data.mid(pos + header, qsizetype(length));
        const int opcode = b0 & 0x0f;
        if (opcode == 0 && open) {
            out.last().bytes += payload;
        } else if (opcode == 1 || opcode == 2) {
            out.append({opcode == 2, {}, payload});
        }
        if (opcode <= 2) open = !(b0 & 0x80);
        pos += header + qsizetype(length);
    }
    for (Message& m : out)
        if (!m.binary) m.text = QString::fromUtf8(m.bytes);
    *consumed = pos;
    return out;
}

// A client-to-server text frame (clients mask theirs).
QByteArray maskedTextFrame(const QByteArray& payload) {
    Q_ASSERT(payload.size() < 126);
    QByteArray frame;
    frame.append(char(0x81));
    frame.append(char(0x80 | payload.size()));
    const char mask[4] = {0x11, 0x22, 0x33, 0x44};
    frame.append(mask, 4);
    for (int i = 0; i < payload.size(); ++i) frame.append(char(payload.at(i) ^ mask[i % 4]));
    return frame;
}

}  // namespace

class TestLiveDialect : public QObject {
    Q_OBJECT

    struct Fixture {
        ScriptedJobRunner runner;
        std::unique_ptr<ExhibitionHost> host;
        explicit Fixture(HostSettings settings = loopbackSettings()) {
            runner.programList.clear();
            for (const char* id : {"P0", "P2", "P2B", "P3", "P3B", "P4"})
                runner.programList.append({QString::fromLatin1(id), QString::fromLatin1(id),
                                           QStringLiteral("text-to-image"), 4, 64, 48});
            host = std::make_unique<ExhibitionHost>(std::move(settings), &runner);
        }
        QUrl url(const QString& path = QStringLiteral("/ws"), const QString& query = {}) const {
            QUrl u(QStringLiteral("ws://127.0.0.1:%1%2").arg(host->port()).arg(path));
            if (!query.isEmpty()) u.setQuery(query);
            return u;
        }
    };

  private Q_SLOTS:
    void pingIsAnsweredPong() {
        Fixture f;
        QVERIFY2(f.host->start(), qPrintable(f.host->errorString()));
        LiveClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("ping"));
        QTRY_COMPARE_WITH_TIMEOUT(c.transcript(), QStringList{"pong"}, kWaitMs);
        c.send(QStringLiteral("ping"));
        QTRY_COMPARE_WITH_TIMEOUT(c.transcript(), (QStringList{"pong", "pong"}), kWaitMs);
        QVERIFY(f.runner.requests.isEmpty());
    }

    void oneGenerationInTheSeedsOrder() {
        Fixture f;
        QVERIFY(f.host->start());
        LiveClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("a harbour at dawn"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 1, kWaitMs);
        const auto& r = f.runner.requests.first();
        QCOMPARE(r.programId, QStringLiteral("P0"));
        QCOMPARE(r.prompt, QStringLiteral("a harbour at dawn"));
        QVERIFY(r.everyStep);
        QCOMPARE(r.priority, JobPriority::Display);
        QCOMPARE(r.owner, QStringLiteral("ws:c1"));
        QVERIFY(r.initImage.isNull());
        QVERIFY(!r.strength);

        const JobId job = f.runner.live.first();
        f.runner.start(job);
        f.runner.step(job, 1, 4, solid(8, 6, Qt::red), 999.0);
        f.runner.step(job, 2, 4, solid(8, 6, Qt::green), 666.7);
        f.runner.step(job, 3, 4, QImage(), 333.3);  // no preview this step: the line only
        f.runner.step(job, 4, 4, solid(8, 6, Qt::blue), 0.9);
        f.runner.finish(job, solid(64, 48, Qt::blue));
        QTRY_VERIFY_WITH_TIMEOUT(c.saw("done"), kWaitMs);
        QCOMPARE(c.transcript(),
                 (QStringList{"ready", "p:s=0:t=999", "<jpeg>", "p:s=1:t=666", "<jpeg>",
                              "p:s=2:t=333", "p:s=3:t=0", "<jpeg>", "<png>", "done"}));
        // Bare images: the first binary is the JPEG itself, the last the PNG itself.
        QImage preview, final;
        QVERIFY(preview.loadFromData(c.messages.at(2).bytes, "JPEG"));
        QCOMPARE(preview.size(), QSize(8, 6));
        QVERIFY(final.loadFromData(c.messages.at(8).bytes, "PNG"));
        QCOMPARE(final.size(), QSize(64, 48));
        QCOMPARE(final.pixelColor(10, 10), QColor(Qt::blue));
        QTRY_VERIFY_WITH_TIMEOUT(f.host->activeJobs().isEmpty(), kWaitMs);
    }

    void commandsRunOneAfterAnotherInArrivalOrder() {
        Fixture f;
        QVERIFY(f.host->start());
        LiveClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P0:one"));
        c.send(QStringLiteral("P4:"));
        c.send(QStringLiteral("P3"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 1, kWaitMs);
        QTest::qWait(100);
        QCOMPARE(f.runner.requests.size(), 1);  // the others wait, none is refused
        QVERIFY(c.messages.isEmpty());

        f.runner.start(f.runner.live.first());
        f.runner.finish(f.runner.live.first(), solid(16, 16, Qt::white));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 2, kWaitMs);
        QCOMPARE(f.runner.requests.at(1).programId, QStringLiteral("P4"));
        QCOMPARE(f.runner.requests.at(1).prompt, QStringLiteral("person"));

        // A failure: an error line with no local path, no "done"; the next command runs.
        f.runner.start(f.runner.live.first());
        f.runner.fail(f.runner.live.first(), archival::pipeline::ErrorCode::ModelLoad,
                      QStringLiteral("cannot read /home/curator/models/sd3/model.safetensors"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 3, kWaitMs);
        QCOMPARE(f.runner.requests.at(2).programId, QStringLiteral("P3"));
        QCOMPARE(f.runner.requests.at(2).prompt, QStringLiteral("chua mia tee painting"));

        // Cancelled by the host (serve stopping): an error line too.
        QCOMPARE(f.host->cancelAllJobs(), 1);
        QTRY_COMPARE_WITH_TIMEOUT(c.messages.size(), 6, kWaitMs);
        QCOMPARE(c.transcript(),
                 (QStringList{"ready", "<png>", "done", "ready", "error:cannot read <local path>",
                              "error:the generation was cancelled"}));
    }

    void tooManyWaitingCommandsAreRefused() {
        HostSettings settings = loopbackSettings();
        settings.limits.maxJobsPerClient = 2;
        Fixture f(settings);
        QVERIFY(f.host->start());
        LiveClient c;
        QVERIFY(c.open(f.url()));
        for (const char* text : {"P0:one", "P0:two", "P0:three"}) c.send(QString::fromLatin1(text));
        QTRY_COMPARE_WITH_TIMEOUT(c.messages.size(), 1, kWaitMs);
        QVERIFY2(c.texts().first().startsWith("error:") && c.texts().first().contains("at most 2"),
                 qPrintable(c.texts().first()));
        QCOMPARE(f.runner.requests.size(), 1);
        f.runner.finish(f.runner.live.first(), solid(8, 8, Qt::white));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 2, kWaitMs);
        QCOMPARE(f.runner.requests.at(1).prompt, QStringLiteral("two"));
    }

    void otherMessagesAreAnsweredAtOnce() {
        Fixture f;
        QVERIFY(f.host->start());
        LiveClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P0:a long one"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 1, kWaitMs);
        c.send(QStringLiteral("P12:"));
        c.send(QStringLiteral("P2:1.5"));
        c.socket.sendBinaryMessage(QByteArray("\x00\x01", 2));
        c.send(QStringLiteral("ping"));
        QTRY_COMPARE_WITH_TIMEOUT(c.messages.size(), 4, kWaitMs);
        QCOMPARE(c.texts().at(0), QStringLiteral("unknown command: P12:"));
        QVERIFY2(c.texts().at(1).startsWith("error:the strength 1.5"), qPrintable(c.texts().at(1)));
        QCOMPARE(c.texts().at(2), QStringLiteral("error:the host accepts text messages only"));
        QCOMPARE(c.texts().at(3), QStringLiteral("pong"));
        QCOMPARE(f.runner.requests.size(), 1);
        QVERIFY(!c.closed);
    }

    void rateLimitIsAnErrorLine() {
        HostSettings settings = loopbackSettings();
        settings.limits.messagesPerSecond = 2;
        settings.limits.floodFactor = 100;
        Fixture f(settings);
        QVERIFY(f.host->start());
        LiveClient c;
        QVERIFY(c.open(f.url()));
        for (int i = 0; i < 3; ++i) c.send(QStringLiteral("ping"));
        QTRY_COMPARE_WITH_TIMEOUT(c.messages.size(), 3, kWaitMs);
        QCOMPARE(c.texts().mid(0, 2), (QStringList{"pong", "pong"}));
        QVERIFY2(c.texts().at(2).startsWith("error:more than 2 messages in one second"),
                 qPrintable(c.texts().at(2)));
        QVERIFY(!c.closed);
    }

    void strengthAndFixedPromptsReachTheRequest() {
        Fixture f;
        QVERIFY(f.host->start());
        LiveClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P2:0.80"));
        c.send(QStringLiteral("P2B:abc"));
        c.send(QStringLiteral("P3B:"));
        for (int n = 1; n <= 3; ++n) {
            QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), n, kWaitMs);
            f.runner.finish(f.runner.live.first(), solid(8, 8, Qt::white));
        }
        const auto& r = f.runner.requests;
        QCOMPARE(r.at(0).programId, QStringLiteral("P2"));
        QCOMPARE(r.at(0).prompt, QStringLiteral("epic poem of malaya"));
        QVERIFY(r.at(0).strength && qFuzzyCompare(*r.at(0).strength, 0.8));
        QVERIFY(r.at(0).initImage.isNull());  // the program's own source image
        QCOMPARE(r.at(1).programId, QStringLiteral("P2B"));
        QVERIFY(!r.at(1).strength);  // not a number: the program's strength
        QCOMPARE(r.at(2).programId, QStringLiteral("P3B"));
        QCOMPARE(r.at(2).prompt, QStringLiteral("chua mia tee painting"));
    }

    void programsTheHostLacksAreUnknownCommands() {
        Fixture f;
        f.runner.programList.removeAt(2);  // P2B
        QVERIFY(f.host->start());
        LiveClient c;
        QVERIFY(c.open(f.url()));
        c.send(QStringLiteral("P2B:0.5"));
        QTRY_COMPARE_WITH_TIMEOUT(c.texts(), QStringList{"unknown command: P2B:0.5"}, kWaitMs);
        QVERIFY(f.runner.requests.isEmpty());
    }

    void disconnectCancelsItsJobsAndTheNextClientIsServed() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient display;  // watches all jobs: it does not keep the dialect's job running
        QVERIFY(display.open(f.url(QStringLiteral("/"))));
        display.sendJson({{"type", "hello"}, {"protocol", 1}, {"role", "display"}});
        QTRY_COMPARE_WITH_TIMEOUT(display.ofType("welcome").size(), 1, kWaitMs);

        auto leaving = std::make_unique<LiveClient>();
        QVERIFY(leaving->open(f.url()));
        leaving->send(QStringLiteral("P0:one"));
        leaving->send(QStringLiteral("P0:two"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 1, kWaitMs);
        const JobId first = f.runner.live.first();
        f.runner.start(first);
        f.runner.step(first, 1, 4, solid(8, 8, Qt::red), 900);
        QTRY_VERIFY_WITH_TIMEOUT(leaving->saw("p:s=0:t=900"), kWaitMs);
        leaving->socket.close();
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.cancelledJobs, QList<JobId>{first}, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(f.host->activeJobs().isEmpty(), kWaitMs);
        QCOMPARE(f.runner.requests.size(), 1);  // "two" never reached the service
        leaving.reset();

        LiveClient next;
        QVERIFY(next.open(f.url()));
        next.send(QStringLiteral("P0:three"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 2, kWaitMs);
        const JobId second = f.runner.live.first();
        f.runner.start(second);
        f.runner.step(second, 1, 1, solid(8, 8, Qt::red), 10);
        f.runner.finish(second, solid(8, 8, Qt::white));
        QTRY_COMPARE_WITH_TIMEOUT(next.transcript(),
                                  (QStringList{"ready", "p:s=0:t=10", "<jpeg>", "<png>", "done"}),
                                  kWaitMs);
    }

    // A display watching all jobs sees the dialect's jobs in protocol v1; the dialect client
    // hears of nobody else's.
    void displaysSeeTheDialectsJobsNotTheReverse() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient display, controller;
        QVERIFY(display.open(f.url(QStringLiteral("/"))));
        display.sendJson({{"type", "hello"}, {"protocol", 1}, {"role", "display"}});
        QVERIFY(controller.open(f.url(QStringLiteral("/"))));
        controller.sendJson({{"type", "hello"}, {"protocol", 1}, {"role", "controller"}});
        QTRY_COMPARE_WITH_TIMEOUT(controller.ofType("welcome").size(), 1, kWaitMs);
        LiveClient live;
        QVERIFY(live.open(f.url()));
        live.send(QStringLiteral("P4:in a market"));
        QTRY_COMPARE_WITH_TIMEOUT(display.ofType("queued").size(), 1, kWaitMs);
        const JobId job = f.runner.live.first();
        f.runner.start(job);
        f.runner.step(job, 1, 1, solid(8, 8, Qt::red), 500);
        f.runner.finish(job, solid(8, 8, Qt::white));
        QTRY_COMPARE_WITH_TIMEOUT(display.headers(FrameKind::Final).size(), 1, kWaitMs);
        QCOMPARE(display.ofType("queued").first().value("prompt").toString(),
                 QStringLiteral("in a market"));
        QCOMPARE(display.headers(FrameKind::Preview).size(), 1);
        QTRY_VERIFY_WITH_TIMEOUT(live.saw("done"), kWaitMs);

        controller.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "another"}});
        QTRY_COMPARE_WITH_TIMEOUT(controller.ofType("queued").size(), 1, kWaitMs);
        const JobId other = f.runner.live.first();
        f.runner.start(other);
        f.runner.step(other, 1, 1, solid(8, 8, Qt::red), 500);
        f.runner.finish(other, solid(8, 8, Qt::white));
        QTRY_COMPARE_WITH_TIMEOUT(controller.headers(FrameKind::Final).size(), 1, kWaitMs);
        QCOMPARE(live.transcript(),
                 (QStringList{"ready", "p:s=0:t=500", "<jpeg>", "<png>", "done"}));
    }

    // Until its first message a /ws connection may be an exhibition client: other clients'
    // jobs come and go without a word to it, so its first answer is the one it asked for.
    void silentWsConnectionHearsNothingBeforeItSpeaks() {
        Fixture f;
        QVERIFY(f.host->start());
        LiveClient waiting;
        QVERIFY(waiting.open(f.url()));
        TestClient controller;
        QVERIFY(controller.open(f.url(QStringLiteral("/"))));
        controller.sendJson({{"type", "hello"}, {"protocol", 1}, {"role", "controller"}});
        QTRY_COMPARE_WITH_TIMEOUT(controller.ofType("welcome").size(), 1, kWaitMs);
        controller.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "one"}});
        controller.sendJson({{"type", "generate"}, {"program", "P0"}, {"prompt", "two"}});
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 2, kWaitMs);
        const JobId done = f.runner.live.first();
        f.runner.start(done);
        f.runner.step(done, 1, 1, solid(8, 8, Qt::red), 500);
        f.runner.finish(done, solid(8, 8, Qt::white));
        QTRY_COMPARE_WITH_TIMEOUT(controller.headers(FrameKind::Final).size(), 1, kWaitMs);
        controller.sendJson({{"type", "cancel"}, {"job", qint64(f.runner.live.first())}});
        QTRY_COMPARE_WITH_TIMEOUT(controller.ofType("cancelled").size(), 1, kWaitMs);
        waiting.send(QStringLiteral("ping"));
        QTRY_VERIFY_WITH_TIMEOUT(waiting.saw("pong"), kWaitMs);
        QCOMPARE(waiting.transcript(), QStringList{"pong"});
    }

    void firstJsonObjectOnWsSpeaksProtocolV1() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient c;
        QVERIFY(c.open(f.url()));
        c.sendJson({{"type", "hello"}, {"protocol", 1}, {"role", "controller"}});
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("welcome").size(), 1, kWaitMs);
        c.send(QStringLiteral("ping"));  // no longer the dialect's ping: not a v1 message
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("error").size(), 1, kWaitMs);
        QCOMPARE(c.ofType("error").first().value("code").toString(),
                 QStringLiteral("invalid_message"));
    }

    void otherPathsStayProtocolV1() {
        Fixture f;
        QVERIFY(f.host->start());
        TestClient c;
        QVERIFY(c.open(f.url(QStringLiteral("/"))));
        c.send(QStringLiteral("ping"));
        QTRY_COMPARE_WITH_TIMEOUT(c.ofType("error").size(), 1, kWaitMs);
        QCOMPARE(c.ofType("error").first().value("code").toString(),
                 QStringLiteral("invalid_message"));
    }

    void tokenComesInTheUrl() {
        HostSettings settings = loopbackSettings();
        settings.token = kToken;
        settings.requireTokenOnLoopback = true;
        Fixture f(settings);
        QVERIFY(f.host->start());
        LiveClient right;
        QVERIFY(right.open(f.url(QStringLiteral("/ws"), QStringLiteral("token=") + kToken)));
        right.send(QStringLiteral("ping"));
        QTRY_COMPARE_WITH_TIMEOUT(right.texts(), QStringList{"pong"}, kWaitMs);

        LiveClient wrong;  // refused as soon as the handshake is done
        wrong.open(f.url(QStringLiteral("/ws"), QStringLiteral("token=not-") + kToken));
        QTRY_VERIFY_WITH_TIMEOUT(wrong.closed, kWaitMs);
        QCOMPARE(int(wrong.socket.closeCode()), int(CloseCode::PolicyViolation));

        LiveClient none;  // this client sends no hello: its first message closes it
        QVERIFY(none.open(f.url()));
        none.send(QStringLiteral("ping"));
        QTRY_VERIFY_WITH_TIMEOUT(none.closed, kWaitMs);
        QCOMPARE(int(none.socket.closeCode()), int(CloseCode::PolicyViolation));
        QVERIFY(none.messages.isEmpty());
        QVERIFY(f.runner.requests.isEmpty());
    }

    // A client that does not read loses previews, never a progress line, the final or "done".
    void slowReaderMissesPreviewsOnly() {
        Fixture f;
        QVERIFY(f.host->start());
        QTcpSocket slow;
        slow.connectToHost(QHostAddress::LocalHost, f.host->port());
        QVERIFY(slow.waitForConnected(kWaitMs));
        slow.setReadBufferSize(1);
        slow.write(archival::test::rawUpgradeRequest("/ws"));
        QTRY_COMPARE_WITH_TIMEOUT(f.host->clients().size(), 1, kWaitMs);
        slow.write(maskedTextFrame("P0:noise"));
        QTRY_COMPARE_WITH_TIMEOUT(f.runner.requests.size(), 1, kWaitMs);
        const JobId job = f.runner.live.first();

        const QImage noise = archival::test::noiseImage(640);
        constexpr int kSteps = 60;
        f.runner.start(job);
        for (int step = 1; step <= kSteps; ++step) {
            f.runner.step(job, step, kSteps, noise, 1000.0 - step);
            QTest::qWait(2);
        }
        f.runner.finish(job, solid(32, 32, Qt::white));
        QTRY_VERIFY_WITH_TIMEOUT(f.host->clients().first().previewsDropped > 0, kWaitMs);

        // Now read everything that was kept for it.
        slow.setReadBufferSize(0);
        QByteArray data;
        QList<Message> messages;
        QElapsedTimer t;
        t.start();
        bool handshakeRead = false;
        while (t.elapsed() < 4 * kWaitMs &&
               (messages.isEmpty() || messages.last().binary || messages.last().text != "done")) {
            QTest::qWait(10);
            data += slow.readAll();
            if (!handshakeRead) {
                const qsizetype end = data.indexOf("\r\n\r\n");
                if (end < 0) continue;
                QVERIFY(data.startsWith("HTTP/1.1 101"));
                data.remove(0, end + 4);
                handshakeRead = true;
            }
            qsizetype consumed = 0;
            messages += parseServerFrames(data, &consumed);
            data.remove(0, consumed);
        }
        QStringList lines;
        int jpegs = 0, pngs = 0;
        for (const Message& m : messages) {
            if (!m.binary)
                lines << m.text;
            else if (isPng(m.bytes))
                ++pngs;
            else if (m.bytes.startsWith("\xff\xd8\xff"))
                ++jpegs;
        }
        QCOMPARE(lines.size(), kSteps + 2);
        QCOMPARE(lines.first(), QStringLiteral("ready"));
        for (int s = 0; s < kSteps; ++s)
            QCOMPARE(lines.at(1 + s), QStringLiteral("p:s=%1:t=%2").arg(s).arg(999 - s));
        QCOMPARE(lines.last(), QStringLiteral("done"));
        QCOMPARE(pngs, 1);
        QVERIFY2(jpegs < kSteps, qPrintable(QString::number(jpegs)));
        QVERIFY(!messages.last().binary && messages.at(messages.size() - 2).binary &&
                isPng(messages.at(messages.size() - 2).bytes));
    }
};

QTEST_GUILESS_MAIN(TestLiveDialect)
#include "test_live_dialect.moc"
