#include "adapters/host/exhibition_host.h"

#include <QCoreApplication>
#include <QFile>
#include <QHttpServerRequest>
#include <QJsonArray>
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
#include "adapters/host/image_frame.h"
#include "adapters/host/rate_limiter.h"

namespace archival::adapters::host {

using pipeline::JobId;

struct ExhibitionHost::Client {
    QString id;
    QWebSocket* socket = nullptr;
    QString name;
    QString address;
    ClientRole role = ClientRole::Display;
    Subscription subscription = Subscription::All;
    bool previews = true;
    bool authenticated = false;
    bool identified = false;
    bool closing = false;
    RateLimiter limiter;
    QTimer* authTimer = nullptr;
    QList<JobId> jobs;
    int previewsDropped = 0;
    QDateTime connectedAt = QDateTime::currentDateTimeUtc();

    explicit Client(const HostLimits& limits)
        : limiter(limits.messagesPerSecond, limits.floodFactor) {}
};

struct ExhibitionHost::Job {
    JobId id = 0;
    QString ownerId;  // the client that asked; it may be gone by now
    QString program;
    QString prompt;
    QJsonValue requestId;
    bool running = false;
    bool queuedSent = false;
    QElapsedTimer clock;  // from `started`
};

namespace {

QString peerText(const QWebSocket* socket) {
    const QHostAddress a = socket->peerAddress();
    const QString host = a.protocol() == QAbstractSocket::IPv6Protocol
                             ? QStringLiteral("[%1]").arg(a.toString())
                             : a.toString();
    return QStringLiteral("%1:%2").arg(host).arg(socket->peerPort());
}

QString quoted(const QString& text) {
    QString t = text.left(80);
    t.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return QLatin1Char('"') + t +
           (text.size() > 80 ? QStringLiteral("...\"") : QStringLiteral("\""));
}

qint64 nowMicros() {
    return QDateTime::currentMSecsSinceEpoch() * 1000;
}

}  // namespace

ExhibitionHost::ExhibitionHost(HostSettings settings, JobRunner* runner, QObject* parent)
    : QObject(parent), settings_(std::move(settings)), runner_(runner) {
    clock_.start();
    connect(runner, &JobRunner::queued, this, &ExhibitionHost::onQueued);
    connect(runner, &JobRunner::started, this, &ExhibitionHost::onStarted);
    connect(runner, &JobRunner::progress, this, &ExhibitionHost::onProgress);
    connect(runner, &JobRunner::finished, this, &ExhibitionHost::onFinished);
    connect(runner, &JobRunner::failed, this, &ExhibitionHost::onFailed);
    connect(runner, &JobRunner::cancelled, this, &ExhibitionHost::onCancelled);
}

ExhibitionHost::~ExhibitionHost() {
    stop();
    qDeleteAll(jobs_);
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
                    Q_EMIT logLine(QStringLiteral("refused a browser from origin %1 (not allowed)")
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
    Q_EMIT logLine(
        QStringLiteral("listening on %1%2")
            .arg(webSocketUrl(),
                 http_ ? QStringLiteral(", display page at ") + displayPageUrl() : QString()));
    Q_EMIT listeningChanged(true);
    return true;
}

void ExhibitionHost::stop() {
    if (!server_) return;
    const auto clients = clients_;
    for (Client* c : clients) {
        // Forget the clients now; their sockets' last signals must not reach us.
        c->socket->disconnect(this);
        closeClient(c, CloseCode::Normal, QStringLiteral("host stopping"));
        c->socket->deleteLater();
        if (c->authTimer) c->authTimer->deleteLater();
        delete c;
    }
    clients_.clear();
    server_->close();
    server_.reset();
    http_.reset();
    Q_EMIT logLine(QStringLiteral("stopped listening"));
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

bool ExhibitionHost::authorizeHttp(const QHttpServerRequest& request) const {
    if (!settings_.tokenRequired()) return true;
    const QByteArray authorization = request.value(QByteArrayLiteral("Authorization"));
    if (authorization.startsWith("Bearer "))
        return tokensEqual(QString::fromUtf8(authorization.mid(7).trimmed()), settings_.token);
    return tokensEqual(request.query().queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded),
                       settings_.token);
}

QList<ClientInfo> ExhibitionHost::clients() const {
    QList<ClientInfo> out;
    for (const Client* c : clients_) {
        if (!c->authenticated || c->closing) continue;
        out.append({c->id, c->name, c->address, c->role, c->subscription, c->previews,
                    c->identified, c->jobs, c->previewsDropped, c->connectedAt});
    }
    return out;
}

bool ExhibitionHost::disconnectClient(const QString& clientId) {
    Client* c = findClient(clientId);
    if (!c) return false;
    Q_EMIT logLine(QStringLiteral("client %1 disconnected by the host").arg(c->id));
    closeClient(c, CloseCode::Normal, QStringLiteral("disconnected by the host"));
    return true;
}

QList<JobId> ExhibitionHost::activeJobs() const {
    return jobs_.keys();
}

int ExhibitionHost::cancelAllJobs() {
    int n = 0;
    for (JobId id : jobs_.keys())
        if (runner_ && runner_->cancel(id)) ++n;
    return n;
}

ExhibitionHost::Client* ExhibitionHost::findClient(const QString& id) const {
    for (Client* c : clients_)
        if (c->id == id) return c;
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

void ExhibitionHost::acceptConnections() {
    while (server_ && server_->hasPendingConnections()) {
        QWebSocket* socket = server_->nextPendingConnection();
        const QString address = peerText(socket);
        if (clients_.size() >= settings_.limits.maxClients) {
            socket->sendTextMessage(toText(errorEvent(
                ProtocolError::TooManyClients,
                QStringLiteral("the host already serves %1 clients").arg(clients_.size()))));
            socket->close(QWebSocketProtocol::CloseCode(CloseCode::TryAgainLater),
                          QStringLiteral("too many clients"));
            connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
            Q_EMIT logLine(QStringLiteral("refused %1: too many clients").arg(address));
            continue;
        }
        auto* c = new Client(settings_.limits);
        c->id = QStringLiteral("c%1").arg(nextClientNumber_++);
        c->socket = socket;
        c->address = address;
        socket->setParent(this);
        socket->setMaxAllowedIncomingMessageSize(quint64(settings_.limits.hardMessageBytes));
        socket->setMaxAllowedIncomingFrameSize(quint64(settings_.limits.hardMessageBytes));
        clients_.append(c);
        connect(socket, &QWebSocket::textMessageReceived, this,
                [this, c](const QString& text) { onTextMessage(c, text); });
        connect(socket, &QWebSocket::binaryFrameReceived, this,
                [this, c](const QByteArray&, bool isLast) {
                    if (isLast) onBinaryMessage(c);
                });
        // Queued: close() may report `disconnected` at once, inside a handler still using `c`.
        connect(
            socket, &QWebSocket::disconnected, this,
            [this, id = c->id] {
                if (Client* gone = findClient(id)) onDisconnected(gone);
            },
            Qt::QueuedConnection);
        Q_EMIT logLine(QStringLiteral("client %1 connected from %2").arg(c->id, address));

        const QString presented = QUrlQuery(socket->requestUrl())
                                      .queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
        if (!settings_.tokenRequired()) {
            c->authenticated = true;
        } else if (!presented.isEmpty()) {
            authenticate(c, presented, QStringLiteral("URL"));
        } else {
            c->authTimer = new QTimer(this);
            c->authTimer->setSingleShot(true);
            connect(c->authTimer, &QTimer::timeout, this, [this, c] {
                Q_EMIT logLine(QStringLiteral("client %1 refused: no token in time").arg(c->id));
                closeClient(c, CloseCode::PolicyViolation,
                            QStringLiteral("authentication required"));
            });
            c->authTimer->start(settings_.limits.authTimeoutMs);
        }
        if (c->authenticated) Q_EMIT clientsChanged();
    }
}

void ExhibitionHost::authenticate(Client* c, const QString& presented, const QString& how) {
    if (c->authTimer) c->authTimer->stop();
    if (tokensEqual(presented, settings_.token)) {
        c->authenticated = true;
        Q_EMIT logLine(QStringLiteral("client %1 authenticated (token in %2)").arg(c->id, how));
        return;
    }
    Q_EMIT logLine(
        QStringLiteral("client %1 refused: %2 token")
            .arg(c->id, presented.isEmpty() ? QStringLiteral("missing") : QStringLiteral("wrong")));
    closeClient(c, CloseCode::PolicyViolation, QStringLiteral("authentication failed"));
}

void ExhibitionHost::onTextMessage(Client* c, const QString& text) {
    if (c->closing) return;
    switch (c->limiter.admit(clock_.elapsed())) {
        case RateLimiter::Verdict::Allowed:
            break;
        case RateLimiter::Verdict::Limited:
            send(c, errorEvent(ProtocolError::RateLimited,
                               QStringLiteral("more than %1 messages in one second; this one "
                                              "was ignored")
                                   .arg(settings_.limits.messagesPerSecond)));
            return;
        case RateLimiter::Verdict::Flood:
            Q_EMIT logLine(QStringLiteral("client %1 closed: message flood").arg(c->id));
            closeClient(c, CloseCode::PolicyViolation, QStringLiteral("too many messages"));
            return;
    }
    const ParseResult parsed = parseClientMessage(text, settings_.limits);
    if (!c->authenticated) {
        // Before the token, only a hello carrying it is understood.
        const bool hello =
            parsed.message && std::holds_alternative<HelloMessage>(parsed.message->body);
        if (!hello) {
            Q_EMIT logLine(
                QStringLiteral("client %1 refused: spoke before authenticating").arg(c->id));
            closeClient(c, CloseCode::PolicyViolation, QStringLiteral("authentication required"));
            return;
        }
        authenticate(c, std::get<HelloMessage>(parsed.message->body).token,
                     QStringLiteral("hello"));
        if (!c->authenticated) return;
        Q_EMIT clientsChanged();
    }
    if (parsed.error) {
        send(c, errorEvent(parsed.error->code, parsed.error->message, parsed.error->requestId,
                           parsed.error->field));
        return;
    }
    handle(c, *parsed.message);
}

void ExhibitionHost::onBinaryMessage(Client* c) {
    if (c->closing) return;
    if (c->limiter.admit(clock_.elapsed()) == RateLimiter::Verdict::Flood) {
        closeClient(c, CloseCode::PolicyViolation, QStringLiteral("too many messages"));
        return;
    }
    if (!c->authenticated) {
        closeClient(c, CloseCode::PolicyViolation, QStringLiteral("authentication required"));
        return;
    }
    send(c, errorEvent(ProtocolError::BinaryNotAccepted,
                       QStringLiteral("the host accepts text frames only (JSON or 'P0:prompt')")));
}

void ExhibitionHost::handle(Client* c, const ClientMessage& message) {
    const QJsonValue& id = message.requestId;
    if (const auto* hello = std::get_if<HelloMessage>(&message.body)) {
        handleHello(c, *hello, id);
    } else if (const auto* g = std::get_if<GenerateMessage>(&message.body)) {
        handleGenerate(c, *g, id);
    } else if (const auto* cancel = std::get_if<CancelMessage>(&message.body)) {
        handleCancel(c, *cancel, id);
    } else if (const auto* s = std::get_if<SubscribeMessage>(&message.body)) {
        c->subscription = s->jobs;
        c->previews = s->previews;
        send(c, withRequestId({{QStringLiteral("type"), QStringLiteral("subscribed")},
                               {QStringLiteral("jobs"), subscriptionName(s->jobs)},
                               {QStringLiteral("previews"), s->previews}},
                              id));
        Q_EMIT clientsChanged();
    } else {
        send(c, withRequestId({{QStringLiteral("type"), QStringLiteral("pong")},
                               {QStringLiteral("time"), QDateTime::currentMSecsSinceEpoch()}},
                              id));
    }
}

void ExhibitionHost::handleHello(Client* c, const HelloMessage& hello, const QJsonValue& id) {
    if (c->identified) {
        send(c, errorEvent(ProtocolError::AlreadyIdentified,
                           QStringLiteral("hello was already sent on this connection"), id));
        return;
    }
    if (hello.protocol && *hello.protocol != kProtocolVersion) {
        send(c, errorEvent(ProtocolError::UnsupportedVersion,
                           QStringLiteral("this host speaks protocol %1, not %2")
                               .arg(kProtocolVersion)
                               .arg(*hello.protocol),
                           id, QStringLiteral("protocol")));
        closeClient(c, CloseCode::UnsupportedVersion, QStringLiteral("unsupported protocol"));
        return;
    }
    c->identified = true;
    c->role = hello.role;
    c->name = hello.name;
    c->subscription = hello.subscription.value_or(
        hello.role == ClientRole::Display ? Subscription::All : Subscription::Mine);
    send(c, withRequestId(welcomeEvent(c), id));
    Q_EMIT logLine(
        QStringLiteral("client %1 is %2 %3, watching %4 jobs")
            .arg(c->id, roleName(c->role), quoted(c->name), subscriptionName(c->subscription)));
    Q_EMIT clientsChanged();
}

QJsonObject ExhibitionHost::welcomeEvent(const Client* c) const {
    QJsonArray programs;
    if (runner_)
        for (const ProgramSummary& p : runner_->programs())
            programs.append(QJsonObject{{QStringLiteral("id"), p.id},
                                        {QStringLiteral("title"), p.title},
                                        {QStringLiteral("kind"), p.kind},
                                        {QStringLiteral("steps"), p.steps},
                                        {QStringLiteral("width"), p.width},
                                        {QStringLiteral("height"), p.height}});
    const HostLimits& l = settings_.limits;
    return {{QStringLiteral("type"), QStringLiteral("welcome")},
            {QStringLiteral("protocol"), kProtocolVersion},
            {QStringLiteral("server"),
             QStringLiteral("archival-studio %1").arg(QCoreApplication::applicationVersion())},
            {QStringLiteral("client"), c->id},
            {QStringLiteral("role"), roleName(c->role)},
            {QStringLiteral("subscribe"), subscriptionName(c->subscription)},
            {QStringLiteral("programs"), programs},
            {QStringLiteral("limits"),
             QJsonObject{{QStringLiteral("max_message_bytes"), l.maxMessageBytes},
                         {QStringLiteral("max_prompt_chars"), l.maxPromptChars},
                         {QStringLiteral("max_jobs_per_client"), l.maxJobsPerClient},
                         {QStringLiteral("messages_per_second"), l.messagesPerSecond}}}};
}

void ExhibitionHost::handleGenerate(Client* c, const GenerateMessage& g, const QJsonValue& id) {
    if (!runner_) return;
    bool known = false;
    QStringList ids;
    for (const ProgramSummary& p : runner_->programs()) {
        ids << p.id;
        known = known || p.id == g.program;
    }
    if (!known) {
        send(c, errorEvent(ProtocolError::UnknownProgram,
                           QStringLiteral("no program '%1' (programs: %2)")
                               .arg(g.program.left(64), ids.join(QStringLiteral(", "))),
                           id, QStringLiteral("program")));
        return;
    }
    if (c->jobs.size() >= settings_.limits.maxJobsPerClient) {
        send(c, errorEvent(ProtocolError::TooManyJobs,
                           QStringLiteral("%1 jobs of this client are queued or running; at "
                                          "most %2 are allowed")
                               .arg(c->jobs.size())
                               .arg(settings_.limits.maxJobsPerClient),
                           id));
        return;
    }
    pipeline::JobRequest request;
    request.programId = g.program;
    request.prompt = g.prompt;
    request.seed = g.seed;
    request.priority = pipeline::JobPriority::Display;
    request.owner = QStringLiteral("ws:") + c->id;
    const JobId jobId = runner_->submit(request);
    auto* job = new Job;
    job->id = jobId;
    job->ownerId = c->id;
    job->program = g.program;
    job->prompt = g.prompt;
    job->requestId = id;
    jobs_.insert(jobId, job);
    c->jobs.append(jobId);
    Q_EMIT logLine(QStringLiteral("job %1 submitted by %2: %3 %4")
                       .arg(jobId)
                       .arg(c->id, g.program, quoted(g.prompt)));
    Q_EMIT clientsChanged();
    // `queued` answers the generate at once, before any later message is answered; the
    // runner's own `queued` signal for this job is then ignored.
    const bool early = earlyQueuedPositions_.contains(jobId);
    const int position =
        early ? earlyQueuedPositions_.take(jobId) : std::max(0, runner_->position(jobId));
    sendQueued(*job, position);
}

void ExhibitionHost::handleCancel(Client* c, const CancelMessage& cancel, const QJsonValue& id) {
    QList<JobId> targets;
    if (cancel.job) {
        const Job* job = jobs_.value(*cancel.job);
        if (!job) {
            send(c, errorEvent(ProtocolError::UnknownJob,
                               QStringLiteral("job %1 is not queued or running").arg(*cancel.job),
                               id, QStringLiteral("job")));
            return;
        }
        if (job->ownerId != c->id) {
            send(c, errorEvent(ProtocolError::NotYourJob,
                               QStringLiteral("job %1 belongs to another client").arg(*cancel.job),
                               id, QStringLiteral("job")));
            return;
        }
        targets.append(*cancel.job);
    } else {
        targets = c->jobs;
    }
    QJsonArray accepted;
    for (JobId job : targets)
        if (runner_ && runner_->cancel(job)) accepted.append(double(job));
    send(c, withRequestId({{QStringLiteral("type"), QStringLiteral("cancelling")},
                           {QStringLiteral("jobs"), accepted}},
                          id));
    Q_EMIT logLine(QStringLiteral("client %1 cancels %2 job(s)").arg(c->id).arg(accepted.size()));
}

void ExhibitionHost::onDisconnected(Client* c) {
    clients_.removeOne(c);
    const int code = int(c->socket->closeCode());
    Q_EMIT logLine(QStringLiteral("client %1 disconnected (%2)").arg(c->id).arg(code));
    // Its queued jobs go; its running one too, unless another display still watches it.
    for (JobId id : std::as_const(c->jobs)) {
        Job* job = jobs_.value(id);
        if (!job || !runner_) continue;
        bool watched = false;
        if (job->running && !settings_.cancelRunningOnDisconnect) watched = true;
        for (const Client* other : std::as_const(clients_))
            if (job->running && other->authenticated && !other->closing &&
                other->role == ClientRole::Display && other->subscription == Subscription::All)
                watched = true;
        if (watched) {
            Q_EMIT logLine(QStringLiteral("job %1 keeps running: other displays watch it").arg(id));
            continue;
        }
        runner_->cancel(id);
    }
    c->socket->deleteLater();
    if (c->authTimer) c->authTimer->deleteLater();
    delete c;
    Q_EMIT clientsChanged();
}

void ExhibitionHost::closeClient(Client* c, CloseCode code, const QString& reason) {
    if (c->closing) return;
    c->closing = true;
    if (c->authTimer) c->authTimer->stop();
    c->socket->close(QWebSocketProtocol::CloseCode(code), reason);
}

bool ExhibitionHost::watches(const Client* c, const Job& job) const {
    if (!c->authenticated || c->closing) return false;
    return c->subscription == Subscription::All || c->id == job.ownerId;
}

void ExhibitionHost::send(Client* c, const QJsonObject& event) {
    if (c->closing) return;
    c->socket->sendTextMessage(toText(event));
}

void ExhibitionHost::broadcast(const Job& job, const QJsonObject& event,
                               const QJsonObject& ownerExtra) {
    const QString text = toText(event);
    QString ownerText;
    if (!ownerExtra.isEmpty()) {
        QJsonObject merged = event;
        for (auto it = ownerExtra.begin(); it != ownerExtra.end(); ++it)
            merged.insert(it.key(), it.value());
        ownerText = toText(merged);
    }
    for (Client* c : std::as_const(clients_)) {
        if (!watches(c, job)) continue;
        const bool owner = c->id == job.ownerId;
        c->socket->sendTextMessage(owner && !ownerText.isEmpty() ? ownerText : text);
    }
}

void ExhibitionHost::onQueued(JobId id, int position) {
    Job* job = jobs_.value(id);
    if (!job) {
        // Emitted from inside submit(), before the host knew the id: sent right after.
        earlyQueuedPositions_.insert(id, position);
        return;
    }
    sendQueued(*job, position);
}

void ExhibitionHost::sendQueued(Job& job, int position) {
    if (job.queuedSent) return;
    job.queuedSent = true;
    const QJsonObject event{{QStringLiteral("type"), QStringLiteral("queued")},
                            {QStringLiteral("job"), double(job.id)},
                            {QStringLiteral("position"), position},
                            {QStringLiteral("program"), job.program},
                            {QStringLiteral("prompt"), job.prompt},
                            {QStringLiteral("owner"), job.ownerId}};
    QJsonObject extra;
    if (!job.requestId.isNull() && !job.requestId.isUndefined())
        extra.insert(QStringLiteral("request_id"), job.requestId);
    broadcast(job, event, extra);
    Q_EMIT logLine(QStringLiteral("job %1 queued at position %2").arg(job.id).arg(position));
}

void ExhibitionHost::onStarted(JobId id) {
    Job* job = jobs_.value(id);
    if (!job) return;
    job->running = true;
    job->clock.start();
    broadcast(*job, {{QStringLiteral("type"), QStringLiteral("started")},
                     {QStringLiteral("job"), double(id)},
                     {QStringLiteral("program"), job->program},
                     {QStringLiteral("prompt"), job->prompt}});
    Q_EMIT logLine(QStringLiteral("job %1 started").arg(id));
}

void ExhibitionHost::onProgress(JobId id, int step, int total, const QImage& preview) {
    Job* job = jobs_.value(id);
    if (!job) return;
    if (!job->clock.isValid()) job->clock.start();
    const double elapsed = job->clock.elapsed() / 1000.0;
    QJsonObject event{{QStringLiteral("type"), QStringLiteral("progress")},
                      {QStringLiteral("job"), double(id)},
                      {QStringLiteral("step"), step},
                      {QStringLiteral("total"), total},
                      {QStringLiteral("elapsed"), elapsed},
                      {QStringLiteral("preview"), !preview.isNull()}};
    event.insert(QStringLiteral("eta"),
                 step > 0 ? QJsonValue(elapsed / step * (total - step)) : QJsonValue());
    broadcast(*job, event);
    if (preview.isNull()) return;

    // One JPEG for every display; a display whose backlog is over the limit skips it.
    const QByteArray frame = encodeImageFrame(
        {FrameKind::Preview, id, ImageFormat::Jpeg, quint32(step), quint64(nowMicros())},
        encodeJpeg(preview));
    for (Client* c : std::as_const(clients_)) {
        if (!watches(c, *job) || !c->previews) continue;
        if (c->socket->bytesToWrite() + frame.size() > settings_.limits.sendBufferBytes) {
            if (c->previewsDropped++ == 0)
                Q_EMIT logLine(
                    QStringLiteral("client %1 reads slowly: dropping its previews").arg(c->id));
            continue;
        }
        c->socket->sendBinaryMessage(frame);
    }
}

void ExhibitionHost::onFinished(JobId id, const pipeline::JobResult& result) {
    Job* job = jobs_.value(id);
    if (!job) return;
    const double seconds = job->clock.isValid() ? job->clock.elapsed() / 1000.0 : 0.0;
    for (int i = 0; i < result.images.size(); ++i) {
        const QImage& image = result.images.at(i);
        QJsonObject metadata;
        QString parameters;
        if (i < result.metadata.size()) {
            metadata = result.metadata.at(i).toJson();
            parameters = result.metadata.at(i).a1111Parameters();
        }
        const QByteArray png = encodePng(image, toText(metadata), parameters);
        QJsonObject event{{QStringLiteral("type"), QStringLiteral("completed")},
                          {QStringLiteral("job"), double(id)},
                          {QStringLiteral("index"), i},
                          {QStringLiteral("count"), int(result.images.size())},
                          {QStringLiteral("format"), QStringLiteral("png")},
                          {QStringLiteral("width"), image.width()},
                          {QStringLiteral("height"), image.height()},
                          {QStringLiteral("bytes"), int(png.size())},
                          {QStringLiteral("seconds"), seconds},
                          {QStringLiteral("prompt"), job->prompt},
                          {QStringLiteral("metadata"), metadata}};
        if (!result.warnings.isEmpty())
            event.insert(QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings));
        QJsonObject extra;
        if (!job->requestId.isNull() && !job->requestId.isUndefined())
            extra.insert(QStringLiteral("request_id"), job->requestId);
        broadcast(*job, event, extra);
        // Finals are never dropped: a slow display still gets every image, late.
        const QByteArray frame = encodeImageFrame(
            {FrameKind::Final, id, ImageFormat::Png, quint32(i), quint64(nowMicros())}, png);
        for (Client* c : std::as_const(clients_))
            if (watches(c, *job)) c->socket->sendBinaryMessage(frame);
    }
    Q_EMIT logLine(QStringLiteral("job %1 completed in %2 s (%3 image(s))")
                       .arg(id)
                       .arg(seconds, 0, 'f', 2)
                       .arg(result.images.size()));
    endJob(id);
}

void ExhibitionHost::onFailed(JobId id, const pipeline::Error& error) {
    Job* job = jobs_.value(id);
    if (!job) {
        if (earlyQueuedPositions_.remove(id)) return;
        return;
    }
    QJsonObject event = errorEvent(ProtocolError::GenerationFailed, error.message);
    event.insert(QStringLiteral("job"), double(id));
    event.insert(QStringLiteral("reason"), error.codeName());
    QJsonObject extra;
    if (!job->requestId.isNull() && !job->requestId.isUndefined())
        extra.insert(QStringLiteral("request_id"), job->requestId);
    broadcast(*job, event, extra);
    Q_EMIT logLine(QStringLiteral("job %1 failed: %2").arg(id).arg(error.toString()));
    endJob(id);
}

void ExhibitionHost::onCancelled(JobId id) {
    Job* job = jobs_.value(id);
    if (!job) return;
    broadcast(*job, {{QStringLiteral("type"), QStringLiteral("cancelled")},
                     {QStringLiteral("job"), double(id)}});
    Q_EMIT logLine(QStringLiteral("job %1 cancelled").arg(id));
    endJob(id);
}

void ExhibitionHost::endJob(JobId id) {
    Job* job = jobs_.take(id);
    if (!job) return;
    if (Client* owner = findClient(job->ownerId)) owner->jobs.removeOne(id);
    delete job;
    Q_EMIT clientsChanged();
}

}  // namespace archival::adapters::host
