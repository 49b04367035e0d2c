// The host's wire protocol as pure functions: parsing of client messages (legacy and JSON),
// typed errors, binary frame headers, settings parsing, rate limiting and tokens.
#include <QJsonDocument>
#include <QtTest>

#include "adapters/host/access_token.h"
#include "adapters/host/host_protocol.h"
#include "adapters/host/image_frame.h"
#include "adapters/host/outgoing_text.h"
#include "adapters/host/rate_limiter.h"

using namespace archival::adapters::host;

namespace {

ParseResult parse(const QString& text, HostLimits limits = {}) {
    return parseClientMessage(text, limits);
}

QString errorName(const ParseResult& r) {
    return r.error ? errorCodeName(r.error->code) : QStringLiteral("<no error>");
}

}  // namespace

class TestHostProtocol : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void legacyCommandIsAcceptedUnchanged() {
        const auto r = parse(QStringLiteral("P0:machine learning summit"));
        QVERIFY2(r.message, qPrintable(errorName(r)));
        const auto& g = std::get<GenerateMessage>(r.message->body);
        QCOMPARE(g.program, QStringLiteral("P0"));
        QCOMPARE(g.prompt, QStringLiteral("machine learning summit"));
        QVERIFY(g.legacy);
        QVERIFY(!g.seed);
    }

    void legacyCommandKeepsColonsInThePrompt() {
        const auto r = parse(QStringLiteral("P3:time: 10:30, a clock"));
        QVERIFY(r.message);
        QCOMPARE(std::get<GenerateMessage>(r.message->body).prompt,
                 QStringLiteral("time: 10:30, a clock"));
    }

    void legacyErrors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("code");
        QTest::newRow("no colon") << "hello there"
                                  << "invalid_message";
        QTest::newRow("empty") << ""
                               << "invalid_message";
        QTest::newRow("empty prompt") << "P0:"
                                      << "empty_prompt";
        QTest::newRow("spaces prompt") << "P0:   \t "
                                       << "empty_prompt";
        QTest::newRow("space in id") << "P 0:a cat"
                                     << "invalid_message";
    }
    void legacyErrors() {
        QFETCH(QString, text);
        QFETCH(QString, code);
        QCOMPARE(errorName(parse(text)), code);
    }

    void jsonMessages() {
        auto r = parse(QStringLiteral(
            R"({"type":"generate","program":"P0","prompt":" a cat ","seed":7,"id":"r1"})"));
        QVERIFY2(r.message, qPrintable(errorName(r)));
        const auto& g = std::get<GenerateMessage>(r.message->body);
        QCOMPARE(g.prompt, QStringLiteral("a cat"));
        QCOMPARE(*g.seed, quint64(7));
        QCOMPARE(r.message->requestId.toString(), QStringLiteral("r1"));

        r = parse(QStringLiteral(
            R"({"type":"hello","protocol":1,"token":"t","role":"controller","name":"desk"})"));
        QVERIFY(r.message);
        const auto& h = std::get<HelloMessage>(r.message->body);
        QCOMPARE(h.role, ClientRole::Controller);
        QCOMPARE(h.name, QStringLiteral("desk"));
        QCOMPARE(h.token, QStringLiteral("t"));
        QVERIFY(!h.subscription);

        r = parse(QStringLiteral(R"({"type":"cancel","job":12,"id":5})"));
        QVERIFY(r.message);
        QCOMPARE(*std::get<CancelMessage>(r.message->body).job, quint64(12));
        QCOMPARE(r.message->requestId.toInt(), 5);
        r = parse(QStringLiteral(R"({"type":"cancel","job":"mine"})"));
        QVERIFY(r.message);
        QVERIFY(!std::get<CancelMessage>(r.message->body).job);

        r = parse(QStringLiteral(R"({"type":"subscribe","jobs":"mine","previews":false})"));
        QVERIFY(r.message);
        QCOMPARE(std::get<SubscribeMessage>(r.message->body).jobs, Subscription::Mine);
        QVERIFY(!std::get<SubscribeMessage>(r.message->body).previews);

        r = parse(QStringLiteral(R"({"type":"ping"})"));
        QVERIFY(r.message && std::holds_alternative<PingMessage>(r.message->body));
    }

    void jsonErrors_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");
        QTest::newRow("truncated") << "{\"type\":\"gen"
                                   << "invalid_json"
                                   << "";
        QTest::newRow("array") << "[1,2]"
                               << "invalid_json"
                               << "";
        QTest::newRow("no type") << R"({"program":"P0"})"
                                 << "missing_type"
                                 << "type";
        QTest::newRow("type number") << R"({"type":3})"
                                     << "missing_type"
                                     << "type";
        QTest::newRow("unknown type") << R"({"type":"dance"})"
                                      << "unknown_type"
                                      << "type";
        QTest::newRow("program number") << R"({"type":"generate","program":0,"prompt":"x"})"
                                        << "invalid_field"
                                        << "program";
        QTest::newRow("prompt missing") << R"({"type":"generate","program":"P0"})"
                                        << "invalid_field"
                                        << "prompt";
        QTest::newRow("prompt empty") << R"({"type":"generate","program":"P0","prompt":"  "})"
                                      << "empty_prompt"
                                      << "prompt";
        QTest::newRow("seed negative")
            << R"({"type":"generate","program":"P0","prompt":"x","seed":-1})"
            << "invalid_field"
            << "seed";
        QTest::newRow("seed fraction")
            << R"({"type":"generate","program":"P0","prompt":"x","seed":1.5})"
            << "invalid_field"
            << "seed";
        QTest::newRow("seed string")
            << R"({"type":"generate","program":"P0","prompt":"x","seed":"1"})"
            << "invalid_field"
            << "seed";
        QTest::newRow("bad role") << R"({"type":"hello","role":"admin"})"
                                  << "invalid_field"
                                  << "role";
        QTest::newRow("token number") << R"({"type":"hello","token":5})"
                                      << "invalid_field"
                                      << "token";
        QTest::newRow("cancel nothing") << R"({"type":"cancel"})"
                                        << "invalid_field"
                                        << "job";
        QTest::newRow("subscribe bad") << R"({"type":"subscribe","jobs":"some"})"
                                       << "invalid_field"
                                       << "jobs";
        QTest::newRow("id object") << R"({"type":"ping","id":{}})"
                                   << "invalid_field"
                                   << "id";
    }
    void jsonErrors() {
        QFETCH(QString, text);
        QFETCH(QString, code);
        QFETCH(QString, field);
        const auto r = parse(text);
        QCOMPARE(errorName(r), code);
        QCOMPARE(r.error->field, field);
        QVERIFY(!r.error->message.isEmpty());
    }

    void errorsCarryTheRequestId() {
        const auto r =
            parse(QStringLiteral(R"({"type":"generate","id":"abc","program":"P0","prompt":""})"));
        QVERIFY(r.error);
        QCOMPARE(r.error->requestId.toString(), QStringLiteral("abc"));
        const QJsonObject e =
            errorEvent(r.error->code, r.error->message, r.error->requestId, r.error->field);
        QCOMPARE(e.value("type").toString(), QStringLiteral("error"));
        QCOMPARE(e.value("code").toString(), QStringLiteral("empty_prompt"));
        QCOMPARE(e.value("request_id").toString(), QStringLiteral("abc"));
    }

    void limits() {
        HostLimits limits;
        limits.maxPromptChars = 10;
        limits.maxMessageBytes = 64;
        QCOMPARE(errorName(parse(QStringLiteral("P0:") + QString(11, 'a'), limits)),
                 QStringLiteral("prompt_too_long"));
        QVERIFY(parse(QStringLiteral("P0:") + QString(10, 'a'), limits).message);
        QCOMPARE(errorName(parse(QString(65, 'x'), limits)), QStringLiteral("message_too_large"));
        // Bytes on the wire, not characters: 22 three-byte characters are 66 bytes.
        QCOMPARE(errorName(parse(QStringLiteral("P0:") + QString(21, QChar(0x20AC)), limits)),
                 QStringLiteral("message_too_large"));
    }

    void limitAssignments() {
        HostLimits limits;
        QString error;
        QVERIFY(limits.set(QStringLiteral("messages-per-second=500"), &error));
        QCOMPARE(limits.messagesPerSecond, 500);
        QVERIFY(limits.set(QStringLiteral("send-buffer-bytes=4096"), &error));
        QCOMPARE(limits.sendBufferBytes, qint64(4096));
        QVERIFY(limits.set(QStringLiteral("max-unauthenticated=2"), &error));
        QCOMPARE(limits.maxUnauthenticated, 2);
        QVERIFY(limits.set(QStringLiteral("max-display-jobs=7"), &error));
        QCOMPARE(limits.maxDisplayJobs, 7);
        QVERIFY(limits.set(QStringLiteral("auth-failures=3"), &error));
        QCOMPARE(limits.authFailures, 3);
        QVERIFY(limits.set(QStringLiteral("auth-failure-window-ms=1000"), &error));
        QCOMPARE(limits.authFailureWindowMs, 1000);
        QVERIFY(limits.set(QStringLiteral("close-grace-ms=250"), &error));
        QCOMPARE(limits.closeGraceMs, 250);
        QVERIFY(limits.set(QStringLiteral("connects-per-address=9"), &error));
        QCOMPARE(limits.connectsPerAddress, 9);
        QVERIFY(limits.set(QStringLiteral("connect-window-ms=900"), &error));
        QCOMPARE(limits.connectWindowMs, 900);
        QVERIFY(limits.set(QStringLiteral("http-idle-ms=1200"), &error));
        QCOMPARE(limits.httpIdleMs, 1200);
        QVERIFY(limits.set(QStringLiteral("max-http-connections=12"), &error));
        QCOMPARE(limits.maxHttpConnections, 12);
        QVERIFY(limits.set(QStringLiteral("max-queue-sets=50"), &error));
        QCOMPARE(limits.queue.maxSets, 50);
        QVERIFY(limits.set(QStringLiteral("max-queue-actions=6"), &error));
        QCOMPARE(limits.queue.maxActions, 6);
        QVERIFY(limits.set(QStringLiteral("max-queue-bytes=4096"), &error));
        QCOMPARE(limits.queue.maxBytes, qint64(4096));
        QVERIFY(!limits.set(QStringLiteral("max-queue-sets=0"), &error));
        QVERIFY2(error.contains("max-queue-sets needs a positive"), qPrintable(error));
        QVERIFY(!limits.set(QStringLiteral("speed=3"), &error));
        QVERIFY(error.contains("unknown limit"));
        QVERIFY2(error.contains("max-queue-bytes") && error.contains("http-idle-ms"),
                 qPrintable(error));
        QVERIFY(!limits.set(QStringLiteral("max-clients=0"), &error));
        QVERIFY(!limits.set(QStringLiteral("max-clients=many"), &error));
    }

    void listenAddresses() {
        QHostAddress a;
        quint16 port = 0;
        QString error;
        QVERIFY(parseListenAddress(QStringLiteral("0.0.0.0:9000"), &a, &port, &error));
        QCOMPARE(a, QHostAddress(QStringLiteral("0.0.0.0")));
        QCOMPARE(port, quint16(9000));
        QVERIFY(parseListenAddress(QStringLiteral("[::1]:8787"), &a, &port, &error));
        QVERIFY(a.isLoopback());
        QVERIFY(parseListenAddress(QStringLiteral("9001"), &a, &port, &error));
        QVERIFY(a.isLoopback());
        QCOMPARE(port, quint16(9001));
        QVERIFY(parseListenAddress(QStringLiteral("localhost:0"), &a, &port, &error));
        QVERIFY(!parseListenAddress(QStringLiteral("host.example:80"), &a, &port, &error));
        QVERIFY(!parseListenAddress(QStringLiteral("127.0.0.1:99999"), &a, &port, &error));
    }

    void tokenRules() {
        HostSettings s;
        QVERIFY(!s.tokenRequired());  // loopback, no token
        s.token = QStringLiteral("secret");
        QVERIFY(!s.tokenRequired());  // loopback accepts clients without a token by default
        s.requireTokenOnLoopback = true;
        QVERIFY(s.tokenRequired());
        s.requireTokenOnLoopback = false;
        s.address = QHostAddress::AnyIPv4;
        QVERIFY(s.tokenRequired());  // off loopback, always
    }

    void imageFrameHeaderRoundTrip() {
        const ImageFrameHeader h{FrameKind::Final, 0x0102030405060708ull, ImageFormat::Png, 3,
                                 1700000000123456ull};
        const QByteArray frame = encodeImageFrame(h, QByteArray("PNGDATA"));
        QCOMPARE(frame.size(), kImageFrameHeaderBytes + 7);
        // Big-endian on the wire, as PROTOCOL.md says.
        QCOMPARE(frame.left(4), QByteArray("\x00\x00\x00\x02", 4));
        QCOMPARE(frame.mid(4, 8), QByteArray("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
        QCOMPARE(frame.mid(12, 4), QByteArray("\x00\x00\x00\x02", 4));
        ImageFrameHeader back;
        QVERIFY(decodeImageFrameHeader(frame, &back));
        QCOMPARE(back.kind, h.kind);
        QCOMPARE(back.job, h.job);
        QCOMPARE(back.format, h.format);
        QCOMPARE(back.step, h.step);
        QCOMPARE(back.sentAtMicros, h.sentAtMicros);
        QCOMPARE(frame.mid(kImageFrameHeaderBytes), QByteArray("PNGDATA"));
        QVERIFY(!decodeImageFrameHeader(frame.left(10), &back));
    }

    void pngCarriesTheMetadata() {
        QImage image(8, 6, QImage::Format_RGB888);
        image.fill(Qt::red);
        const QByteArray png =
            encodePng(image, QStringLiteral(R"({"seed":42})"), QStringLiteral("a cat\nSteps: 4"));
        QImage back;
        QVERIFY(back.loadFromData(png, "PNG"));
        QCOMPARE(back.size(), image.size());
        QCOMPARE(back.text(QStringLiteral("archival-studio")), QStringLiteral(R"({"seed":42})"));
        QVERIFY(back.loadFromData(encodeJpeg(image), "JPEG"));
    }

    // Error text for network clients: no absolute path survives, and the words around the
    // paths (a list's commas, a sentence's full stop) do.
    void localPathsLeaveErrorText() {
        QCOMPARE(withoutLocalPaths(QStringLiteral(
                     "malaya.png not found (looked in /srv/a/assets, /home/c/.local/assets)")),
                 QStringLiteral("malaya.png not found (looked in <local path>, <local path>)"));
        QCOMPARE(withoutLocalPaths(QStringLiteral("cannot write /var/q/set_0/final.png.")),
                 QStringLiteral("cannot write <local path>."));
        QCOMPARE(withoutLocalPaths(QStringLiteral("file 'C:\\data\\x.png'; retry")),
                 QStringLiteral("file '<local path>'; retry"));
        QCOMPARE(withoutLocalPaths(QStringLiteral("cannot write /tmp/q/act/P0/set_1/0.png"),
                                   {QStringLiteral("/tmp/q")}),
                 QStringLiteral("cannot write q/act/P0/set_1/0.png"));
        QCOMPARE(withoutLocalPaths(QStringLiteral("a/b and 1/2 stay")),
                 QStringLiteral("a/b and 1/2 stay"));
    }

    void rateLimiter() {
        RateLimiter limiter(3, 2);
        QCOMPARE(limiter.admit(0), RateLimiter::Verdict::Allowed);
        QCOMPARE(limiter.admit(10), RateLimiter::Verdict::Allowed);
        QCOMPARE(limiter.admit(20), RateLimiter::Verdict::Allowed);
        QCOMPARE(limiter.admit(30), RateLimiter::Verdict::Limited);
        QCOMPARE(limiter.admit(40), RateLimiter::Verdict::Limited);
        QCOMPARE(limiter.admit(50), RateLimiter::Verdict::Limited);
        QCOMPARE(limiter.admit(60), RateLimiter::Verdict::Flood);      // 7 > 3 x 2
        QCOMPARE(limiter.admit(1000), RateLimiter::Verdict::Allowed);  // a new second
    }

    void tokens() {
        const QString a = generateAccessToken(), b = generateAccessToken();
        QCOMPARE(a.size(), 43);
        QVERIFY(a != b);
        QVERIFY(tokensEqual(a, a));
        QVERIFY(!tokensEqual(b, a));
        QVERIFY(!tokensEqual(a.left(42), a));
        QVERIFY(!tokensEqual(QString(), QString()));  // no token never matches
    }
};

QTEST_GUILESS_MAIN(TestHostProtocol)
#include "test_host_protocol.moc"
