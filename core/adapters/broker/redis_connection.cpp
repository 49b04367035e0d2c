#include "adapters/broker/redis_connection.h"

#include <hiredis/hiredis.h>

#include <QEventLoop>
#include <QFile>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QSslSocket>
#include <QTcpSocket>
#include <utility>
#include <vector>

namespace archival::adapters {

QString BrokerError::kindName(Kind kind) {
    switch (kind) {
        case Kind::Refused:
            return QStringLiteral("refused");
        case Kind::Auth:
            return QStringLiteral("auth");
        case Kind::Dropped:
            return QStringLiteral("dropped");
        case Kind::Protocol:
            return QStringLiteral("protocol");
        case Kind::Tls:
            return QStringLiteral("tls");
        case Kind::Server:
            return QStringLiteral("server");
    }
    return QStringLiteral("error");
}

namespace {

constexpr int kMaxBackoffMs = 5000;

RedisReply copyReply(const redisReply* r) {
    RedisReply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            out.type = RedisReply::Type::String;
            out.text = QByteArray(r->str, int(r->len));
            break;
        case REDIS_REPLY_STATUS:
            out.type = RedisReply::Type::Status;
            out.text = QByteArray(r->str, int(r->len));
            break;
        case REDIS_REPLY_ERROR:
            out.type = RedisReply::Type::Error;
            out.text = QByteArray(r->str, int(r->len));
            break;
        case REDIS_REPLY_INTEGER:
            out.type = RedisReply::Type::Integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = RedisReply::Type::Array;
            for (size_t i = 0; i < r->elements; ++i) out.elements << copyReply(r->element[i]);
            break;
        default:
            out.type = RedisReply::Type::Nil;
    }
    return out;
}

bool isAuthError(const QByteArray& text) {
    return text.startsWith("NOAUTH") || text.startsWith("WRONGPASS") ||
           text.startsWith("ERR invalid password") || text.startsWith("NOPERM") ||
           text.contains("AUTH <password> called without any password");
}

}  // namespace

RedisConnection::RedisConnection(RedisAddress address, QObject* parent)
    : QObject(parent), address_(std::move(address)) {
    retryTimer_.setSingleShot(true);
    connect(&retryTimer_, &QTimer::timeout, this, &RedisConnection::startSocket);
    replyTimer_.setSingleShot(true);
    connect(&replyTimer_, &QTimer::timeout, this, [this] {
        fail({BrokerError::Kind::Dropped, QStringLiteral("%1 did not answer in %2 s")
                                              .arg(address_.display())
                                              .arg(replyTimeoutMs_ / 1000.0)});
    });
}

RedisConnection::~RedisConnection() {
    reconnect_ = false;
    if (socket_) {
        socket_->disconnect(this);
        socket_->abort();
        delete socket_;
    }
    if (reader_) redisReaderFree(reader_);
}

QByteArray RedisConnection::encode(const QList<QByteArray>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const QByteArray& a : args) {
        argv.push_back(a.constData());
        lengths.push_back(size_t(a.size()));
    }
    char* command = nullptr;
    const int length =
        redisFormatCommandArgv(&command, int(args.size()), argv.data(), lengths.data());
    if (length < 0 || !command) return {};
    QByteArray wire(command, length);
    redisFreeCommand(command);
    return wire;
}

void RedisConnection::open() {
    if (state_ != State::Closed && state_ != State::Waiting) return;
    retryTimer_.stop();
    startSocket();
}

void RedisConnection::close() {
    reconnect_ = false;
    retryTimer_.stop();
    fail({BrokerError::Kind::Dropped, QStringLiteral("the connection was closed")});
    state_ = State::Closed;
}

void RedisConnection::startSocket() {
    if (socket_) {
        socket_->disconnect(this);
        socket_->abort();
        socket_->deleteLater();
        socket_ = nullptr;
    }
    if (reader_) redisReaderFree(reader_);
    reader_ = redisReaderCreate();
    state_ = State::Connecting;
    if (address_.tls) {
        auto* tls = new QSslSocket(this);
        if (!address_.caFile.isEmpty()) {
            QSslConfiguration config = tls->sslConfiguration();
            const auto cas = QSslCertificate::fromPath(address_.caFile, QSsl::Pem);
            if (cas.isEmpty()) {
                delete tls;
                state_ = State::Closed;
                reconnect_ = false;
                fail({BrokerError::Kind::Tls,
                      QStringLiteral("no PEM certificate could be read from the CA file %1")
                          .arg(address_.caFile)});
                return;
            }
            config.setCaCertificates(cas);
            tls->setSslConfiguration(config);
        }
        connect(tls, &QSslSocket::encrypted, this, &RedisConnection::onConnected);
        connect(tls, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
            QStringList what;
            for (const auto& e : errors) what << e.errorString();
            fail({BrokerError::Kind::Tls, QStringLiteral("the certificate of %1 is not trusted: %2")
                                              .arg(address_.display(), what.join("; "))});
        });
        socket_ = tls;
    } else {
        socket_ = new QTcpSocket(this);
        connect(socket_, &QAbstractSocket::connected, this, &RedisConnection::onConnected);
    }
    connect(socket_, &QAbstractSocket::readyRead, this, &RedisConnection::onReadyRead);
    connect(socket_, &QAbstractSocket::errorOccurred, this, &RedisConnection::onSocketError);
    // The first command's answer bounds the connection too (a host that never answers).
    if (address_.tls)
        static_cast<QSslSocket*>(socket_)->connectToHostEncrypted(address_.host, address_.port);
    else
        socket_->connectToHost(address_.host, address_.port);
}

