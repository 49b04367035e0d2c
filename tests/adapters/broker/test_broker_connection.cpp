// The broker's client against a real redis-server (started here): URLs, typed errors
// (refused, auth, dropped, protocol), reconnecting after the server was killed and started
// again from its append-only file, and the set stream's rules: a set queued once, leases
// kept only by their holder, an idle entry taken by another worker, acknowledgement.
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include "adapters/broker/redis_address.h"
#include "adapters/broker/redis_connection.h"
#include "adapters/broker/set_stream.h"
#include "redis_peer.h"

using namespace archival::adapters;
using archival::test::RedisPeer;

namespace {

RedisAddress address(const QString& url, const QString& password = {}) {
    auto parsed = RedisAddress::parse(url);
    if (auto* problem = std::get_if<QString>(&parsed)) qFatal("%s", qPrintable(*problem));
    RedisAddress a = std::get<RedisAddress>(parsed);
    if (!password.isEmpty()) a.password = password;
    return a;
}

BrokerSetJob job(const QString& action, int set) {
    BrokerSetJob j;
    j.request.actionId = action;
    j.request.programId = QStringLiteral("T15");
    j.request.prompt = QStringLiteral("ai conference");
    j.setId = set;
    j.seed = 1000 + quint64(set);
    return j;
}

}  // namespace

class TestBrokerConnection : public QObject {
    Q_OBJECT

    RedisPeer redis_;
    const QString password_ = QStringLiteral("s3cret-broker-pw");

