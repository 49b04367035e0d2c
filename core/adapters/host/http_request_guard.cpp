#include "adapters/host/http_request_guard.h"

#include <QHostInfo>
#include <QHttpServerRequest>
#include <QNetworkInterface>
#include <QUrl>

namespace archival::adapters::host {

namespace {

using Status = QHttpServerResponse::StatusCode;

bool isAnyAddress(const QHostAddress& a) {
    return a == QHostAddress::Any || a == QHostAddress::AnyIPv4 || a == QHostAddress::AnyIPv6;
}

// "name:port", "[::1]:port" or "name": the name, without brackets, lower case.
QString nameOf(const QByteArray& authority) {
    const QUrl url(QStringLiteral("http://") + QString::fromLatin1(authority));
    return url.isValid() ? url.host().toLower() : QString();
}

}  // namespace

QByteArray headerValue(const QHttpServerRequest& request, const QByteArray& name) {
    for (const auto& [key, value] : request.headers())
        if (key.compare(name, Qt::CaseInsensitive) == 0) return value.trimmed();
    return {};
}

HttpRequestGuard::HttpRequestGuard(const HostSettings& settings, quint16 ownPort)
    : settings_(settings), ownPort_(ownPort) {}

bool HttpRequestGuard::hostNameAllowed(const QString& name) const {
    if (name.isEmpty()) return false;
    for (const QString& allowed : settings_.allowedHosts)
        if (allowed == QLatin1String("*") || allowed.compare(name, Qt::CaseInsensitive) == 0)
            return true;
    // A name the curator allowed a page origin for is a name this host is reached by.
    for (const QString& origin : settings_.allowedOrigins)
        if (origin != QLatin1String("*") &&
            QUrl(origin).host().compare(name, Qt::CaseInsensitive) == 0)
            return true;
    const QHostAddress literal(name);
    const QHostAddress& listen = settings_.address;
    const bool any = isAnyAddress(listen);
    // Loopback names only reach a host that listens on loopback (or everywhere).
    if (listen.isLoopback() || any) {
        if (name == QLatin1String("localhost") || name.endsWith(QLatin1String(".localhost")))
            return true;
        if (!literal.isNull() && literal.isLoopback()) return true;
    }
    if (!literal.isNull()) {
        if (literal.isEqual(listen, QHostAddress::TolerantConversion)) return true;
        if (any) return QNetworkInterface::allAddresses().contains(literal);
        return false;
    }
    // Listening everywhere: this machine's own name too (a rebinding page's name is not it).
    if (any) {
        const QString self = QHostInfo::localHostName().toLower();
        return name == self || name == self + QLatin1String(".local");
    }
    return false;
}

std::optional<HttpRefusal> HttpRequestGuard::checkHost(const QByteArray& host) const {
    // HTTP/1.0 tools may send none; every browser (the rebinding case) sends one.
    if (host.isEmpty()) return std::nullopt;
    if (hostNameAllowed(nameOf(host))) return std::nullopt;
    // 421: this server does not answer for that name (the request was meant for another).
    return HttpRefusal{Status::MisdirectedRequest, QStringLiteral("host_not_allowed"),
                       QStringLiteral("this host does not answer to the name in the Host header; "
                                      "allow it with --allowed-host NAME")};
}

std::optional<HttpRefusal> HttpRequestGuard::checkOrigin(const QByteArray& origin,
                                                         const QByteArray& host) const {
    if (origin.isEmpty()) return std::nullopt;  // not a browser: the token rules apply
    const QString text = QString::fromLatin1(origin);
    for (const QString& allowed : settings_.allowedOrigins)
        if (allowed == QLatin1String("*") || allowed.compare(text, Qt::CaseInsensitive) == 0)
            return std::nullopt;
    // The host's own page: its origin names this server's port and a name this host has.
    const QUrl url(text);
    const int defaultPort = url.scheme() == QLatin1String("https") ? 443 : 80;
    const bool ownPage = url.isValid() && url.port(defaultPort) == int(ownPort_) &&
                         hostNameAllowed(url.host().toLower()) &&
                         (host.isEmpty() || nameOf(host) == url.host().toLower());
    if (ownPage) return std::nullopt;
    return HttpRefusal{Status::Forbidden, QStringLiteral("origin_not_allowed"),
                       QStringLiteral("requests from the page at this Origin are not allowed; "
                                      "allow it with --origin URL")};
}

std::optional<HttpRefusal> HttpRequestGuard::checkContentType(const QByteArray& contentType) {
    // A page may POST text/plain or a form to any address without asking (no preflight);
    // JSON it may not, so a JSON-only write cannot be forged cross-site.
    const QByteArray mime = contentType.split(';').first().trimmed().toLower();
    if (mime == "application/json") return std::nullopt;
    return HttpRefusal{
        Status::UnsupportedMediaType, QStringLiteral("unsupported_media_type"),
        QStringLiteral("this route takes a JSON body: send 'Content-Type: application/json'")};
}

std::optional<HttpRefusal> HttpRequestGuard::checkBodySize(qint64 bytes) const {
    if (bytes <= settings_.limits.maxBodyBytes) return std::nullopt;
    return HttpRefusal{Status::PayloadTooLarge, QStringLiteral("body_too_large"),
                       QStringLiteral("the body has %1 bytes; at most %2 are allowed")
                           .arg(bytes)
                           .arg(settings_.limits.maxBodyBytes)};
}

std::optional<HttpRefusal> HttpRequestGuard::check(const QHttpServerRequest& request,
                                                   bool write) const {
    const QByteArray host = headerValue(request, "Host");
    if (auto r = checkHost(host)) return r;
    if (auto r = checkOrigin(headerValue(request, "Origin"), host)) return r;
    if (!write) return std::nullopt;
    const QByteArray contentType = headerValue(request, "Content-Type");
    // A write that carries nothing and says nothing (the reference's callers POST
    // clear_cache that way) forges no data; a page's bodyless cross-site request is
    // refused above by its Origin or, rebound, by its Host.
    if (request.body().isEmpty() && contentType.isEmpty()) return std::nullopt;
    if (auto r = checkContentType(contentType)) return r;
    // The socket watcher refuses most oversized bodies before they are read; this catches
    // the rest (TLS connections, which it does not watch).
    return checkBodySize(request.body().size());
}

}  // namespace archival::adapters::host
