#include "adapters/host/client_session.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

#include "adapters/host/access_token.h"
#include "adapters/host/auth_failure_limiter.h"
#include "adapters/host/job_fan_out.h"
#include "adapters/host/live_dialect.h"

namespace archival::adapters::host {

using pipeline::JobId;

namespace {

QString quoted(const QString& text) {
    QString t = text.left(80);
    t.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return QLatin1Char('"') + t +
           (text.size() > 80 ? QStringLiteral("...\"") : QStringLiteral("\""));
}

}  // namespace

ClientSession::ClientSession(QString id, QWebSocket* socket, QString address,
                             const HostSettings& settings, JobRunner* runner, JobFanOut* jobs,
                             AuthFailureLimiter* authFailures, QObject* parent)
    : QObject(parent),
      id_(std::move(id)),
      socket_(socket),
      address_(std::move(address)),
      settings_(settings),
      runner_(runner),
      fanOut_(jobs),
      authFailures_(authFailures),
      onLivePath_(socket->requestUrl().path() == QLatin1String("/ws") ||
                  socket->requestUrl().path() == QLatin1String("/ws/")),
      limiter_(settings.limits.messagesPerSecond, settings.limits.floodFactor) {
    clock_.start();
    connect(socket_, &QWebSocket::textMessageReceived, this, &ClientSession::onTextMessage);
    connect(socket_, &QWebSocket::binaryFrameReceived, this,
            [this](const QByteArray&, bool isLast) {
                if (isLast) onBinaryMessage();
            });
}

ClientSession::~ClientSession() = default;

ClientInfo ClientSession::info() const {
    return {id_,         name_, address_,         role_,        subscription_,   previews_,
            identified_, jobs_, previewsDropped_, connectedAt_, live_ != nullptr};
}

void ClientSession::beginAuthentication() {
    const QString presented = QUrlQuery(socket_->requestUrl())
                                  .queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded);
    if (!settings_.tokenRequired()) {
        authenticated_ = true;
    } else if (!presented.isEmpty()) {
        authenticate(presented, QStringLiteral("URL"));
    } else {
        authTimer_.setSingleShot(true);
        connect(&authTimer_, &QTimer::timeout, this, [this] {
            Q_EMIT logLine(QStringLiteral("client %1 refused: no token in time").arg(id_));
            close(CloseCode::PolicyViolation, QStringLiteral("authentication required"));
        });
        authTimer_.start(settings_.limits.authTimeoutMs);
    }
}

void ClientSession::authenticate(const QString& presented, const QString& how) {
    authTimer_.stop();
    const QHostAddress peer = socket_->peerAddress();
    if (!authFailures_->allows(peer)) {
        Q_EMIT logLine(QStringLiteral("client %1 refused: %2 failed tokens from its address "
                                      "lately; token not compared")
                           .arg(id_)
                           .arg(settings_.limits.authFailures));
        close(CloseCode::PolicyViolation, QStringLiteral("too many failed authentications"));
        return;
    }
    if (tokensEqual(presented, settings_.token)) {
        authenticated_ = true;
        Q_EMIT logLine(QStringLiteral("client %1 authenticated (token in %2)").arg(id_, how));
        Q_EMIT authenticated();
        return;
    }
    authFailures_->recordFailure(peer);
    Q_EMIT logLine(
        QStringLiteral("client %1 refused: %2 token")
            .arg(id_, presented.isEmpty() ? QStringLiteral("missing") : QStringLiteral("wrong")));
    close(CloseCode::PolicyViolation, QStringLiteral("authentication failed"));
}

void ClientSession::close(CloseCode code, const QString& reason) {
    if (closing_) return;
    closing_ = true;
    authTimer_.stop();
    closeTimer_.setSingleShot(true);
    connect(&closeTimer_, &QTimer::timeout, this, [this] { socket_->abort(); });
    closeTimer_.start(settings_.limits.closeGraceMs);
    socket_->close(QWebSocketProtocol::CloseCode(code), reason);
}

void ClientSession::send(const QJsonObject& event) {
    if (closing_) return;
    socket_->sendTextMessage(toText(event));
}

void ClientSession::sendText(const QString& text) {
    if (closing_) return;
    socket_->sendTextMessage(text);
}

void ClientSession::sendBinary(const QByteArray& bytes) {
    if (closing_) return;
    socket_->sendBinaryMessage(bytes);
}

bool ClientSession::sendPreview(const QByteArray& bytes) {
    if (closing_) return false;
    if (socket_->bytesToWrite() + bytes.size() > settings_.limits.sendBufferBytes) {
        if (previewsDropped_++ == 0)
            Q_EMIT logLine(
                QStringLiteral("client %1 reads slowly: dropping its previews").arg(id_));
        return false;
    }
    socket_->sendBinaryMessage(bytes);
    return true;
}

