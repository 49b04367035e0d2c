#include "adapters/host/http_socket_watch.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <algorithm>
#include <limits>

namespace archival::adapters::host {

BodyLimitedTcpServer::BodyLimitedTcpServer(qint64 maxBodyBytes, QObject* parent)
    : QTcpServer(parent), maxBodyBytes_(maxBodyBytes) {}

void BodyLimitedTcpServer::incomingConnection(qintptr handle) {
    auto* socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(handle)) {
        delete socket;
        return;
    }
    // Connected before the HTTP server connects its own reader, so it runs first.
    new RequestSizeWatch(socket, maxBodyBytes_);
    addPendingConnection(socket);
}

RequestSizeWatch::RequestSizeWatch(QTcpSocket* socket, qint64 maxBodyBytes)
    : QObject(socket), socket_(socket), maxBodyBytes_(maxBodyBytes) {
    connect(socket, &QTcpSocket::readyRead, this, &RequestSizeWatch::onReadyRead);
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
        if (bodyLeft_ > 0) {
            const qint64 n = std::min<qint64>(bodyLeft_, data.size());
            bodyLeft_ -= n;
            data.remove(0, int(n));
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
