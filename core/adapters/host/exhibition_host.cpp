#include "adapters/host/exhibition_host.h"

#include <QFile>
#include <QHttpServerRequest>
#include <QNetworkInterface>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>
#include <QWebSocketCorsAuthenticator>
#include <QWebSocketServer>

#include "adapters/host/access_token.h"
#include "adapters/host/display_page_server.h"
#include "adapters/host/job_fan_out.h"
#include "adapters/host/outgoing_text.h"

namespace archival::adapters::host {

namespace {

QString peerText(const QWebSocket* socket) {
    const QHostAddress a = socket->peerAddress();
    const QString host = a.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(a.toString())
                             : a.toString();
    return QStringLiteral("%1:%2").arg(host).arg(socket->peerPort());
}

}  // namespace

ExhibitionHost::ExhibitionHost(HostSettings settings, JobRunner* runner, QObject* parent)
    : QObject(parent),
      settings_(std::move(settings)),
      runner_(runner),
      fanOut_(std::make_unique<JobFanOut>(runner, &sessions_, settings_)),
      authFailures_(settings_.limits.authFailures, settings_.limits.authFailureWindowMs),
      connects_(settings_.limits.connectsPerAddress, settings_.limits.connectWindowMs) {
    connect(fanOut_.get(), &JobFanOut::logLine, this, &ExhibitionHost::log);
    connect(fanOut_.get(), &JobFanOut::jobsChanged, this, &ExhibitionHost::clientsChanged);
}

ExhibitionHost::~ExhibitionHost() {
    stop();
}

bool ExhibitionHost::start() {
    stop();
    error_.clear();
    if (settings_.tokenRequired() && settings_.token.isEmpty()) {
        error_ = QStringLiteral(
                     "listening on %1 needs an access token (loopback only works "
                     "without one)")
                     .arg(settings_.address.toString());
        return false;
    }
    const bool tls = settings_.tlsEnabled();
    server_ = std::make_unique<QWebSocketServer>(
        QStringLiteral("archival-studio"),
        tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode);
    QSslConfiguration ssl;
    if (tls) {
        QFile certFile(settings_.tlsCertificateFile), keyFile(settings_.tlsKeyFile);
        if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
            error_ = QStringLiteral("cannot read the TLS certificate %1 or key %2")
                         .arg(settings_.tlsCertificateFile, settings_.tlsKeyFile);
            server_.reset();
            return false;
        }
        const auto chain = QSslCertificate::fromData(certFile.readAll(), QSsl::Pem);
        const QByteArray keyBytes = keyFile.readAll();
        QSslKey key(keyBytes, QSsl::Rsa, QSsl::Pem);
        if (key.isNull()) key = QSslKey(keyBytes, QSsl::Ec, QSsl::Pem);
        if (chain.isEmpty() || key.isNull()) {
            error_ = QStringLiteral("the TLS certificate %1 or key %2 is not valid PEM")
                         .arg(settings_.tlsCertificateFile, settings_.tlsKeyFile);
            server_.reset();
            return false;
        }
        ssl = QSslConfiguration::defaultConfiguration();
        ssl.setLocalCertificateChain(chain);
        ssl.setPrivateKey(key);
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        server_->setSslConfiguration(ssl);
    }
    connect(server_.get(), &QWebSocketServer::originAuthenticationRequired, this,
            [this](QWebSocketCorsAuthenticator* auth) {
                const bool allowed = originAllowed(auth->origin());
                auth->setAllowed(allowed);
                if (!allowed)
                    log(QStringLiteral("refused a browser from origin %1 (not allowed)")
                            .arg(auth->origin()));
            });
    connect(server_.get(), &QWebSocketServer::newConnection, this,
            &ExhibitionHost::acceptConnections);
    if (!server_->listen(settings_.address, settings_.port)) {
        error_ = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(settings_.address.toString())
                     .arg(settings_.port)
                     .arg(server_->errorString());
        server_.reset();
        return false;
    }
    const int httpPort = settings_.httpPortFor(server_->serverPort());
    if (httpPort >= 0) {
        http_ = std::make_unique<DisplayPageServer>(this);
        if (!http_->listen(settings_.address, quint16(httpPort), tls ? &ssl : nullptr)) {
            error_ = http_->errorString();
            http_.reset();
            server_.reset();
            return false;
        }
    }
    log(QStringLiteral("listening on %1%2")
            .arg(webSocketUrl(),
                 http_ ? QStringLiteral(", display page at ") + displayPageUrl() : QString()));
    Q_EMIT listeningChanged(true);
    return true;
}

