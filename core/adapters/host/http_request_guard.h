#pragma once
// The checks every request to the host's HTTP port passes before a route acts on it
// (PROTOCOL.md, "HTTP request checks"). They keep a web page the curator happens to visit
// from driving the host through the browser: cross-site writes (Content-Type), DNS
// rebinding (Host) and foreign pages reading answers (Origin); and they bound what one
// request may make the host keep (body size).

#include <QHttpServerResponse>
#include <QString>
#include <QStringList>
#include <optional>

#include "adapters/host/host_settings.h"

class QHttpServerRequest;

namespace archival::adapters::host {

// Why a request is refused: its HTTP status and a code and message each API puts in its own
// answer shape.
struct HttpRefusal {
    QHttpServerResponse::StatusCode status;
    QString code;
    QString message;
};

class HttpRequestGuard {
  public:
    // `ownPort`: the HTTP port the page is served on (its own origin).
    HttpRequestGuard(const HostSettings& settings, quint16 ownPort);

    // Host, Origin and (for `write` routes) Content-Type and body size, in that order.
    std::optional<HttpRefusal> check(const QHttpServerRequest& request, bool write) const;

    // Each check alone (the socket watcher and tests use them).
    std::optional<HttpRefusal> checkHost(const QByteArray& host) const;
    std::optional<HttpRefusal> checkOrigin(const QByteArray& origin, const QByteArray& host) const;
    static std::optional<HttpRefusal> checkContentType(const QByteArray& contentType);
    std::optional<HttpRefusal> checkBodySize(qint64 bytes) const;

    qint64 maxBodyBytes() const { return settings_.limits.maxBodyBytes; }
    int maxPromptChars() const { return settings_.limits.maxPromptChars; }

  private:
    bool hostNameAllowed(const QString& name) const;

    HostSettings settings_;
    quint16 ownPort_;
};

// A header's value, the name compared ignoring case; empty when absent.
QByteArray headerValue(const QHttpServerRequest& request, const QByteArray& name);

}  // namespace archival::adapters::host
