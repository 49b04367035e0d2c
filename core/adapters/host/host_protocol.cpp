#include "adapters/host/host_protocol.h"

#include <QJsonDocument>
#include <QRegularExpression>
#include <cmath>

namespace archival::adapters::host {

namespace {

constexpr int kMaxRequestIdChars = 128;
constexpr int kMaxNameChars = 128;
constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1: exact in a JSON number

ParseResult fail(ProtocolError code, const QString& message, const QJsonValue& requestId = {},
                 const QString& field = {}) {
    ParseResult r;
    r.error = ParseError{code, message, requestId, field};
    return r;
}

ParseResult invalidField(const QString& field, const QString& expected,
                         const QJsonValue& requestId) {
    return fail(ProtocolError::InvalidField,
                QStringLiteral("field '%1' must be %2").arg(field, expected), requestId, field);
}

ParseResult ok(ClientMessageBody body, const QJsonValue& requestId) {
    ParseResult r;
    r.message = ClientMessage{std::move(body), requestId};
    return r;
}

// A whole number in [0, 2^53): what a JSON number can carry exactly.
bool toWholeNumber(const QJsonValue& v, quint64* out) {
    if (!v.isDouble()) return false;
    const double d = v.toDouble();
    if (!std::isfinite(d) || d < 0 || d > kMaxSafeInteger || std::floor(d) != d) return false;
    *out = quint64(d);
    return true;
}

std::optional<ParseResult> checkPrompt(const QString& prompt, const HostLimits& limits,
                                       const QJsonValue& requestId) {
    if (prompt.trimmed().isEmpty())
        return fail(ProtocolError::EmptyPrompt, QStringLiteral("the prompt is empty"), requestId,
                    QStringLiteral("prompt"));
    if (prompt.size() > limits.maxPromptChars)
        return fail(ProtocolError::PromptTooLong,
                    QStringLiteral("the prompt has %1 characters; at most %2 are allowed")
                        .arg(prompt.size())
                        .arg(limits.maxPromptChars),
                    requestId, QStringLiteral("prompt"));
    return std::nullopt;
}

ParseResult parseLegacy(const QString& text, const HostLimits& limits) {
    // The exhibition's command: program id, colon, prompt ("P0:machine learning summit").
    static const QRegularExpression command(QStringLiteral("^([A-Za-z0-9_.-]{1,64}):(.*)$"),
                                            QRegularExpression::DotMatchesEverythingOption);
    const auto match = command.match(text);
    if (!match.hasMatch())
        return fail(ProtocolError::InvalidMessage,
                    QStringLiteral("expected a JSON object or a command like 'P0:a prompt'"));
    GenerateMessage g;
    g.program = match.captured(1);
    g.prompt = match.captured(2).trimmed();
    g.legacy = true;
    if (auto bad = checkPrompt(g.prompt, limits, {})) return *bad;
    return ok(g, {});
}

ParseResult parseHello(const QJsonObject& o, const QJsonValue& id) {
    HelloMessage h;
    if (o.contains(QLatin1String("protocol"))) {
        quint64 v = 0;
        if (!toWholeNumber(o.value(QLatin1String("protocol")), &v) || v > 1000000)
            return invalidField(QStringLiteral("protocol"), QStringLiteral("a whole number"), id);
        h.protocol = int(v);
    }
    if (o.contains(QLatin1String("token"))) {
        if (!o.value(QLatin1String("token")).isString())
            return invalidField(QStringLiteral("token"), QStringLiteral("a string"), id);
        h.token = o.value(QLatin1String("token")).toString();
    }
    if (o.contains(QLatin1String("role"))) {
        const QString role = o.value(QLatin1String("role")).toString();
        if (role == QLatin1String("display"))
            h.role = ClientRole::Display;
        else if (role == QLatin1String("controller"))
            h.role = ClientRole::Controller;
        else
            return invalidField(QStringLiteral("role"),
                                QStringLiteral("\"display\" or \"controller\""), id);
    }
    if (o.contains(QLatin1String("name"))) {
        const QJsonValue name = o.value(QLatin1String("name"));
        if (!name.isString() || name.toString().size() > kMaxNameChars)
            return invalidField(
                QStringLiteral("name"),
                QStringLiteral("a string of at most %1 characters").arg(kMaxNameChars), id);
        h.name = name.toString();
    }
    if (o.contains(QLatin1String("subscribe"))) {
        const QString s = o.value(QLatin1String("subscribe")).toString();
        if (s == QLatin1String("all"))
            h.subscription = Subscription::All;
        else if (s == QLatin1String("mine"))
            h.subscription = Subscription::Mine;
        else
            return invalidField(QStringLiteral("subscribe"), QStringLiteral("\"all\" or \"mine\""),
                                id);
    }
    return ok(h, id);
}

ParseResult parseGenerate(const QJsonObject& o, const QJsonValue& id, const HostLimits& limits) {
    GenerateMessage g;
    const QJsonValue program = o.value(QLatin1String("program"));
    if (!program.isString() || program.toString().isEmpty())
        return invalidField(QStringLiteral("program"), QStringLiteral("a program id string"), id);
    g.program = program.toString();
    const QJsonValue prompt = o.value(QLatin1String("prompt"));
    if (!prompt.isString())
        return invalidField(QStringLiteral("prompt"), QStringLiteral("a string"), id);
    g.prompt = prompt.toString().trimmed();
    if (auto bad = checkPrompt(g.prompt, limits, id)) return *bad;
    if (o.contains(QLatin1String("seed")) && !o.value(QLatin1String("seed")).isNull()) {
        quint64 seed = 0;
        if (!toWholeNumber(o.value(QLatin1String("seed")), &seed))
            return invalidField(QStringLiteral("seed"),
                                QStringLiteral("a whole number from 0 to 2^53-1"), id);
        g.seed = seed;
    }
    return ok(g, id);
}

ParseResult parseCancel(const QJsonObject& o, const QJsonValue& id) {
    CancelMessage c;
    const QJsonValue job = o.value(QLatin1String("job"));
    if (job.isString() && job.toString() == QLatin1String("mine")) return ok(c, id);
    quint64 jobId = 0;
    if (!toWholeNumber(job, &jobId))
        return invalidField(QStringLiteral("job"), QStringLiteral("a job id or \"mine\""), id);
    c.job = jobId;
    return ok(c, id);
}

ParseResult parseSubscribe(const QJsonObject& o, const QJsonValue& id) {
    SubscribeMessage s;
    const QString jobs = o.value(QLatin1String("jobs")).toString();
    if (jobs == QLatin1String("all"))
        s.jobs = Subscription::All;
    else if (jobs == QLatin1String("mine"))
        s.jobs = Subscription::Mine;
    else
        return invalidField(QStringLiteral("jobs"), QStringLiteral("\"all\" or \"mine\""), id);
    if (o.contains(QLatin1String("previews"))) {
        if (!o.value(QLatin1String("previews")).isBool())
            return invalidField(QStringLiteral("previews"), QStringLiteral("true or false"), id);
        s.previews = o.value(QLatin1String("previews")).toBool();
    }
    return ok(s, id);
}

}  // namespace

QString errorCodeName(ProtocolError code) {
    switch (code) {
        case ProtocolError::InvalidJson:
            return QStringLiteral("invalid_json");
        case ProtocolError::InvalidMessage:
            return QStringLiteral("invalid_message");
        case ProtocolError::MissingType:
            return QStringLiteral("missing_type");
        case ProtocolError::UnknownType:
            return QStringLiteral("unknown_type");
        case ProtocolError::InvalidField:
            return QStringLiteral("invalid_field");
        case ProtocolError::EmptyPrompt:
            return QStringLiteral("empty_prompt");
        case ProtocolError::PromptTooLong:
            return QStringLiteral("prompt_too_long");
        case ProtocolError::UnknownProgram:
            return QStringLiteral("unknown_program");
        case ProtocolError::MessageTooLarge:
            return QStringLiteral("message_too_large");
        case ProtocolError::BinaryNotAccepted:
            return QStringLiteral("binary_not_accepted");
        case ProtocolError::RateLimited:
            return QStringLiteral("rate_limited");
        case ProtocolError::TooManyJobs:
            return QStringLiteral("too_many_jobs");
        case ProtocolError::TooManyClients:
            return QStringLiteral("too_many_clients");
        case ProtocolError::UnknownJob:
            return QStringLiteral("unknown_job");
        case ProtocolError::NotYourJob:
            return QStringLiteral("not_your_job");
        case ProtocolError::AlreadyIdentified:
            return QStringLiteral("already_identified");
        case ProtocolError::UnsupportedVersion:
            return QStringLiteral("unsupported_version");
        case ProtocolError::GenerationFailed:
            return QStringLiteral("generation_failed");
    }
    return QStringLiteral("internal");
}

QString roleName(ClientRole role) {
    return role == ClientRole::Display ? QStringLiteral("display") : QStringLiteral("controller");
}

QString subscriptionName(Subscription subscription) {
    return subscription == Subscription::All ? QStringLiteral("all") : QStringLiteral("mine");
}

ParseResult parseClientMessage(const QString& text, const HostLimits& limits) {
    // Size in UTF-8 bytes, as it came over the wire.
    const qsizetype bytes = text.toUtf8().size();
    if (bytes > limits.maxMessageBytes)
        return fail(ProtocolError::MessageTooLarge,
                    QStringLiteral("the message has %1 bytes; at most %2 are allowed")
                        .arg(bytes)
                        .arg(limits.maxMessageBytes));
    const QString trimmed = text.trimmed();
    if (!trimmed.startsWith(QLatin1Char('{')) && !trimmed.startsWith(QLatin1Char('[')))
        return parseLegacy(text, limits);

    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(trimmed.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(ProtocolError::InvalidJson, QStringLiteral("not valid JSON at offset %1: %2")
                                                    .arg(parseError.offset)
                                                    .arg(parseError.errorString()));
    if (!doc.isObject())
        return fail(ProtocolError::InvalidJson,
                    QStringLiteral("the message must be a JSON object"));
    const QJsonObject o = doc.object();

    QJsonValue id = o.value(QLatin1String("id"));
    if (id.isUndefined() || id.isNull()) {
        id = QJsonValue();
    } else if (!(id.isDouble() || (id.isString() && id.toString().size() <= kMaxRequestIdChars))) {
        return fail(ProtocolError::InvalidField,
                    QStringLiteral("field 'id' must be a number or a string of at most %1 "
                                   "characters")
                        .arg(kMaxRequestIdChars),
                    QJsonValue(), QStringLiteral("id"));
    }

    const QJsonValue type = o.value(QLatin1String("type"));
    if (!type.isString())
        return fail(ProtocolError::MissingType, QStringLiteral("the message needs a string 'type'"),
                    id, QStringLiteral("type"));
    const QString t = type.toString();
    if (t == QLatin1String("hello")) return parseHello(o, id);
    if (t == QLatin1String("generate")) return parseGenerate(o, id, limits);
    if (t == QLatin1String("cancel")) return parseCancel(o, id);
    if (t == QLatin1String("subscribe")) return parseSubscribe(o, id);
    if (t == QLatin1String("ping")) return ok(PingMessage{}, id);
    return fail(ProtocolError::UnknownType,
                QStringLiteral("unknown message type '%1' (expected hello, generate, cancel, "
                               "subscribe or ping)")
                    .arg(t.left(64)),
                id, QStringLiteral("type"));
}

QJsonObject errorEvent(ProtocolError code, const QString& message, const QJsonValue& requestId,
                       const QString& field) {
    QJsonObject e{{QStringLiteral("type"), QStringLiteral("error")},
                  {QStringLiteral("code"), errorCodeName(code)},
                  {QStringLiteral("message"), message}};
    if (!field.isEmpty()) e.insert(QStringLiteral("field"), field);
    return withRequestId(e, requestId);
}

QJsonObject withRequestId(QJsonObject event, const QJsonValue& requestId) {
    if (!requestId.isUndefined() && !requestId.isNull())
        event.insert(QStringLiteral("request_id"), requestId);
    return event;
}

QString toText(const QJsonObject& event) {
    return QString::fromUtf8(QJsonDocument(event).toJson(QJsonDocument::Compact));
}

}  // namespace archival::adapters::host
