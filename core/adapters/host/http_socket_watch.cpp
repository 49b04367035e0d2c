#include "adapters/host/http_socket_watch.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <algorithm>
#include <limits>

namespace archival::adapters::host {

HttpConnectionGuard::HttpConnectionGuard(HttpConnectionLimits limits, QObject* parent)
    : QObject(parent), limits_(limits) {}

bool HttpConnectionGuard::makeRoom() {
    open_.removeAll(QPointer<RequestSizeWatch>());
    if (open_.size() < limits_.maxConnections) return true;
    for (const QPointer<RequestSizeWatch>& watch : open_) {
        if (watch->answerPending()) continue;
        RequestSizeWatch* oldest = watch;
        open_.removeOne(watch);
        oldest->close();
        return true;
    }
    return false;
}

bool HttpConnectionGuard::admit(QTcpSocket* socket) {
    if (!makeRoom()) return false;
    // Connected before the HTTP server connects its own reader, so it runs first.
    open_ << new RequestSizeWatch(socket, limits_);
    return true;
}

BodyLimitedTcpServer::BodyLimitedTcpServer(HttpConnectionLimits limits, QObject* parent)
    : QTcpServer(parent), guard_(limits) {}

void BodyLimitedTcpServer::incomingConnection(qintptr handle) {
    auto* socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }
    if (!guard_.admit(socket)) {
        // Every connection is being answered: this one is told so and closed unread.
        const QByteArray json =
            QJsonDocument(QJsonObject{{QStringLiteral("error"),
                                       QJsonObject{{QStringLiteral("code"),
                                                    QStringLiteral("too_many_connections")},
                                                   {QStringLiteral("message"),
                                                    QStringLiteral("the host is answering %1 "
                                                                   "requests; try again shortly")
                                                        .arg(guard_.limits().maxConnections)}}}})
                .toJson(QJsonDocument::Compact);
        socket->write(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            QByteArray::number(json.size()) + "\r\nConnection: close\r\n\r\n" + json);
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->disconnectFromHost();
        return;
    }
    addPendingConnection(socket);
}

BodyLimitedSslServer::BodyLimitedSslServer(HttpConnectionLimits limits,
                                           const QSslConfiguration& tls, QObject* parent)
    : QSslServer(parent), guard_(limits) {
    setSslConfiguration(tls);
    // No room: dropped before the handshake (the server forgets a socket that failed).
    connect(this, &QSslServer::startedEncryptionHandshake, this, [this](QSslSocket* socket) {
        if (!guard_.admit(socket)) socket->abort();
    });
}

RequestSizeWatch::RequestSizeWatch(QTcpSocket* socket, const HttpConnectionLimits& limits)
    : QObject(socket), socket_(socket), maxBodyBytes_(limits.maxBodyBytes) {
    connect(socket, &QTcpSocket::readyRead, this, &RequestSizeWatch::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &RequestSizeWatch::onBytesWritten);
    idle_.setSingleShot(true);
    idle_.setInterval(limits.idleMs);
    connect(&idle_, &QTimer::timeout, this, &RequestSizeWatch::close);
    idle_.start();
}

void RequestSizeWatch::close() {
    idle_.stop();
    refused_ = true;  // nothing more of it reaches the HTTP server
    socket_->abort();
}

void RequestSizeWatch::requestComplete() {
    answerPending_ = true;
    idle_.stop();
}

void RequestSizeWatch::onBytesWritten() {
    // The answer has gone out: the connection may idle again, for as long as a new one.
    if (!answerPending_ || socket_->bytesToWrite() > 0) return;
    answerPending_ = false;
    if (!refused_) idle_.start();
}

void RequestSizeWatch::onReadyRead() {
    if (refused_) {
        socket_->readAll();  // the HTTP server gets nothing more of this connection
        return;
    }
    // Qt's parser reads everything available on each readyRead, so what is there now is
    // what arrived since the last one.
    take(socket_->peek(socket_->bytesAvailable()));
}

void RequestSizeWatch::take(QByteArray data) {
    while (!data.isEmpty() && !refused_) {
        if (inBody_) {
            const qint64 n = std::min<qint64>(bodyLeft_, data.size());
            bodyLeft_ -= n;
            data.remove(0, int(n));
            if (bodyLeft_ == 0) {
                inBody_ = false;
                requestComplete();
            }
            continue;
        }
        header_.append(data);
        data.clear();
        const int end = header_.indexOf("\r\n\r\n");
        if (end < 0) {
            if (header_.size() > kMaxHeaderBytes)
                refuse(431, "Request Header Fields Too Large", QStringLiteral("header_too_large"),
                       QStringLiteral("the request header has more than %1 bytes")
                           .arg(kMaxHeaderBytes));
            return;
        }
        data = header_.mid(end + 4);
        const QByteArray header = header_.left(end);
        header_.clear();
        if (!headerDone(header)) return;
    }
}

bool RequestSizeWatch::headerDone(const QByteArray& header) {
    const QList<QByteArray> lines = header.split('\n');
    const QList<QByteArray> requestLine = lines.value(0).trimmed().split(' ');
    path_ = requestLine.value(1);
    qint64 declared = 0;
    for (const QByteArray& raw : lines.mid(1)) {
        const int colon = raw.indexOf(':');
        if (colon < 0) continue;
        const QByteArray name = raw.left(colon).trimmed().toLower();
        const QByteArray value = raw.mid(colon + 1).trimmed();
        if (name == "transfer-encoding" && value.toLower() != "identity") {
            refuse(411, "Length Required", QStringLiteral("length_required"),
                   QStringLiteral("send the body with a Content-Length (at most %1 bytes), "
                                  "not chunked")
                       .arg(maxBodyBytes_));
            return false;
        }
        if (name == "content-length") {
            bool ok = false;
            declared = value.toLongLong(&ok);
            if (!ok || declared < 0) declared = std::numeric_limits<qint64>::max();
        }
    }
    if (declared > maxBodyBytes_) {
        refuse(413, "Payload Too Large", QStringLiteral("body_too_large"),
               QStringLiteral("the body has %1 bytes; at most %2 are allowed")
                   .arg(declared)
                   .arg(maxBodyBytes_));
        return false;
    }
    bodyLeft_ = declared;
    inBody_ = declared > 0;
    if (!inBody_) requestComplete();
    return true;
}

void RequestSizeWatch::refuse(int status, const QByteArray& reason, const QString& code,
                              const QString& message) {
    refused_ = true;
    socket_->readAll();
    // Each API's own error shape (PROTOCOL.md): the reference service's endpoints, or ours.
    static const QList<QByteArray> kSeedPaths = {"/generate_single_set", "/generate_multiple_sets",
                                                 "/clear_cache", "/health", "/memory_stats"};
    const bool seed = kSeedPaths.contains(path_.split('?').first());
    const QJsonObject body = seed
                                 ? QJsonObject{{QStringLiteral("status"), QStringLiteral("error")},
                                               {QStringLiteral("success"), false},
                                               {QStringLiteral("error_code"), code},
                                               {QStringLiteral("error"), message}}
                                 : QJsonObject{{QStringLiteral("error"),
                                                QJsonObject{{QStringLiteral("code"), code},
                                                            {QStringLiteral("message"), message}}}};
    const QByteArray json = QJsonDocument(body).toJson(QJsonDocument::Compact);
    socket_->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                   QByteArray::number(json.size()) + "\r\nConnection: close\r\n\r\n" + json);
    // Stops reading from the peer; what was written still goes out before the close.
    socket_->disconnectFromHost();
}

}  // namespace archival::adapters::host
