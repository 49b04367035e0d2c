// The S3 client against a real S3-compatible server on loopback (moto, signatures checked):
// write-once PUTs, 412 settled by comparing bytes, refusals that say what to fix, and
// retries through a proxy that answers 500/429, drops connections and stalls.
#include <QCryptographicHash>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>
#include <optional>

#include "adapters/batch/s3_client.h"
#include "s3_peer.h"

using namespace archival::adapters;
using archival::test::FaultProxy;
using archival::test::S3Peer;

namespace {
const QString kBucket = QStringLiteral("archival-test");

QByteArray md5Hex(const QByteArray& b) {
    return QCryptographicHash::hash(b, QCryptographicHash::Md5).toHex();
}

// A loopback HTTP/1.1 store that answers every PUT 412 (the key "exists") and every HEAD 404
// (it does not): the worst a confused store can do to write-once settling. One request per
// connection; it counts what it was asked.
class ContradictoryStore : public QObject {
  public:
    ContradictoryStore() {
        connect(&server_, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = server_.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { answer(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return server_.listen(QHostAddress::LocalHost); }
    QString endpoint() const {
        return QStringLiteral("http://127.0.0.1:%1").arg(server_.serverPort());
    }
    int puts = 0, heads = 0;

  private:
    void answer(QTcpSocket* socket) {
        QByteArray& buffer = pending_[socket];
        buffer += socket->readAll();
        const int headerEnd = buffer.indexOf("\r\n\r\n");
        if (headerEnd < 0) return;
        qsizetype bodyBytes = 0;
        for (const QByteArray& line : buffer.left(headerEnd).split('\n'))
            if (line.toLower().startsWith("content-length:"))
                bodyBytes = line.mid(15).trimmed().toLongLong();
        if (buffer.size() < headerEnd + 4 + bodyBytes) return;  // the body is still coming
        const bool put = buffer.startsWith("PUT ");
        (put ? puts : heads) += 1;
        pending_.remove(socket);
        socket->write(put ? "HTTP/1.1 412 Precondition Failed\r\n" : "HTTP/1.1 404 Not Found\r\n");
        socket->write("Content-Length: 0\r\nConnection: close\r\n\r\n");
        socket->disconnectFromHost();
    }

    QTcpServer server_;
    QHash<QTcpSocket*, QByteArray> pending_;
};
}  // namespace

class TestS3Client : public QObject {
    Q_OBJECT

    S3Peer peer_;

    S3Settings settings(const QString& endpoint = {}) const {
        S3Settings s;
        s.endpoint = QUrl(endpoint.isEmpty() ? peer_.endpoint() : endpoint);
        s.bucket = kBucket;
        s.credentials = {peer_.accessKeyId(), peer_.secret(), {}};
        s.backoffBaseMs = 20;
        s.backoffMaxMs = 200;
        s.timeoutMs = 10000;
        return s;
    }

    // Runs one call to completion.
    template <typename Start>
    S3Result wait(Start start) {
        std::optional<S3Result> result;
        start([&](const S3Result& r) { result = r; });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 120000); }();
        return result.value_or(S3Result{});
    }

  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_START_PEER(peer_, QStringList{kBucket}); }

    void putThenHead() {
        S3Client client(settings());
        const QByteArray bytes = "png bytes \x01\x02";
        const S3Result put = wait([&](auto done) {
            client.putObject("out/act/P0/set_001/1.png", bytes, "image/png", done);
        });
        QVERIFY2(put.outcome == S3Outcome::Done, qPrintable(put.message));
        QCOMPARE(put.etag, md5Hex(bytes));
        const S3Result head =
            wait([&](auto done) { client.headObject("out/act/P0/set_001/1.png", done); });
        QCOMPARE(int(head.outcome), int(S3Outcome::Done));
        QCOMPARE(head.etag, md5Hex(bytes));
        QCOMPARE(peer_.get(kBucket, "out/act/P0/set_001/1.png"), bytes);
        const S3Result missing = wait([&](auto done) { client.headObject("nope", done); });
        QCOMPARE(int(missing.outcome), int(S3Outcome::NotFound));
    }

    // Keys are signed and sent exactly as named. (moto itself mis-verifies keys with '$',
    // '+', '=' or non-ASCII, with curl's signer too; the S3 reference examples cover those.)
    void oddKeys() {
        S3Client client(settings());
        const QString key = QStringLiteral("pre fix/a b~c_1.-x/1.png");
        const S3Result put =
            wait([&](auto done) { client.putObject(key, "odd", "image/png", done); });
        QVERIFY2(put.ok(), qPrintable(put.message));
        QVERIFY(peer_.list(kBucket, "pre fix/").contains(key));
    }

