#pragma once
// The WebSocket host for exhibition screens (PROTOCOL.md beside this file). Screens and
// controllers attach over WebSocket, send the exhibition's "P0:prompt" command or JSON
// messages, and receive job events plus binary preview and final frames. Every job event
// goes to every client that watches it (subscription "all", or its own jobs), so several
// displays show one generation. A client that reads slowly gets fewer previews, never a
// longer queue: previews are dropped for it while its send backlog is above the limit.
//
//   ExhibitionHost host(settings, &backend);
//   if (!host.start()) qWarning() << host.errorString();
//
// Lives on one thread (the one with the event loop); the backend's signals must arrive there.

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <memory>

#include "adapters/host/host_protocol.h"
#include "adapters/host/host_settings.h"
#include "adapters/host/job_backend.h"

class QHttpServerRequest;
class QWebSocket;
class QWebSocketServer;
class QTimer;

namespace archival::adapters {
class BatchQueue;
}

namespace archival::adapters::host {

class DisplayPageServer;

// One attached client as the host panel shows it.
struct ClientInfo {
    QString id;       // "c1", "c2", ...: also the job owner "ws:<id>"
    QString name;     // from hello; empty for legacy clients
    QString address;  // "127.0.0.1:51234"
    ClientRole role = ClientRole::Display;
    Subscription subscription = Subscription::All;
    bool previews = true;
    bool identified = false;      // said hello
    QList<pipeline::JobId> jobs;  // its own jobs, queued or running
    int previewsDropped = 0;
    QDateTime connectedAt;
};

class ExhibitionHost : public QObject {
    Q_OBJECT
  public:
    ExhibitionHost(HostSettings settings, JobBackend* backend, QObject* parent = nullptr);
    ~ExhibitionHost() override;

    // Starts listening (WebSocket, and HTTP unless httpPort is -1). False with
    // errorString() when a port is taken, TLS files cannot be read, or a non-loopback
    // address has no token.
    bool start();
    // Closes every client (1000) and stops listening. Jobs are left to the caller.
    void stop();
    bool isListening() const;
    QString errorString() const { return error_; }

    HostSettings settings() const { return settings_; }
    // The token may change while listening (regenerate in the host panel); clients already
    // in keep their session.
    void setToken(const QString& token);
    // Where the next start() listens (the curator changed the address in the settings).
    void setListenAddress(const QHostAddress& address, quint16 port) {
        settings_.address = address;
        settings_.port = port;
    }
    quint16 port() const;            // the WebSocket port bound (after start)
    quint16 httpPort() const;        // 0 when HTTP is off
    QString webSocketUrl() const;    // "ws://127.0.0.1:8787/"
    QString displayPageUrl() const;  // "http://127.0.0.1:8788/" or empty

    // Mode B: serve the batch API (PROTOCOL.md) over this queue on the HTTP server, with the
    // same token rules. Set before start(); null (the default) leaves it out.
    void setBatchQueue(BatchQueue* queue) { batchQueue_ = queue; }
    BatchQueue* batchQueue() const { return batchQueue_; }
    // Whether an HTTP request carries what this host requires (token rules).
    bool authorizeHttp(const QHttpServerRequest& request) const;

    QList<ClientInfo> clients() const;
    bool disconnectClient(const QString& clientId);
    // Jobs this host submitted that are still queued or running.
    QList<pipeline::JobId> activeJobs() const;
    // Cancels every job this host submitted (serve on SIGTERM with --on-stop cancel).
    int cancelAllJobs();

  Q_SIGNALS:
    void clientsChanged();
    void listeningChanged(bool listening);
    // One line per event, for logs ("client c1 connected from 127.0.0.1:51234").
    void logLine(const QString& line);

  private:
    struct Client;
    struct Job;

    void acceptConnections();
    void onTextMessage(Client* client, const QString& text);
    void onBinaryMessage(Client* client);
    void onDisconnected(Client* client);
    void handle(Client* client, const ClientMessage& message);
    void handleHello(Client* client, const HelloMessage& hello, const QJsonValue& requestId);
    void handleGenerate(Client* client, const GenerateMessage& g, const QJsonValue& requestId);
    void handleCancel(Client* client, const CancelMessage& c, const QJsonValue& requestId);
    void authenticate(Client* client, const QString& presented, const QString& how);

    void onQueued(pipeline::JobId job, int position);
    void onStarted(pipeline::JobId job);
    void onProgress(pipeline::JobId job, int step, int total, const QImage& preview);
    void onFinished(pipeline::JobId job, const pipeline::JobResult& result);
    void onFailed(pipeline::JobId job, const pipeline::Error& error);
    void onCancelled(pipeline::JobId job);

    void sendQueued(Job& job, int position);
    void endJob(pipeline::JobId job);
    void send(Client* client, const QJsonObject& event);
    // Sends `event` to every client watching the job; the owner also gets `ownerExtra`.
    void broadcast(const Job& job, const QJsonObject& event,
                   const QJsonObject& ownerExtra = QJsonObject());
    bool watches(const Client* client, const Job& job) const;
    void closeClient(Client* client, CloseCode code, const QString& reason);
    QJsonObject welcomeEvent(const Client* client) const;
    Client* findClient(const QString& id) const;
    bool originAllowed(const QString& origin) const;

    HostSettings settings_;
    QPointer<JobBackend> backend_;
    std::unique_ptr<QWebSocketServer> server_;
    std::unique_ptr<DisplayPageServer> http_;
    QString error_;
    QList<Client*> clients_;
    QHash<pipeline::JobId, Job*> jobs_;
    QHash<pipeline::JobId, int> earlyQueuedPositions_;  // queued emitted inside submit()
    BatchQueue* batchQueue_ = nullptr;
    int nextClientNumber_ = 1;
    QElapsedTimer clock_;  // rate limiting
};

}  // namespace archival::adapters::host