void RedisConnection::onConnected() {
    state_ = State::Handshake;
    socket_->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    handshake();
}

void RedisConnection::handshake() {
    QList<QList<QByteArray>> commands;
    if (!address_.password.isEmpty()) {
        QList<QByteArray> auth{"AUTH"};
        if (!address_.user.isEmpty()) auth << address_.user.toUtf8();
        auth << address_.password.toUtf8();
        commands << auth;
    }
    if (address_.database != 0)
        commands << QList<QByteArray>{"SELECT", QByteArray::number(address_.database)};
    // A PING proves the server speaks RESP and, without AUTH, whether it wants a password.
    commands << QList<QByteArray>{"PING"};
    for (int i = 0; i < commands.size(); ++i) {
        const bool last = i == commands.size() - 1;
        const bool isAuth = commands[i].first() == "AUTH";
        inFlight_.push_back([this, last, isAuth](const RedisReply& reply, const BrokerError* e) {
            // A dropped connection (no reply): fail() already handles it.
            if (e && !reply.isError()) return;
            if (reply.isError()) {
                const bool auth = isAuth || isAuthError(reply.text);
                if (auth) reconnect_ = false;
                fail({auth ? BrokerError::Kind::Auth : BrokerError::Kind::Server,
                      auth ? QStringLiteral("%1 refused the login (%2): give the password in %3 "
                                            "or the keychain")
                                 .arg(address_.display(), reply.toString().section(' ', 0, 0),
                                      QStringLiteral("ARCHIVAL_BROKER_PASSWORD"))
                           : QStringLiteral("%1: %2").arg(address_.display(), reply.toString())});
                return;
            }
            if (!last) return;
            state_ = State::Ready;
            backoffMs_ = 100;
            Q_EMIT ready();
            flushWaiting();
        });
        socket_->write(encode(commands[i]));
    }
    armTimeout();
}

void RedisConnection::send(const QList<QByteArray>& args, Callback done) {
    waiting_.push_back({encode(args), std::move(done)});
    if (state_ == State::Ready)
        flushWaiting();
    else if (state_ == State::Closed && reconnect_)
        open();
    else if (state_ == State::Closed)
        fail({BrokerError::Kind::Dropped, QStringLiteral("the connection is closed")});
}

void RedisConnection::flushWaiting() {
    while (state_ == State::Ready && !waiting_.empty()) {
        Pending p = std::move(waiting_.front());
        waiting_.pop_front();
        inFlight_.push_back(std::move(p.done));
        socket_->write(p.wire);
    }
    armTimeout();
}

void RedisConnection::armTimeout() {
    if (replyTimeoutMs_ > 0 && !inFlight_.empty() && !replyTimer_.isActive())
        replyTimer_.start(replyTimeoutMs_);
    if (inFlight_.empty()) replyTimer_.stop();
}

void RedisConnection::onReadyRead() {
    const QByteArray bytes = socket_->readAll();
    if (redisReaderFeed(reader_, bytes.constData(), size_t(bytes.size())) != REDIS_OK) {
        fail({BrokerError::Kind::Protocol,
              QStringLiteral("%1 sent bytes that are not RESP").arg(address_.display())});
        return;
    }
    for (;;) {
        void* raw = nullptr;
        if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
            fail({BrokerError::Kind::Protocol,
                  QStringLiteral("%1 sent bytes that are not RESP: %2")
                      .arg(address_.display(), QString::fromLatin1(reader_->errstr))});
            return;
        }
        if (!raw) break;
        const RedisReply reply = copyReply(static_cast<redisReply*>(raw));
        freeReplyObject(raw);
        replyTimer_.stop();
        deliver(reply);
        if (!socket_ || !reader_) return;  // a callback closed the connection
        armTimeout();
    }
}