    void writeOnceSameBytesCountsAsDone() {
        S3Client client(settings());
        const QByteArray bytes = "same";
        QVERIFY(wait([&](auto d) { client.putObject("once/a", bytes, "text/plain", d); }).ok());
        const S3Result again =
            wait([&](auto d) { client.putObject("once/a", bytes, "text/plain", d); });
        QCOMPARE(int(again.outcome), int(S3Outcome::AlreadyThere));
        const S3Result other =
            wait([&](auto d) { client.putObject("once/a", "different", "text/plain", d); });
        QCOMPARE(int(other.outcome), int(S3Outcome::Conflict));
        QVERIFY(other.message.contains("not overwritten"));
        QCOMPARE(peer_.get(kBucket, "once/a"), bytes);
    }

    // A file made again has other timings in it: other bytes, the same content digest. Stored
    // with the object, the digest settles the 412 as uploaded; another digest, or none, does
    // not.
    void writeOnceSameContentDigestCountsAsDone() {
        S3Client client(settings());
        const QByteArray digest = QByteArray(64, 'a');
        QVERIFY(wait([&](auto d) {
                    client.putObject("digest/a", "made at 1", "text/plain", d, digest);
                }).ok());
        const S3Result remade = wait(
            [&](auto d) { client.putObject("digest/a", "made at 2", "text/plain", d, digest); });
        QVERIFY2(remade.outcome == S3Outcome::AlreadyThere, qPrintable(remade.message));
        const S3Result other = wait([&](auto d) {
            client.putObject("digest/a", "other", "text/plain", d, QByteArray(64, 'b'));
        });
        QCOMPARE(int(other.outcome), int(S3Outcome::Conflict));
        const S3Result none =
            wait([&](auto d) { client.putObject("digest/a", "made at 3", "text/plain", d); });
        QCOMPARE(int(none.outcome), int(S3Outcome::Conflict));
        QCOMPARE(peer_.get(kBucket, "digest/a"), QByteArray("made at 1"));
    }

    // The server checks the signature: a wrong secret is its SignatureDoesNotMatch, at once.
    void wrongSecretIsRefusedByTheServer() {
        S3Settings s = settings();
        s.credentials.secretAccessKey = "not-the-secret";
        S3Client client(s);
        const S3Result put =
            wait([&](auto d) { client.putObject("denied/a", "x", "text/plain", d); });
        QCOMPARE(int(put.outcome), int(S3Outcome::Refused));
        QCOMPARE(put.errorCode, QStringLiteral("SignatureDoesNotMatch"));
        QCOMPARE(put.attempts, 1);
        QVERIFY2(put.message.contains("re-enter the secret"), qPrintable(put.message));
        QVERIFY(!put.message.contains("not-the-secret"));
        const S3Result test = wait([&](auto d) { client.testConnection(d); });
        QCOMPARE(test.errorCode, QStringLiteral("SignatureDoesNotMatch"));
        QVERIFY(!peer_.list(kBucket).contains("denied/a"));
    }

    void unknownKeyIdAndMissingBucket() {
        S3Settings s = settings();
        s.credentials.accessKeyId = "AKIANOBODY0000000000";
        S3Client unknown(s);
        const S3Result a = wait([&](auto d) { unknown.testConnection(d); });
        QCOMPARE(int(a.outcome), int(S3Outcome::Refused));
        QVERIFY2(a.httpStatus == 403, qPrintable(a.message));
        QVERIFY2(!a.errorCode.isEmpty(), qPrintable(a.message));

        S3Settings b = settings();
        b.bucket = "no-such-bucket";
        S3Client missing(b);
        const S3Result r = wait([&](auto d) { missing.putObject("k", "x", "text/plain", d); });
        QCOMPARE(int(r.outcome), int(S3Outcome::Refused));
        QCOMPARE(r.errorCode, QStringLiteral("NoSuchBucket"));
        QVERIFY2(r.message.contains("create it or correct the bucket name"), qPrintable(r.message));
    }

    void testConnectionSucceeds() {
        S3Client client(settings());
        const S3Result r = wait([&](auto d) { client.testConnection(d); });
        QVERIFY2(r.outcome == S3Outcome::Done, qPrintable(r.message));
    }