bool ClientSession::admitFinal() {
    if (closing_) return false;
    if (socket_->bytesToWrite() <= settings_.limits.sendBufferBytes) return true;
    Q_EMIT logLine(QStringLiteral("client %1 closed: %2 bytes unsent when a final was due")
                       .arg(id_)
                       .arg(socket_->bytesToWrite()));
    close(CloseCode::ReadsTooSlowly, QStringLiteral("reads too slowly"));
    return false;
}

void ClientSession::trackJob(JobId job) {
    jobs_.append(job);
    Q_EMIT changed();
}

void ClientSession::onTextMessage(const QString& text) {
    if (closing_) return;
    switch (limiter_.admit(clock_.elapsed())) {
        case RateLimiter::Verdict::Allowed:
            break;
        case RateLimiter::Verdict::Limited: {
            const QString why =
                QStringLiteral("more than %1 messages in one second; this one was ignored")
                    .arg(settings_.limits.messagesPerSecond);
            if (live_)
                live_->refuse(why);
            else
                send(errorEvent(ProtocolError::RateLimited, why));
            return;
        }
        case RateLimiter::Verdict::Flood:
            Q_EMIT logLine(QStringLiteral("client %1 closed: message flood").arg(id_));
            close(CloseCode::PolicyViolation, QStringLiteral("too many messages"));
            return;
    }
    if (live_) {
        live_->handle(text);
        return;
    }
    const ParseResult parsed = parseClientMessage(text, settings_.limits);
    if (!authenticated_) {
        // Before the token, only a hello carrying it is understood.
        const bool hello =
            parsed.message && std::holds_alternative<HelloMessage>(parsed.message->body);
        if (!hello) {
            Q_EMIT logLine(
                QStringLiteral("client %1 refused: spoke before authenticating").arg(id_));
            close(CloseCode::PolicyViolation, QStringLiteral("authentication required"));
            return;
        }
        authenticate(std::get<HelloMessage>(parsed.message->body).token, QStringLiteral("hello"));
        if (!authenticated_ || closing_) return;
        Q_EMIT changed();
    }
    if (startsLiveDialect(text)) return;
    if (parsed.error) {
        send(errorEvent(parsed.error->code, parsed.error->message, parsed.error->requestId,
                        parsed.error->field));
        return;
    }
    handle(*parsed.message);
}

bool ClientSession::startsLiveDialect(const QString& text) {
    const bool first = !spoken_;
    spoken_ = true;
    if (!first || !onLivePath_ || !runner_) return false;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text.trimmed().toUtf8(), &error);
    if (error.error == QJsonParseError::NoError && doc.isObject()) return false;
    live_ = std::make_unique<LiveDialect>(this, runner_, fanOut_);
    connect(live_.get(), &LiveDialect::logLine, this, &ClientSession::logLine);
    Q_EMIT logLine(
        QStringLiteral("client %1 speaks the exhibition client's live dialect").arg(id_));
    Q_EMIT changed();
    live_->handle(text);
    return true;
}

void ClientSession::onBinaryMessage() {
    if (closing_) return;
    if (limiter_.admit(clock_.elapsed()) == RateLimiter::Verdict::Flood) {
        close(CloseCode::PolicyViolation, QStringLiteral("too many messages"));
        return;
    }
    if (!authenticated_) {
        close(CloseCode::PolicyViolation, QStringLiteral("authentication required"));
        return;
    }
    if (live_) {
        live_->refuse(QStringLiteral("the host accepts text messages only"));
        return;
    }
    send(errorEvent(ProtocolError::BinaryNotAccepted,
                    QStringLiteral("the host accepts text frames only (JSON or 'P0:prompt')")));
}

void ClientSession::handle(const ClientMessage& message) {
    const QJsonValue& id = message.requestId;
    if (const auto* hello = std::get_if<HelloMessage>(&message.body)) {
        handleHello(*hello, id);
    } else if (const auto* g = std::get_if<GenerateMessage>(&message.body)) {
        handleGenerate(*g, id);
    } else if (const auto* cancel = std::get_if<CancelMessage>(&message.body)) {
        handleCancel(*cancel, id);
    } else if (const auto* s = std::get_if<SubscribeMessage>(&message.body)) {
        subscription_ = s->jobs;
        previews_ = s->previews;
        send(withRequestId({{QStringLiteral("type"), QStringLiteral("subscribed")},
                            {QStringLiteral("jobs"), subscriptionName(s->jobs)},
                            {QStringLiteral("previews"), s->previews}},
                           id));
        Q_EMIT changed();
    } else {
        send(withRequestId({{QStringLiteral("type"), QStringLiteral("pong")},
                            {QStringLiteral("time"), QDateTime::currentMSecsSinceEpoch()}},
                           id));
    }
}