void RedisConnection::deliver(const RedisReply& reply) {
    if (inFlight_.empty()) {
        fail({BrokerError::Kind::Protocol,
              QStringLiteral("%1 answered a command never sent").arg(address_.display())});
        return;
    }
    Callback done = std::move(inFlight_.front());
    inFlight_.pop_front();
    if (reply.isError()) {
        const BrokerError error{
            isAuthError(reply.text) ? BrokerError::Kind::Auth : BrokerError::Kind::Server,
            reply.toString()};
        done(reply, &error);
    } else {
        done(reply, nullptr);
    }
}

void RedisConnection::onSocketError(QAbstractSocket::SocketError error) {
    const bool connecting = state_ == State::Connecting;
    BrokerError e;
    if (error == QAbstractSocket::SslHandshakeFailedError ||
        error == QAbstractSocket::SslInternalError ||
        error == QAbstractSocket::SslInvalidUserDataError)
        e = {BrokerError::Kind::Tls, QStringLiteral("TLS with %1 failed: %2")
                                         .arg(address_.display(), socket_->errorString())};
    else if (connecting && (error == QAbstractSocket::ConnectionRefusedError ||
                            error == QAbstractSocket::HostNotFoundError ||
                            error == QAbstractSocket::NetworkError ||
                            error == QAbstractSocket::SocketTimeoutError))
        e = {BrokerError::Kind::Refused, QStringLiteral("cannot reach the broker at %1: %2")
                                             .arg(address_.display(), socket_->errorString())};
    else
        e = {BrokerError::Kind::Dropped, QStringLiteral("the connection to %1 dropped: %2")
                                             .arg(address_.display(), socket_->errorString())};
    fail(e);
}

void RedisConnection::fail(BrokerError error) {
    replyTimer_.stop();
    const bool hadSocket = socket_ != nullptr;
    if (socket_) {
        socket_->disconnect(this);
        socket_->abort();
        socket_->deleteLater();
        socket_ = nullptr;
    }
    if (reader_) {
        redisReaderFree(reader_);
        reader_ = nullptr;
    }
    state_ = State::Closed;
    // Commands in flight may or may not have run: their callers decide.
    std::deque<Callback> inFlight = std::exchange(inFlight_, {});
    const BrokerError dropped{
        error.kind == BrokerError::Kind::Server ? BrokerError::Kind::Dropped : error.kind,
        error.message};
    for (auto& done : inFlight) done(RedisReply{}, &dropped);
    if (hadSocket || error.kind != BrokerError::Kind::Dropped) Q_EMIT lost(error);
    if (reconnect_ && error.kind != BrokerError::Kind::Auth) {
        state_ = State::Waiting;
        retryTimer_.start(backoffMs_);
        backoffMs_ = std::min(backoffMs_ * 2, kMaxBackoffMs);
        return;
    }
    // No second try: what waits for the connection fails too.
    std::deque<Pending> waiting = std::exchange(waiting_, {});
    for (auto& p : waiting) p.done(RedisReply{}, &dropped);
}

std::optional<BrokerError> RedisConnection::openNow(int timeoutMs) {
    if (isReady()) return std::nullopt;
    QEventLoop loop;
    std::optional<BrokerError> error;
    auto onReady = connect(this, &RedisConnection::ready, &loop, &QEventLoop::quit);
    auto onLost = connect(this, &RedisConnection::lost, &loop, [&](const BrokerError& e) {
        error = e;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, [&] {
        error = BrokerError{BrokerError::Kind::Refused, QStringLiteral("no answer from %1 in %2 s")
                                                            .arg(address_.display())
                                                            .arg(timeoutMs / 1000)};
        loop.quit();
    });
    const bool reconnect = std::exchange(reconnect_, false);
    open();
    if (!isReady() && !error) loop.exec();
    reconnect_ = reconnect;
    disconnect(onReady);
    disconnect(onLost);
    return error;
}

std::optional<BrokerError> RedisConnection::sendNow(const QList<QByteArray>& args,
                                                    RedisReply* reply, int timeoutMs) {
    // The answer may come after a timeout gave up: it lands in this shared state, not on
    // the stack of a call that has returned.
    struct Answer {
        bool answered = false;
        RedisReply reply;
        std::optional<BrokerError> error;
        QEventLoop loop;
    };
    auto answer = std::make_shared<Answer>();
    send(args, [answer](const RedisReply& r, const BrokerError* e) {
        answer->answered = true;
        answer->reply = r;
        if (e) answer->error = *e;
        answer->loop.quit();
    });
    QTimer::singleShot(timeoutMs, &answer->loop, &QEventLoop::quit);
    if (!answer->answered) answer->loop.exec();
    if (!answer->answered)
        return BrokerError{BrokerError::Kind::Dropped, QStringLiteral("%1 did not answer in %2 s")
                                                           .arg(address_.display())
                                                           .arg(timeoutMs / 1000)};
    *reply = answer->reply;
    return answer->error;
}

}  // namespace archival::adapters