    // 500s, 429s, dropped connections (before and after the store kept the object) and
    // stalls longer than the timeout: every object still ends up stored once, intact.
    void retriesThroughFaults() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, peer_.endpoint(),
                            "500,drop-after,ok,429,drop-before,stall,503,ok", 3.0);
        S3Settings s = settings(proxy.endpoint());
        s.timeoutMs = 1000;  // the stall outlasts it
        s.maxAttempts = 12;
        s.maxConcurrent = 3;
        S3Client client(s);
        QSignalSpy retries(&client, &S3Client::retrying);
        const int n = 12;
        int finished = 0;
        QList<S3Result> results;
        for (int i = 0; i < n; ++i) {
            const QByteArray bytes = "object " + QByteArray::number(i);
            client.putObject(QStringLiteral("faults/%1").arg(i), bytes, "text/plain",
                             [&](const S3Result& r) {
                                 results.append(r);
                                 ++finished;
                             });
        }
        QTRY_COMPARE_WITH_TIMEOUT(finished, n, 180000);
        for (const auto& r : results) QVERIFY2(r.ok(), qPrintable(r.message));
        QVERIFY(retries.count() > 0);
        const QJsonObject counts = proxy.counts();
        QVERIFY(counts["drop-after"].toInt() > 0);
        QVERIFY(counts["stall"].toInt() > 0);
        const QJsonObject stored = peer_.list(kBucket, "faults/");
        QCOMPARE(stored.size(), n);
        for (int i = 0; i < n; ++i)
            QCOMPARE(stored[QStringLiteral("faults/%1").arg(i)].toObject()["etag"].toString(),
                     QString::fromLatin1(md5Hex("object " + QByteArray::number(i))));
    }

    // A server that never answers well: the client gives up after its attempts, not forever.
    void givesUpAfterMaxAttempts() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, peer_.endpoint(), "500", 0.0);
        S3Settings s = settings(proxy.endpoint());
        s.maxAttempts = 3;
        S3Client client(s);
        const S3Result r = wait([&](auto d) { client.putObject("never", "x", "text/plain", d); });
        QCOMPARE(int(r.outcome), int(S3Outcome::GaveUp));
        QCOMPARE(r.attempts, 3);
        QVERIFY(r.message.contains("HTTP 500"));
    }

    // 412 says the key exists, the HEAD that settles it says it does not, forever: the
    // client rewrites within its attempt limit, backing off between rounds, then gives up.
    void the412Then404StoreStopsAfterTheAttemptLimit() {
        ContradictoryStore store;
        QVERIFY(store.listen());
        S3Settings s = settings(store.endpoint());
        s.maxAttempts = 4;
        S3Client client(s);
        QSignalSpy retries(&client, &S3Client::retrying);
        std::optional<S3Result> result;
        client.putObject("vanishing", "x", "text/plain", [&](const S3Result& r) { result = r; });
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value() || store.puts > 50, 30000);
        QVERIFY2(result.has_value(), "the client is still writing after 50 PUTs");
        QCOMPARE(int(result->outcome), int(S3Outcome::GaveUp));
        QCOMPARE(result->errorCode, QStringLiteral("GaveUp"));
        QCOMPARE(result->attempts, 4);
        QCOMPARE(store.puts, 2);
        QCOMPARE(store.heads, 2);
        QCOMPARE(retries.count(), 1);  // the one rewrite waited for its backoff
        QVERIFY(retries.first().at(2).toInt() > 0);
        QVERIFY2(result->message.contains("404"), qPrintable(result->message));
    }

    void boundedConcurrency() {
        S3Settings s = settings();
        s.maxConcurrent = 2;
        S3Client client(s);
        int finished = 0, most = 0;
        for (int i = 0; i < 8; ++i) {
            client.putObject(QStringLiteral("bounded/%1").arg(i), "x", "text/plain",
                             [&](const S3Result&) { ++finished; });
            most = std::max(most, client.inFlight());
        }
        QCOMPARE(most, 2);
        QCOMPARE(client.waiting(), 6);
        QTRY_COMPARE_WITH_TIMEOUT(finished, 8, 60000);
    }

    void r2EndpointFromAccountId() {
        QCOMPARE(S3Settings::r2Endpoint(" 0123abcd ").toString(),
                 QStringLiteral("https://0123abcd.r2.cloudflarestorage.com"));
    }
};

QTEST_GUILESS_MAIN(TestS3Client)
#include "test_s3_client.moc"