void ExhibitionHost::stop() {
    if (!server_) return;
    const auto sessions = sessions_;
    for (ClientSession* s : sessions) {
        // Forget the clients now; their sockets' last signals must not reach us.
        QWebSocket* socket = s->socket();
        socket->disconnect(this);
        s->close(CloseCode::Normal, QStringLiteral("host stopping"));
        socket->deleteLater();
        delete s;
    }
    sessions_.clear();
    server_->close();
    server_.reset();
    http_.reset();
    log(QStringLiteral("stopped listening"));
    Q_EMIT listeningChanged(false);
    Q_EMIT clientsChanged();
}

bool ExhibitionHost::isListening() const {
    return server_ && server_->isListening();
}

void ExhibitionHost::setToken(const QString& token) {
    settings_.token = token;
}

quint16 ExhibitionHost::port() const {
    return server_ ? server_->serverPort() : 0;
}

quint16 ExhibitionHost::httpPort() const {
    return http_ ? http_->port() : 0;
}

static QString hostText(const QHostAddress& a) {
    if (a == QHostAddress::Any || a == QHostAddress::AnyIPv4) return QStringLiteral("127.0.0.1");
    if (a == QHostAddress::AnyIPv6) return QStringLiteral("[::1]");
    return a.protocol() == QAbstractSocket::IPv6Protocol ? QStringLiteral("[%1]").arg(a.toString())
                                                         : a.toString();
}

QString ExhibitionHost::webSocketUrl() const {
    if (!server_) return {};
    return QStringLiteral("%1://%2:%3/")
        .arg(settings_.tlsEnabled() ? QStringLiteral("wss") : QStringLiteral("ws"),
             hostText(settings_.address))
        .arg(port());
}

QString ExhibitionHost::displayPageUrl() const {
    if (!http_) return {};
    return QStringLiteral("%1://%2:%3/")
        .arg(settings_.tlsEnabled() ? QStringLiteral("https") : QStringLiteral("http"),
             hostText(settings_.address))
        .arg(httpPort());
}

bool ExhibitionHost::authorizeHttp(const QHttpServerRequest& request) {
    if (!settings_.tokenRequired()) return true;
    const QByteArray authorization = request.value(QByteArrayLiteral("Authorization"));
    const QString presented =
        authorization.startsWith("Bearer ")
            ? QString::fromUtf8(authorization.mid(7).trimmed())
            : request.query().queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
    if (presented.isEmpty()) return false;
    const QHostAddress peer = request.remoteAddress();
    if (!authFailures_.allows(peer)) {
        log(QStringLiteral("HTTP request from %1 refused: %2 failed tokens from it lately; "
                           "token not compared")
                .arg(peer.toString())
                .arg(settings_.limits.authFailures));
        return false;
    }
    if (tokensEqual(presented, settings_.token)) return true;
    authFailures_.recordFailure(peer);
    return false;
}

QList<ClientInfo> ExhibitionHost::clients() const {
    QList<ClientInfo> out;
    for (const ClientSession* s : sessions_)
        if (s->isAuthenticated() && !s->isClosing()) out.append(s->info());
    return out;
}

bool ExhibitionHost::disconnectClient(const QString& clientId) {
    ClientSession* s = findSession(clientId);
    if (!s) return false;
    log(QStringLiteral("client %1 disconnected by the host").arg(s->id()));
    s->close(CloseCode::Normal, QStringLiteral("disconnected by the host"));
    return true;
}

QList<pipeline::JobId> ExhibitionHost::activeJobs() const {
    return fanOut_->jobIds();
}

int ExhibitionHost::cancelAllJobs() {
    return fanOut_->cancelAll();
}

void ExhibitionHost::log(const QString& line) {
    Q_EMIT logLine(escapeControlCharacters(line));
}

ClientSession* ExhibitionHost::findSession(const QString& id) const {
    for (ClientSession* s : sessions_)
        if (s->id() == id) return s;
    return nullptr;
}

bool ExhibitionHost::originAllowed(const QString& origin) const {
    // Non-browser clients send no Origin; the token protects against them.
    if (origin.isEmpty()) return true;
    for (const QString& allowed : settings_.allowedOrigins)
        if (allowed == QLatin1String("*") ||
            QString::compare(allowed, origin, Qt::CaseInsensitive) == 0)
            return true;
    // The host's own display page, reached through any of this machine's addresses.
    if (!http_) return false;
    const QUrl url(origin);
    if (url.port() != int(http_->port())) return false;
    if (url.host().compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0) return true;
    const QHostAddress host(url.host());
    if (host.isNull()) return false;
    if (host.isLoopback()) return true;
    return QNetworkInterface::allAddresses().contains(host);
}

