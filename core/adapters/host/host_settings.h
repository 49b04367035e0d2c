#pragma once
// How the exhibition host listens and what it allows. Defaults are safe for a studio on a
// desk: loopback only, no token needed there, origins limited to the host's own page.

#include <QHostAddress>
#include <QSettings>
#include <QString>
#include <QStringList>

#include "adapters/batch/queue_caps.h"

namespace archival::adapters::host {

// Every limit a client can run into. Going over one gets a typed `error` event; only abuse
// (a frame above `hardMessageBytes`, a flood far above `messagesPerSecond`) closes the
// connection.
struct HostLimits {
    int maxMessageBytes = 16 * 1024;     // larger text frames: error "message_too_large"
    int hardMessageBytes = 1024 * 1024;  // larger frames: close 1009 (Qt enforces it)
    int maxPromptChars = 1000;           // error "prompt_too_long"
    int maxClients = 64;                 // authenticated; one more: "too_many_clients", 4013
    int maxUnauthenticated = 8;          // waiting for their token, apart from maxClients;
                                         // one more: "too_many_clients", close 4013
    int maxJobsPerClient = 4;            // queued + running: error "too_many_jobs"
    int maxDisplayJobs = 32;             // of all clients together: error "too_many_jobs"
    int messagesPerSecond = 20;          // more: error "rate_limited", message ignored
    int floodFactor = 5;                 // > factor x the rate in one second: close 1008
    // Unsent bytes a client may have queued: above it previews are dropped, and a client
    // still above it when a final is due is closed with 4008 (PROTOCOL.md, "Slow readers").
    qint64 sendBufferBytes = 1024 * 1024;
    int authTimeoutMs = 5000;         // a token-required client must say hello by then
    int authFailures = 5;             // failed tokens from one address within the window:
    int authFailureWindowMs = 60000;  // further attempts refused, token not compared
    int closeGraceMs = 5000;          // a client that does not answer a close is dropped
    int connectsPerAddress = 120;     // WebSocket connections from one address within the
    int connectWindowMs = 10000;      // window; more: "rate_limited", close 4013
    qint64 maxBodyBytes = 64 * 1024;  // larger HTTP request bodies: 413 "body_too_large"
    int httpIdleMs = 10000;           // an HTTP connection without a whole request by then
                                      // (after it opened or its last answer) is closed
    int maxHttpConnections = 64;      // open at once; one more closes the oldest idle one
    // The batch queue's totals (max-queue-sets, max-queue-actions, max-queue-bytes): over
    // them the batch endpoints answer 429 "queue_full" or 413 "queue_too_large".
    QueueCaps queue;

    // "messages-per-second=100" -> sets the field; false (and `error`) for an unknown name
    // or a bad value. Names: max-message-bytes, hard-message-bytes, max-prompt-chars,
    // max-clients, max-unauthenticated, max-jobs-per-client, max-display-jobs,
    // messages-per-second, flood-factor, send-buffer-bytes, auth-timeout-ms, auth-failures,
    // auth-failure-window-ms, close-grace-ms, connects-per-address, connect-window-ms,
    // max-body-bytes, http-idle-ms,
    // max-http-connections, and QueueCaps' names.
    bool set(const QString& assignment, QString* error);
};

struct HostSettings {
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8787;  // WebSocket; 0 picks a free port
    // The display page and HTTP API: -1 off, 0 a free port, else this port. Default: the
    // WebSocket port + 1 (see httpPortFor()).
    int httpPort = -2;
    QString token;                        // required from every client when non-empty
    bool requireTokenOnLoopback = false;  // loopback binds accept clients without a token
                                          // unless this is set (and a token is given)
    // Browser origins allowed besides the host's own display page ("*" allows any).
    // Clients that send no Origin header (not browsers) are not affected.
    QStringList allowedOrigins;
    // Names the HTTP port answers to besides its listen address (and loopback names on a
    // loopback bind); other Host headers (DNS rebinding) are refused. "*" allows any.
    QStringList allowedHosts;
    QString tlsCertificateFile;  // PEM; both set: wss:// and https://
    QString tlsKeyFile;
    bool cancelRunningOnDisconnect = true;  // unless another display watches the job
    HostLimits limits;

    bool isLoopback() const;
    bool tlsEnabled() const { return !tlsCertificateFile.isEmpty() && !tlsKeyFile.isEmpty(); }
    // Whether clients must present `token`: always off loopback, on loopback only if asked.
    bool tokenRequired() const;
    int httpPortFor(quint16 boundWebSocketPort) const;
};

// Where the studio's host listens, in QSettings ("host/address", "host/port"): the only
// reader and writer of those keys. The Settings dialog edits it; the window's host applies it.
struct ListenAddress {
    QString address = QStringLiteral("127.0.0.1");
    int port = 8787;  // HostSettings' default, and serve's

    static ListenAddress load(const QSettings& settings);
    void save(QSettings& settings) const;
    // Sets `settings`' address (when it parses) and port.
    void applyTo(HostSettings* settings) const;
    bool operator==(const ListenAddress& o) const { return address == o.address && port == o.port; }
    bool operator!=(const ListenAddress& o) const { return !(*this == o); }
};

// "127.0.0.1:8787", "0.0.0.0:9000", "[::1]:8787", ":9000" (loopback), "9000"; false and a
// message when it does not parse.
bool parseListenAddress(const QString& text, QHostAddress* address, quint16* port, QString* error);

}  // namespace archival::adapters::host
