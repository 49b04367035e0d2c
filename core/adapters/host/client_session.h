#pragma once
// One attached client of the exhibition host: its WebSocket, its authentication (token in
// the URL or in hello, within the time limit), its rate limit, and the answers to its
// messages (hello, generate, cancel, subscribe, ping). Jobs it submits are handed to the
// JobFanOut, which sends their events to every client that watches them.
//
// On the path /ws a connection whose first message is not a JSON object is the exhibition
// client: it speaks the live dialect for its whole life (live_dialect.h), and hears of its own
// jobs only, in that dialect.
//
// The ExhibitionHost creates a session per admitted connection and deletes it once the socket
// has gone; the session never deletes itself or its socket.

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <memory>

#include "adapters/host/host_protocol.h"
#include "adapters/host/host_settings.h"
#include "adapters/host/job_runner.h"
#include "adapters/host/rate_limiter.h"

class QWebSocket;

namespace archival::adapters::host {

class AuthFailureLimiter;
class JobFanOut;
class LiveDialect;

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
    bool live = false;  // speaks the exhibition client's live dialect (/ws)
};

class ClientSession : public QObject {
    Q_OBJECT
  public:
    // `settings` is the host's, read live (the token may change while the client is attached);
    // it, `socket`, `jobs` and `authFailures` (the host's, shared by all its sessions) must
    // outlive the session.
    ClientSession(QString id, QWebSocket* socket, QString address, const HostSettings& settings,
                  JobRunner* runner, JobFanOut* jobs, AuthFailureLimiter* authFailures,
                  QObject* parent = nullptr);
    ~ClientSession() override;

    // Authenticates at once when the host needs no token or the URL carries one; otherwise
    // waits authTimeoutMs for a hello with the token, then closes.
    void beginAuthentication();
    // Closes the WebSocket once (later calls do nothing); its `disconnected` follows, at the
    // latest close-grace-ms later: a peer that does not answer the close is dropped then, and
    // with it whatever was still queued for it.
    void close(CloseCode code, const QString& reason);
    // Sends a JSON event unless the session is closing.
    void send(const QJsonObject& event);
    // Sends a text or binary message as it is, unless the session is closing.
    void sendText(const QString& text);
    void sendBinary(const QByteArray& bytes);
    // Sends a step preview unless the client's unsent backlog is over the limit
    // (send-buffer-bytes): then it is dropped, never queued, so a slow reader delays neither
    // the others nor generation. False when dropped.
    bool sendPreview(const QByteArray& bytes);
    // Before a job's final images: a client whose unsent backlog is still over
    // send-buffer-bytes is closed with 4008 (false); true when the finals may be queued.
    bool admitFinal();

    QString id() const { return id_; }
    const HostSettings& settings() const { return settings_; }
    QWebSocket* socket() const { return socket_; }
    ClientRole role() const { return role_; }
    Subscription subscription() const { return subscription_; }
    bool wantsPreviews() const { return previews_; }
    bool isAuthenticated() const { return authenticated_; }
    bool isClosing() const { return closing_; }
    bool speaksLiveDialect() const { return live_ != nullptr; }
    // On /ws before the first message: it may yet speak the live dialect, so it is sent no
    // protocol v1 events (an exhibition client would read them as its own answers).
    bool dialectUndecided() const { return onLivePath_ && !spoken_; }
    const QList<pipeline::JobId>& jobs() const { return jobs_; }
    ClientInfo info() const;

    // A job of this session was submitted (it counts against max-jobs-per-client and is
    // cancelled when the client goes); the fan-out says when it is over.
    void trackJob(pipeline::JobId job);
    void forgetJob(pipeline::JobId job) { jobs_.removeOne(job); }

  Q_SIGNALS:
    // What the host panel shows of the session changed (authenticated, hello, jobs, ...).
    void changed();
    // The token was right: the host may still turn the client away (max-clients), by closing.
    void authenticated();
    void logLine(const QString& line);

  private:
    void onTextMessage(const QString& text);
    void onBinaryMessage();
    void authenticate(const QString& presented, const QString& how);
    void handle(const ClientMessage& message);
    // On /ws, the first message decides: not a JSON object, and the live dialect it is.
    bool startsLiveDialect(const QString& text);
    void handleHello(const HelloMessage& hello, const QJsonValue& requestId);
    void handleGenerate(const GenerateMessage& g, const QJsonValue& requestId);
    void handleCancel(const CancelMessage& c, const QJsonValue& requestId);
    QJsonObject welcomeEvent() const;

    const QString id_;
    QWebSocket* const socket_;
    const QString address_;
    const HostSettings& settings_;
    QPointer<JobRunner> runner_;
    JobFanOut* const fanOut_;
    AuthFailureLimiter* const authFailures_;
    const bool onLivePath_;  // connected to /ws

    QString name_;
    ClientRole role_ = ClientRole::Display;
    Subscription subscription_ = Subscription::All;
    bool previews_ = true;
    bool authenticated_ = false;
    bool identified_ = false;
    bool closing_ = false;
    bool spoken_ = false;  // a message after authentication came
    RateLimiter limiter_;
    QElapsedTimer clock_;  // rate limiting
    // Waiting for the token in hello. A member, so it lives and dies with the session: it can
    // never fire into a session the host has already deleted.
    QTimer authTimer_;
    QTimer closeTimer_;  // close() sent, no answer yet: drops the connection (close-grace-ms)
    QList<pipeline::JobId> jobs_;
    int previewsDropped_ = 0;
    QDateTime connectedAt_ = QDateTime::currentDateTimeUtc();
    std::unique_ptr<LiveDialect> live_;
};

}  // namespace archival::adapters::host
