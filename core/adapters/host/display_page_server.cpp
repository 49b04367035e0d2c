#include "adapters/host/display_page_server.h"

#include <QFile>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QSslConfiguration>

#include "adapters/host/batch_http_api.h"
#include "adapters/host/exhibition_host.h"
#include "adapters/host/host_protocol.h"
#include "adapters/host/http_socket_watch.h"
#include "adapters/host/seed_batch_api.h"

namespace archival::adapters::host {

namespace {

// The page is static: nothing secret in it (the token stays in the kiosk's URL).
QHttpServerResponse pageFile(const QString& name, const QByteArray& mime) {
    QFile f(QStringLiteral(":/archival/display/") + name);
    if (!f.open(QIODevice::ReadOnly))
        return QHttpServerResponse(QHttpServerResponse::StatusCode::NotFound);
    QHttpServerResponse response(mime, f.readAll());
    response.setHeader("Cache-Control", "no-store");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setHeader("Content-Security-Policy",
                       "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' blob: "
                       "data:; style-src 'self'; script-src 'self'");
    return response;
}

QHttpServerResponse jsonError(const QString& code, const QString& message,
                              QHttpServerResponse::StatusCode status) {
    return QHttpServerResponse(
        QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code},
                                                          {QStringLiteral("message"), message}}}},
        status);
}

QHttpServerResponse jsonError(const HttpRefusal& refusal) {
    return jsonError(refusal.code, refusal.message, refusal.status);
}

}  // namespace

DisplayPageServer::DisplayPageServer(ExhibitionHost* host)
    : host_(host), server_(std::make_unique<QHttpServer>()) {
    using Method = QHttpServerRequest::Method;
    server_->route(QStringLiteral("/"), Method::Get, [this](const QHttpServerRequest& request) {
        if (auto no = refusal(request, false)) return jsonError(*no);
        return pageFile(QStringLiteral("index.html"), "text/html; charset=utf-8");
    });
    server_->route(
        QStringLiteral("/display.js"), Method::Get, [this](const QHttpServerRequest& request) {
            if (auto no = refusal(request, false)) return jsonError(*no);
            return pageFile(QStringLiteral("display.js"), "text/javascript; charset=utf-8");
        });
    server_->route(QStringLiteral("/display.css"), Method::Get,
                   [this](const QHttpServerRequest& request) {
                       if (auto no = refusal(request, false)) return jsonError(*no);
                       return pageFile(QStringLiteral("display.css"), "text/css; charset=utf-8");
                   });
    server_->route(
        QStringLiteral("/api/v1/host"), Method::Get, [this](const QHttpServerRequest& request) {
            if (auto no = refusal(request, false)) return jsonError(*no);
            return QHttpServerResponse(
                QJsonObject{{QStringLiteral("protocol"), kProtocolVersion},
                            {QStringLiteral("websocket_port"), int(host_->port())},
                            {QStringLiteral("tls"), host_->settings().tlsEnabled()},
                            {QStringLiteral("token_required"), host_->settings().tokenRequired()}});
        });
    if (host_->batchQueue() || host_->batchBroker()) {
        batchApi_ = std::make_unique<BatchHttpApi>(
            host_->batchQueue(),
            [this](const QHttpServerRequest& request) { return host_->authorizeHttp(request); },
            [this](const QString& line) { host_->log(line); });
        if (host_->batchBroker()) batchApi_->setBroker(host_->batchBroker(), host_->brokerNaming());
        batchApi_->setRequestCheck([this](const QHttpServerRequest& request, bool write) {
            return refusal(request, write);
        });
        batchApi_->setMaxPromptChars(host_->settings().limits.maxPromptChars);
        batchApi_->addRoutes(server_.get());
    }
    // The reference service's endpoints; without a queue they say what to configure.
    seedApi_ = std::make_unique<SeedBatchApi>(
        host_->batchQueue(),
        [this](const QHttpServerRequest& request) { return host_->authorizeHttp(request); },
        [this](const QString& line) { host_->log(line); });
    if (host_->batchBroker()) seedApi_->setBroker(host_->batchBroker(), host_->brokerNaming());
    seedApi_->setRequestCheck(
        [this](const QHttpServerRequest& request, bool write) { return refusal(request, write); });
    seedApi_->setMaxPromptChars(host_->settings().limits.maxPromptChars);
    seedApi_->addRoutes(server_.get());
    server_->setMissingHandler(
        [this](const QHttpServerRequest& request, QHttpServerResponder&& responder) {
            if (auto no = refusal(request, false))
                return jsonError(*no).write(std::move(responder));
            jsonError(QStringLiteral("not_found"),
                      QStringLiteral("no such resource: %1").arg(request.url().path()),
                      QHttpServerResponse::StatusCode::NotFound)
                .write(std::move(responder));
        });
}

DisplayPageServer::~DisplayPageServer() = default;

std::optional<HttpRefusal> DisplayPageServer::refusal(const QHttpServerRequest& request,
                                                      bool write) const {
    if (!guard_) return std::nullopt;
    return guard_->check(request, write);
}

bool DisplayPageServer::listen(const QHostAddress& address, quint16 port,
                               const QSslConfiguration* tls) {
    const HostSettings settings = host_->settings();
    const HttpConnectionLimits limits{settings.limits.maxBodyBytes, settings.limits.httpIdleMs,
                                      settings.limits.maxHttpConnections};
    // TLS or not, every connection goes through the same watch (http_socket_watch.h).
    QTcpServer* tcp =
        tls ? static_cast<QTcpServer*>(new BodyLimitedSslServer(limits, *tls, server_.get()))
            : new BodyLimitedTcpServer(limits, server_.get());
    if (tcp->listen(address, port)) {
        server_->bind(tcp);
        port_ = tcp->serverPort();
    } else {
        delete tcp;
        port_ = 0;
    }
    if (port_ != 0) guard_ = std::make_unique<HttpRequestGuard>(settings, port_);
    if (port_ == 0) {
        error_ = QStringLiteral("cannot serve the display page on %1:%2 (port taken?)")
                     .arg(address.toString())
                     .arg(port);
        return false;
    }
    return true;
}

}  // namespace archival::adapters::host
