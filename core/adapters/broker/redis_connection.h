#pragma once
// One connection to Redis, driven by Qt's event loop: the RESP protocol from hiredis
// (redisFormatCommandArgv encodes, redisReader parses), the transport a QTcpSocket or, for
// rediss://, a QSslSocket. hiredis 0.14 (Debian 12) has no TLS of its own, and its sockets
// would need a second event loop; Qt's sockets give both and typed errors.
//
//   RedisConnection redis(address);      // the password already resolved (broker_password.h)
//   redis.open();                         // connects, AUTH, SELECT; ready() when done
//   redis.send({"XACK", stream, group, id}, [](const RedisReply& r, const BrokerError* e) {...});
//
// Commands sent before the connection is ready wait for it. When the connection drops, the
// commands in flight end with Dropped (they may or may not have run: the caller decides
// whether sending again is safe) and, with reconnect on, the connection is made again with
// backoff (100 ms doubling to 5 s); commands sent meanwhile wait for it. Auth failures are
// not retried: lost() says so and the connection stays closed.

#include <QAbstractSocket>
#include <QByteArray>
#include <QList>
#include <QObject>
#include <QTimer>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "adapters/broker/redis_address.h"
#include "adapters/broker/redis_reply.h"

class QSslSocket;
class QTcpSocket;
struct redisReader;

namespace archival::adapters {

class RedisConnection : public QObject {
    Q_OBJECT
  public:
    // `error` is null on success; on a Server error `reply` holds the error reply too.
    using Callback = std::function<void(const RedisReply& reply, const BrokerError* error)>;

    explicit RedisConnection(RedisAddress address, QObject* parent = nullptr);
    ~RedisConnection() override;

    const RedisAddress& address() const { return address_; }
    void setReconnect(bool on) { reconnect_ = on; }
    // A command that has not answered in this time drops the connection (0: never). Blocking
    // reads (XREADGROUP BLOCK) must stay below it.
    void setReplyTimeoutMs(int ms) { replyTimeoutMs_ = ms; }

    void open();
    void close();  // commands waiting or in flight end with Dropped
    bool isReady() const { return state_ == State::Ready; }

    void send(const QList<QByteArray>& args, Callback done);

    // Blocking versions for the command line (a local event loop): open() until ready or the
    // first error; one command and its reply.
    std::optional<BrokerError> openNow(int timeoutMs);
    std::optional<BrokerError> sendNow(const QList<QByteArray>& args, RedisReply* reply,
                                       int timeoutMs = 30000);

  Q_SIGNALS:
    void ready();
    // The connection failed or dropped; with reconnect on (and not Auth) another try follows.
    void lost(const archival::adapters::BrokerError& error);

  private:
    enum class State { Closed, Connecting, Handshake, Ready, Waiting };
    struct Pending {
        QByteArray wire;
        Callback done;
    };

    void startSocket();
    void onConnected();
    void onReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    void handshake();
    void flushWaiting();
    void fail(BrokerError error);
    void deliver(const RedisReply& reply);
    void armTimeout();
    static QByteArray encode(const QList<QByteArray>& args);

    RedisAddress address_;
    QAbstractSocket* socket_ = nullptr;
    redisReader* reader_ = nullptr;
    State state_ = State::Closed;
    bool reconnect_ = true;
    int replyTimeoutMs_ = 0;
    int backoffMs_ = 100;
    std::deque<Pending> waiting_;    // not sent yet
    std::deque<Callback> inFlight_;  // sent (the handshake's first), in order: RESP answers so
    QTimer retryTimer_;
    QTimer replyTimer_;
};

}  // namespace archival::adapters
