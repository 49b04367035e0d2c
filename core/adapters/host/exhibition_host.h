#pragma once
// The WebSocket host for exhibition screens (PROTOCOL.md beside this file). Screens and
// controllers attach over WebSocket, send the exhibition's "P0:prompt" command or JSON
// messages, and receive job events plus binary preview and final frames. Every job event
// goes to every client that watches it (subscription "all", or its own jobs), so several
// displays show one generation. A client that reads slowly gets fewer previews, never a
// longer queue: previews are dropped for it while its send backlog is above the limit.
//
//   ExhibitionHost host(settings, &runner);
//   if (!host.start()) qWarning() << host.errorString();
//
// This is the server: it listens (TLS when configured), admits connections (browser origins;
// max-clients for authenticated clients, a separate small pool, max-unauthenticated, for those
// still owing their token; failed tokens limited per address) and keeps the list of clients. Each
// client is a ClientSession (client_session.h: token, rate limit, messages); the jobs' events reach
// the clients through the JobFanOut (job_fan_out.h).
//
// Lives on one thread (the one with the event loop); the runner's signals must arrive there.

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <memory>

#include "adapters/batch/batch_queue.h"
#include "adapters/host/auth_failure_limiter.h"
#include "adapters/host/client_session.h"
#include "adapters/host/connect_rate_limiter.h"
#include "adapters/host/host_protocol.h"
#include "adapters/host/host_settings.h"
#include "adapters/host/job_runner.h"

class QHttpServerRequest;
class QWebSocketServer;

namespace archival::adapters {
class BatchQueue;
class BrokerSetQueue;
}  // namespace archival::adapters

namespace archival::adapters::host {

class DisplayPageServer;
class JobFanOut;

class ExhibitionHost : public QObject {
    Q_OBJECT
  public:
    ExhibitionHost(HostSettings settings, JobRunner* runner, QObject* parent = nullptr);
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
    // Mode B over a broker (`serve --broker`): the batch endpoints put sets on it instead of
    // a local queue; `naming` is how the workers name the sets' objects, with the caps.
    void setBatchBroker(BrokerSetQueue* broker, QueueSettings naming) {
        batchBroker_ = broker;
        brokerNaming_ = std::move(naming);
    }
    BrokerSetQueue* batchBroker() const { return batchBroker_; }
    const QueueSettings& brokerNaming() const { return brokerNaming_; }
    // Whether an HTTP request carries what this host requires (token rules). A wrong token
    // counts against its address as on the WebSocket; an address over the limit is refused
    // without comparing (a missing token is not a guess and does not count).
    bool authorizeHttp(const QHttpServerRequest& request);

    QList<ClientInfo> clients() const;
    bool disconnectClient(const QString& clientId);
    // Jobs this host submitted that are still queued or running.
    QList<pipeline::JobId> activeJobs() const;
    // Cancels every job this host submitted (serve on SIGTERM with --on-stop cancel).
    int cancelAllJobs();
    // Emits logLine with control characters escaped: every host line passes here, so a
    // client's name, Origin or prompt cannot write terminal escapes or a forged line.
    void log(const QString& line);

  Q_SIGNALS:
    void clientsChanged();
    void listeningChanged(bool listening);
    // One line per event, for logs ("client c1 connected from 127.0.0.1:51234"); no control
    // characters (log()).
    void logLine(const QString& line);

  private:
    void acceptConnections();
    // Turns a connection away before it has a session: an error (too_many_clients, or
    // rate_limited for an address reconnecting too often), then 4013.
    void refuse(QWebSocket* socket, const QString& address, const QString& why,
                ProtocolError code = ProtocolError::TooManyClients);
    // Sessions that have presented a token (or need none), and those still waiting to.
    int authenticatedCount() const;
    int awaitingTokenCount() const;
    void onDisconnected(ClientSession* session);
    ClientSession* findSession(const QString& id) const;
    bool originAllowed(const QString& origin) const;

    HostSettings settings_;
    QPointer<JobRunner> runner_;
    std::unique_ptr<QWebSocketServer> server_;
    std::unique_ptr<DisplayPageServer> http_;
    QString error_;
    QList<ClientSession*> sessions_;
    std::unique_ptr<JobFanOut> fanOut_;  // after sessions_: it reads that list
    BatchQueue* batchQueue_ = nullptr;
    BrokerSetQueue* batchBroker_ = nullptr;
    QueueSettings brokerNaming_;
    AuthFailureLimiter authFailures_;
    ConnectRateLimiter connects_;  // WebSocket connections per address
    int nextClientNumber_ = 1;
};

}  // namespace archival::adapters::host