void ClientSession::handleHello(const HelloMessage& hello, const QJsonValue& id) {
    if (identified_) {
        send(errorEvent(ProtocolError::AlreadyIdentified,
                        QStringLiteral("hello was already sent on this connection"), id));
        return;
    }
    if (hello.protocol && *hello.protocol != kProtocolVersion) {
        send(errorEvent(ProtocolError::UnsupportedVersion,
                        QStringLiteral("this host speaks protocol %1, not %2")
                            .arg(kProtocolVersion)
                            .arg(*hello.protocol),
                        id, QStringLiteral("protocol")));
        close(CloseCode::UnsupportedVersion, QStringLiteral("unsupported protocol"));
        return;
    }
    identified_ = true;
    role_ = hello.role;
    name_ = hello.name;
    subscription_ = hello.subscription.value_or(
        hello.role == ClientRole::Display ? Subscription::All : Subscription::Mine);
    send(withRequestId(welcomeEvent(), id));
    Q_EMIT logLine(QStringLiteral("client %1 is %2 %3, watching %4 jobs")
                       .arg(id_, roleName(role_), quoted(name_), subscriptionName(subscription_)));
    Q_EMIT changed();
}

QJsonObject ClientSession::welcomeEvent() const {
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
            {QStringLiteral("client"), id_},
            {QStringLiteral("role"), roleName(role_)},
            {QStringLiteral("subscribe"), subscriptionName(subscription_)},
            {QStringLiteral("programs"), programs},
            {QStringLiteral("limits"),
             QJsonObject{{QStringLiteral("max_message_bytes"), l.maxMessageBytes},
                         {QStringLiteral("max_prompt_chars"), l.maxPromptChars},
                         {QStringLiteral("max_jobs_per_client"), l.maxJobsPerClient},
                         {QStringLiteral("messages_per_second"), l.messagesPerSecond}}}};
}

void ClientSession::handleGenerate(const GenerateMessage& g, const QJsonValue& id) {
    if (!runner_) return;
    bool known = false;
    QStringList ids;
    for (const ProgramSummary& p : runner_->programs()) {
        ids << p.id;
        known = known || p.id == g.program;
    }
    if (!known) {
        send(errorEvent(ProtocolError::UnknownProgram,
                        QStringLiteral("no program '%1' (programs: %2)")
                            .arg(g.program.left(64), ids.join(QStringLiteral(", "))),
                        id, QStringLiteral("program")));
        return;
    }
    if (fanOut_->jobCount() >= settings_.limits.maxDisplayJobs) {
        send(errorEvent(ProtocolError::TooManyJobs,
                        QStringLiteral("the host has %1 display jobs queued or running; try "
                                       "again later")
                            .arg(fanOut_->jobCount()),
                        id));
        return;
    }
    if (jobs_.size() >= settings_.limits.maxJobsPerClient) {
        send(errorEvent(ProtocolError::TooManyJobs,
                        QStringLiteral("%1 jobs of this client are queued or running; at "
                                       "most %2 are allowed")
                            .arg(jobs_.size())
                            .arg(settings_.limits.maxJobsPerClient),
                        id));
        return;
    }
    pipeline::JobRequest request;
    request.programId = g.program;
    request.prompt = g.prompt;
    request.seed = g.seed;
    request.priority = pipeline::JobPriority::Display;
    request.owner = QStringLiteral("ws:") + id_;
    const JobId jobId = fanOut_->submit(request, id_, id);
    jobs_.append(jobId);
    Q_EMIT logLine(QStringLiteral("job %1 submitted by %2: %3 %4")
                       .arg(jobId)
                       .arg(id_, g.program, quoted(g.prompt)));
    Q_EMIT changed();
    fanOut_->announceQueued(jobId);
}

void ClientSession::handleCancel(const CancelMessage& cancel, const QJsonValue& id) {
    QList<JobId> targets;
    if (cancel.job) {
        const JobFanOut::Job* job = fanOut_->job(*cancel.job);
        if (!job) {
            send(errorEvent(ProtocolError::UnknownJob,
                            QStringLiteral("job %1 is not queued or running").arg(*cancel.job), id,
                            QStringLiteral("job")));
            return;
        }
        if (job->ownerId != id_) {
            send(errorEvent(ProtocolError::NotYourJob,
                            QStringLiteral("job %1 belongs to another client").arg(*cancel.job), id,
                            QStringLiteral("job")));
            return;
        }
        targets.append(*cancel.job);
    } else {
        targets = jobs_;
    }
    QJsonArray accepted;
    for (JobId job : targets)
        if (runner_ && runner_->cancel(job)) accepted.append(double(job));
    send(withRequestId({{QStringLiteral("type"), QStringLiteral("cancelling")},
                        {QStringLiteral("jobs"), accepted}},
                       id));
    Q_EMIT logLine(QStringLiteral("client %1 cancels %2 job(s)").arg(id_).arg(accepted.size()));
}

}  // namespace archival::adapters::host
