#pragma once
// Qt 6.4's QHttpServer reads a request's whole body into memory before any route sees it,
// and has no size limit of its own. The host's HTTP port therefore listens through
// BodyLimitedTcpServer: each connection's bytes are looked at as they arrive (before Qt's
// parser takes them), and a request whose declared body is over the limit, that sends its
// body chunked (no declared size), or whose header never ends is answered (413, 411, 431)
// and the connection closed, so no more than one read's worth of it is ever kept.

#include <QByteArray>
#include <QObject>
#include <QTcpServer>

class QTcpSocket;

namespace archival::adapters::host {

class BodyLimitedTcpServer : public QTcpServer {
    Q_OBJECT
  public:
    BodyLimitedTcpServer(qint64 maxBodyBytes, QObject* parent = nullptr);

  protected:
    void incomingConnection(qintptr handle) override;

  private:
    qint64 maxBodyBytes_;
};

// Follows one connection's requests (header, then as many body bytes as it declared).
class RequestSizeWatch : public QObject {
    Q_OBJECT
  public:
    static constexpr int kMaxHeaderBytes = 64 * 1024;

    RequestSizeWatch(QTcpSocket* socket, qint64 maxBodyBytes);

  private:
    void onReadyRead();
    void take(QByteArray data);
    // The header is complete: false when the request was refused.
    bool headerDone(const QByteArray& header);
    void refuse(int status, const QByteArray& reason, const QString& code, const QString& message);

    QTcpSocket* socket_;
    qint64 maxBodyBytes_;
    QByteArray header_;  // the current request's header, until its blank line
    QByteArray path_;
    qint64 bodyLeft_ = 0;
    bool refused_ = false;
};

}  // namespace archival::adapters::host