int ExhibitionHost::authenticatedCount() const {
    int n = 0;
    for (const ClientSession* s : sessions_) n += s->isAuthenticated() ? 1 : 0;
    return n;
}

int ExhibitionHost::awaitingTokenCount() const {
    return int(sessions_.size()) - authenticatedCount();
}

void ExhibitionHost::refuse(QWebSocket* socket, const QString& address, const QString& why,
                            ProtocolError code) {
    // The server hands its sockets over without a parent: the host owns a refused one too,
    // or one still closing when the host goes is never deleted.
    socket->setParent(this);
    socket->sendTextMessage(toText(errorEvent(code, why)));
    socket->close(QWebSocketProtocol::CloseCode(CloseCode::TryAgainLater),
                  code == ProtocolError::RateLimited ? QStringLiteral("reconnecting too often")
                                                     : QStringLiteral("too many clients"));
    connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    // One that never answers the close is dropped all the same.
    QTimer::singleShot(settings_.limits.closeGraceMs, socket, &QWebSocket::abort);
    log(QStringLiteral("refused %1: %2").arg(address, why));
}

void ExhibitionHost::acceptConnections() {
    while (server_ && server_->hasPendingConnections()) {
        QWebSocket* socket = server_->nextPendingConnection();
        const QString address = peerText(socket);
        // Before anything else: an address reconnecting in a loop is slowed down here,
        // whatever it presents.
        if (!connects_.admit(socket->peerAddress())) {
            refuse(socket, address,
                   QStringLiteral("more than %1 connections from this address within %2 ms; "
                                  "try again later")
                       .arg(settings_.limits.connectsPerAddress)
                       .arg(settings_.limits.connectWindowMs),
                   ProtocolError::RateLimited);
            continue;
        }
        // A client with its token in the URL is authenticated (or refused) at once; one that
        // owes it waits in its own small pool, so waiting connections never take the places
        // of clients that have shown the token.
        const bool owesToken =
            settings_.tokenRequired() &&
            QUrlQuery(socket->requestUrl()).queryItemValue(QStringLiteral("token")).isEmpty();
        if (!owesToken && authenticatedCount() >= settings_.limits.maxClients) {
            refuse(socket, address,
                   QStringLiteral("the host already serves %1 clients").arg(authenticatedCount()));
            continue;
        }
        if (owesToken && awaitingTokenCount() >= settings_.limits.maxUnauthenticated) {
            refuse(socket, address,
                   QStringLiteral("%1 connections are already waiting to authenticate")
                       .arg(awaitingTokenCount()));
            continue;
        }
        socket->setParent(this);
        socket->setMaxAllowedIncomingMessageSize(quint64(settings_.limits.hardMessageBytes));
        socket->setMaxAllowedIncomingFrameSize(quint64(settings_.limits.hardMessageBytes));
        auto* s = new ClientSession(QStringLiteral("c%1").arg(nextClientNumber_++), socket, address,
                                    settings_, runner_, fanOut_.get(), &authFailures_);
        connect(s, &ClientSession::logLine, this, &ExhibitionHost::log);
        connect(s, &ClientSession::authenticated, this, [this, s] {
            // It counts itself now: beyond max-clients, it goes as any client too many.
            if (authenticatedCount() <= settings_.limits.maxClients) return;
            s->send(errorEvent(ProtocolError::TooManyClients,
                               QStringLiteral("the host already serves %1 clients")
                                   .arg(authenticatedCount() - 1)));
            log(QStringLiteral("client %1 refused: too many clients").arg(s->id()));
            s->close(CloseCode::TryAgainLater, QStringLiteral("too many clients"));
        });
        connect(s, &ClientSession::changed, this, &ExhibitionHost::clientsChanged);
        sessions_.append(s);
        // Queued: close() may report `disconnected` at once, inside a handler still using `s`.
        connect(
            socket, &QWebSocket::disconnected, this,
            [this, id = s->id()] {
                if (ClientSession* gone = findSession(id)) onDisconnected(gone);
            },
            Qt::QueuedConnection);
        log(QStringLiteral("client %1 connected from %2").arg(s->id(), address));
        s->beginAuthentication();
        if (s->isAuthenticated()) Q_EMIT clientsChanged();
    }
}

void ExhibitionHost::onDisconnected(ClientSession* s) {
    sessions_.removeOne(s);
    QWebSocket* socket = s->socket();
    log(QStringLiteral("client %1 disconnected (%2)").arg(s->id()).arg(int(socket->closeCode())));
    fanOut_->release(*s);
    socket->deleteLater();
    delete s;
    Q_EMIT clientsChanged();
}

}  // namespace archival::adapters::host
