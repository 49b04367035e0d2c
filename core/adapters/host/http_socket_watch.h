#pragma once
// Qt 6.4's QHttpServer reads a request's whole body into memory before any route sees it,
// and has no size limit of its own. The host's HTTP port therefore listens through
// BodyLimitedTcpServer (BodyLimitedSslServer with TLS): each connection's bytes are looked at
// as they arrive (before Qt's parser takes them, after decryption), and a request whose
// declared body is over the limit, that sends its body chunked (no declared size), or whose
// header never ends is answered (413, 411, 431) and the connection closed, so no more than
// one read's worth of it is ever kept.
//
// It also keeps idle connections from holding the port: a connection has `idleMs` to send a
// whole request (from its start, or from its last answer going out; bytes trickling in do not
// extend it) and is closed after that, and at most `maxConnections` are open at once: one
// more closes the connection that has been waiting longest without a request in progress,
// so a flood of silent connections cannot keep a real request out. A connection waiting for
// its answer (a seed generate request waits for its sets) is never closed for idling.

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslServer>
#include <QTcpServer>
#include <QTimer>

class QTcpSocket;

namespace archival::adapters::host {

struct HttpConnectionLimits {
    qint64 maxBodyBytes = 64 * 1024;
    int idleMs = 10000;
    int maxConnections = 64;
};

// Follows one connection's requests (header, then as many body bytes as it declared).
class RequestSizeWatch : public QObject {
    Q_OBJECT
  public:
    static constexpr int kMaxHeaderBytes = 64 * 1024;

    RequestSizeWatch(QTcpSocket* socket, const HttpConnectionLimits& limits);

    // A whole request came in and its answer has not gone out yet.
    bool answerPending() const { return answerPending_; }
    void close();

  private:
    void onReadyRead();
    void take(QByteArray data);
    // The header is complete: false when the request was refused.
    bool headerDone(const QByteArray& header);
    void refuse(int status, const QByteArray& reason, const QString& code, const QString& message);
    // A request (header and declared body) is complete: no idling while it is answered.
    void requestComplete();
    void onBytesWritten();

    QTcpSocket* socket_;
    qint64 maxBodyBytes_;
    QByteArray header_;  // the current request's header, until its blank line
    QByteArray path_;
    qint64 bodyLeft_ = 0;
    bool inBody_ = false;  // the current request's header is done, its body not yet
    bool refused_ = false;
    bool answerPending_ = false;
    QTimer idle_;
};

// The connections of one listening socket: each new one gets its RequestSizeWatch, or is
// turned away when every open connection has a request in progress.
class HttpConnectionGuard : public QObject {
    Q_OBJECT
  public:
    explicit HttpConnectionGuard(HttpConnectionLimits limits, QObject* parent = nullptr);
    // Watches `socket` (before the HTTP server reads from it); false when there is no room:
    // the caller turns it away.
    bool admit(QTcpSocket* socket);
    const HttpConnectionLimits& limits() const { return limits_; }

  private:
    // Room for one more connection: false when every open one has a request in progress.
    bool makeRoom();

    HttpConnectionLimits limits_;
    QList<QPointer<RequestSizeWatch>> open_;  // oldest first
};

// Plain HTTP.
class BodyLimitedTcpServer : public QTcpServer {
    Q_OBJECT
  public:
    explicit BodyLimitedTcpServer(HttpConnectionLimits limits, QObject* parent = nullptr);

  protected:
    void incomingConnection(qintptr handle) override;

  private:
    HttpConnectionGuard guard_;
};

// HTTPS: the same watch on the decrypted bytes. The guard takes each connection as its TLS
// handshake starts, so the idle time and the connection cap count the handshake too.
class BodyLimitedSslServer : public QSslServer {
    Q_OBJECT
  public:
    BodyLimitedSslServer(HttpConnectionLimits limits, const QSslConfiguration& tls,
                         QObject* parent = nullptr);

  private:
    HttpConnectionGuard guard_;
};

}  // namespace archival::adapters::host