    std::unique_ptr<RedisConnection> connected() {
        auto c = std::make_unique<RedisConnection>(address(redis_.url(), password_));
        c->setReconnect(false);
        if (auto e = c->openNow(5000)) qWarning() << e->toString();
        return c;
    }

  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_START_REDIS(redis_, password_); }

    void urlsAreReadAndShownWithoutThePassword() {
        const RedisAddress a = address(QStringLiteral("redis://:pw@example.org:6380/3"));
        QCOMPARE(a.host, QStringLiteral("example.org"));
        QCOMPARE(a.port, quint16(6380));
        QCOMPARE(a.database, 3);
        QCOMPARE(a.password, QStringLiteral("pw"));
        QVERIFY(!a.tls);
        QCOMPARE(a.display(), QStringLiteral("redis://example.org:6380/3"));
        const RedisAddress t = address(QStringLiteral("rediss://u:p@h/0?ca=/etc/ca.pem"));
        QVERIFY(t.tls);
        QCOMPARE(t.port, quint16(6379));
        QCOMPARE(t.user, QStringLiteral("u"));
        QCOMPARE(t.caFile, QStringLiteral("/etc/ca.pem"));
        QVERIFY(!t.display().contains(QLatin1String("p@")));
        for (const char* bad : {"http://h:1/0", "redis://h:1/x", "redis://h:1/99", "redis:///0",
                                "redis://h:1/0?timeout=3"}) {
            const auto parsed = RedisAddress::parse(QString::fromLatin1(bad));
            QVERIFY2(std::holds_alternative<QString>(parsed), bad);
        }
        // The message about a bad URL never repeats its password.
        const auto bad = RedisAddress::parse(QStringLiteral("http://:hunter2@h:1/0"));
        QVERIFY(!std::get<QString>(bad).contains(QLatin1String("hunter2")));
    }

    void commandsRoundTripBinarySafe() {
        auto c = connected();
        QVERIFY(c->isReady());
        RedisReply reply;
        const QByteArray value("a\r\n\0b$*", 8);
        QVERIFY(!c->sendNow({"SET", "k", value}, &reply));
        QVERIFY(!c->sendNow({"GET", "k"}, &reply));
        QCOMPARE(reply.type, RedisReply::Type::String);
        QCOMPARE(reply.text, value);
        QVERIFY(!c->sendNow({"GET", "absent"}, &reply));
        QVERIFY(reply.isNil());
        const auto e = c->sendNow({"INCR", "k"}, &reply);
        QVERIFY(e);
        QCOMPARE(e->kind, BrokerError::Kind::Server);
        QVERIFY(reply.isError());
    }

    void errorsAreTyped() {
        // Auth: a wrong password, and none at all.
        for (const QString& pw : {QStringLiteral("wrong"), QString()}) {
            RedisConnection c(address(redis_.url(), pw));
            c.setReconnect(false);
            const auto e = c.openNow(5000);
            QVERIFY(e);
            QCOMPARE(e->kind, BrokerError::Kind::Auth);
            QVERIFY2(!e->message.contains(QLatin1String("wrong")), qPrintable(e->message));
        }
        // Refused: nothing listens.
        QTcpServer probe;
        probe.listen(QHostAddress::LocalHost, 0);
        const quint16 closedPort = probe.serverPort();
        probe.close();
        {
            RedisConnection c(address(QStringLiteral("redis://127.0.0.1:%1/0").arg(closedPort)));
            const auto e = c.openNow(5000);
            QVERIFY(e);
            QCOMPARE(e->kind, BrokerError::Kind::Refused);
        }
        // Protocol: something that is not Redis answers.
        QTcpServer notRedis;
        QVERIFY(notRedis.listen(QHostAddress::LocalHost, 0));
        connect(&notRedis, &QTcpServer::newConnection, this, [&] {
            QTcpSocket* s = notRedis.nextPendingConnection();
            s->write("HTTP/1.1 400 Bad Request\r\n\r\n");
        });
        {
            RedisConnection c(
                address(QStringLiteral("redis://127.0.0.1:%1/0").arg(notRedis.serverPort())));
            const auto e = c.openNow(5000);
            QVERIFY(e);
            QCOMPARE(e->kind, BrokerError::Kind::Protocol);
        }
    }

    void streamRules() {
        auto c = connected();
        RedisReply r;
        auto e = c->sendNow(SetStream::createGroup(), &r);
        QVERIFY(!e || SetStream::groupExists(r));
        e = c->sendNow(SetStream::createGroup(), &r);  // again: exists
        QVERIFY(e && SetStream::groupExists(r));

        // Queued once: the same action and set id again is refused (nil).
        QVERIFY(!c->sendNow(SetStream::enqueue(job("rules", 0)), &r));
        QCOMPARE(r.type, RedisReply::Type::String);
        const QByteArray id = r.text;
        QVERIFY(!c->sendNow(SetStream::enqueue(job("rules", 0)), &r));
        QVERIFY(r.isNil());

        // Worker a reads it; b finds nothing new and nothing stale.
        QVERIFY(!c->sendNow(SetStream::readNew("a", 100), &r));
        auto entry = SetStream::entryFromRead(r);
        QVERIFY(entry);
        QCOMPARE(entry->id, id);
        auto parsed = BrokerSetJob::fromFields(entry->fields);
        QVERIFY(std::holds_alternative<BrokerSetJob>(parsed));
        QCOMPARE(std::get<BrokerSetJob>(parsed).seed, quint64(1000));
        QVERIFY(!c->sendNow(SetStream::readNew("b", 100), &r));
        QVERIFY(!SetStream::entryFromRead(r));
        QVERIFY(!c->sendNow(SetStream::claimStale("b", 400), &r));
        QVERIFY(!SetStream::entryFromClaim(r));

        // The holder keeps its lease, another cannot.
        QVERIFY(!c->sendNow(SetStream::keepLease("a", id), &r));
        QCOMPARE(r.integer, qint64(1));
        QVERIFY(!c->sendNow(SetStream::keepLease("b", id), &r));
        QCOMPARE(r.integer, qint64(0));
        // Kept alive, it is not stale; idle past the lease, b takes it.
        QTest::qWait(250);
        QVERIFY(!c->sendNow(SetStream::keepLease("a", id), &r));
        QTest::qWait(250);
        QVERIFY(!c->sendNow(SetStream::claimStale("b", 400), &r));
        QVERIFY(!SetStream::entryFromClaim(r));
        QTest::qWait(300);
        QVERIFY(!c->sendNow(SetStream::claimStale("b", 400), &r));
        entry = SetStream::entryFromClaim(r);
        QVERIFY(entry);
        QCOMPARE(entry->id, id);
        // a lost it: its lease and its failure no longer count.
        QVERIFY(!c->sendNow(SetStream::keepLease("a", id), &r));
        QCOMPARE(r.integer, qint64(0));
        QVERIFY(!c->sendNow(SetStream::finish("a", id, "rules:0", {"state", "failed"}, true), &r));
        QCOMPARE(r.integer, qint64(0));
        QVERIFY(!c->sendNow({"HGET", SetStream::setHash("rules:0"), "state"}, &r));
        QCOMPARE(r.text, QByteArray("pending"));

        // Released by b: immediately stale for anyone.
        QVERIFY(!c->sendNow(SetStream::release("b", id, "rules:0", 400), &r));
        QCOMPARE(r.integer, qint64(1));
        QVERIFY(!c->sendNow(SetStream::claimStale("a", 400), &r));
        entry = SetStream::entryFromClaim(r);
        QVERIFY(entry);

        // Uploaded: acknowledged, and no later report changes the state.
        QVERIFY(
            !c->sendNow(SetStream::finish("a", id, "rules:0", {"state", "uploaded"}, false), &r));
        QCOMPARE(r.integer, qint64(1));
        QVERIFY(!c->sendNow({"XPENDING", SetStream::kStream, SetStream::kGroup}, &r));
        QCOMPARE(r.elements.value(0).integer, qint64(0));
        // ... and deleted from the stream: it holds only sets still to make.
        QVERIFY(!c->sendNow({"XLEN", SetStream::kStream}, &r));
        QCOMPARE(r.integer, qint64(0));
        QVERIFY(!c->sendNow(SetStream::report("rules:0", {"state", "generating"}), &r));
        QVERIFY(!c->sendNow(SetStream::readState(SetStream::setHash("rules:0")), &r));
        const BrokerSetState state = SetStream::stateFromHash(r);
        QCOMPARE(state.value("state"), QStringLiteral("uploaded"));
        QCOMPARE(state.value("action"), QStringLiteral("rules"));
        // Read by key: known sets only, in one reply.
        QVERIFY(!c->sendNow(SetStream::readStates({"rules:0", "rules:99"}), &r));
        const auto some = SetStream::statesFromAll(r);
        QCOMPARE(some.size(), 1);
        QCOMPARE(some[0].value("state"), QStringLiteral("uploaded"));
    }

    // rediss://: the server's self-signed certificate trusted through ?ca=, refused without.
    void tlsWithTheServersCertificate() {
        QTemporaryDir certs;
        const QString cert = certs.filePath(QStringLiteral("cert.pem"));
        const QString key = certs.filePath(QStringLiteral("key.pem"));
        QProcess openssl;
        openssl.start(QStringLiteral("openssl"),
                      {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                       cert, "-days", "1", "-subj", "/CN=localhost", "-addext",
                       "subjectAltName=DNS:localhost,IP:127.0.0.1"});
        QVERIFY2(openssl.waitForFinished(60000) && openssl.exitCode() == 0,
                 openssl.readAllStandardError().constData());
        RedisPeer tls;
        QString error;
        QVERIFY2(tls.startTls(&error, password_, cert, key), qPrintable(error));

        RedisConnection trusted(address(tls.url(), password_));
        trusted.setReconnect(false);
        const auto e = trusted.openNow(10000);
        QVERIFY2(!e, e ? qPrintable(e->toString()) : "");
        RedisReply r;
        QVERIFY(!trusted.sendNow({"SET", "over-tls", "yes"}, &r));
        QVERIFY(!trusted.sendNow({"GET", "over-tls"}, &r));
        QCOMPARE(r.text, QByteArray("yes"));

        RedisConnection untrusted(
            address(QStringLiteral("rediss://127.0.0.1:%1/0").arg(tls.port()), password_));
        untrusted.setReconnect(false);
        const auto refused = untrusted.openNow(10000);
        QVERIFY(refused);
        QCOMPARE(refused->kind, BrokerError::Kind::Tls);
    }

    // Killed with SIGKILL mid-use: the command in flight ends Dropped, the connection comes
    // back by itself once the server is up again, and what was written is still there (AOF).
    void reconnectsAfterTheServerCameBack() {
        RedisConnection c(address(redis_.url(), password_));
        QVERIFY(!c.openNow(5000));
        c.setReconnect(true);
        RedisReply r;
        QVERIFY(!c.sendNow({"SET", "survives", "yes"}, &r));
        redis_.kill();
        auto e = c.sendNow({"GET", "survives"}, &r, 3000);
        QVERIFY(e);
        QVERIFY2(e->kind == BrokerError::Kind::Dropped || e->kind == BrokerError::Kind::Refused,
                 qPrintable(e->toString()));
        QString error;
        QVERIFY2(redis_.restart(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(c.isReady(), 15000);
        e = c.sendNow({"GET", "survives"}, &r, 5000);
        QVERIFY2(!e, e ? qPrintable(e->toString()) : "");
        QCOMPARE(r.text, QByteArray("yes"));
    }
};

QTEST_GUILESS_MAIN(TestBrokerConnection)
#include "test_broker_connection.moc"
