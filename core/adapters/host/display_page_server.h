#pragma once
// The host's HTTP side (QHttpServer): the display page for kiosk browsers, compiled in from
// resources/display/, and a small JSON description of the host the page reads to find the
// WebSocket. Listens on a sibling port of the WebSocket server.

#include <QHostAddress>
#include <QObject>
#include <QString>
#include <memory>
#include <optional>

#include "adapters/host/http_request_guard.h"

class QHttpServer;
class QSslConfiguration;
class QHttpServerRequest;

namespace archival::adapters::host {

class DisplayPageServer {
  public:
    explicit DisplayPageServer(class ExhibitionHost* host);
    ~DisplayPageServer();

    // Listens on `port` (0: any free one); `tls` set: HTTPS with that configuration. Plain
    // HTTP listens through BodyLimitedTcpServer (oversized bodies refused as they arrive);
    // over TLS the body limit is checked once Qt has read the body.
    bool listen(const QHostAddress& address, quint16 port, const QSslConfiguration* tls);
    quint16 port() const { return port_; }
    QString errorString() const { return error_; }
    QHttpServer* server() const { return server_.get(); }

  private:
    // Every route's Host and Origin checks, and for writes Content-Type and body size.
    std::optional<HttpRefusal> refusal(const QHttpServerRequest& request, bool write) const;

    ExhibitionHost* host_;
    std::unique_ptr<HttpRequestGuard> guard_;  // made once the port is known
    std::unique_ptr<class BatchHttpApi> batchApi_;
    std::unique_ptr<class SeedBatchApi> seedApi_;
    std::unique_ptr<QHttpServer> server_;
    quint16 port_ = 0;
    QString error_;
};

}  // namespace archival::adapters::host
