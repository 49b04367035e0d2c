#pragma once
// The exhibition host's wire protocol, version 1 (PROTOCOL.md beside this file): what a
// client may send, parsed into typed messages, and the events the host sends back. Pure
// functions, no sockets: the host and the tests share them.

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <optional>
#include <variant>

#include "adapters/host/host_settings.h"

namespace archival::adapters::host {

inline constexpr int kProtocolVersion = 1;

// Close codes the host uses (RFC 6455 + the obs-websocket style private range).
enum class CloseCode : quint16 {
    Normal = 1000,           // the host is stopping, or a Disconnect in the host panel
    PolicyViolation = 1008,  // wrong or missing token, a flood of messages
    MessageTooBig = 1009,    // a frame above the hard limit (Qt closes by itself)
    // Too many clients. RFC 6455's registry has 1013 for this, but Qt (client and server)
    // treats codes 1012-2999 as invalid, so the private range mirrors it.
    TryAgainLater = 4013,
    // A client whose unsent backlog is still over send-buffer-bytes when a final is due.
    ReadsTooSlowly = 4008,
    UnsupportedVersion = 4010,
};

// Typed error codes of `error` events; stable strings (PROTOCOL.md lists them).
enum class ProtocolError {
    InvalidJson,         // not JSON, or JSON that is not an object
    InvalidMessage,      // text that is neither JSON nor a legacy "P0:prompt" command
    MissingType,         // a JSON object without a string "type"
    UnknownType,         // a "type" the host does not know
    InvalidField,        // a field of the wrong type or out of range ("field" names it)
    EmptyPrompt,         // a prompt that is empty or only spaces
    PromptTooLong,       // above HostLimits::maxPromptChars
    UnknownProgram,      // no program with that id
    MessageTooLarge,     // a text frame above HostLimits::maxMessageBytes
    BinaryNotAccepted,   // clients send text frames only
    RateLimited,         // above HostLimits::messagesPerSecond
    TooManyJobs,         // above HostLimits::maxJobsPerClient
    TooManyClients,      // above HostLimits::maxClients (then closed with 1013)
    UnknownJob,          // cancel of a job that is not queued or running
    NotYourJob,          // cancel of another client's job
    AlreadyIdentified,   // a second hello
    UnsupportedVersion,  // hello with a protocol the host does not speak (then 4010)
    GenerationFailed,    // the job failed in the pipeline ("reason" holds its error code)
};
QString errorCodeName(ProtocolError code);

enum class ClientRole { Display, Controller };
enum class Subscription { All, Mine };
QString roleName(ClientRole role);
QString subscriptionName(Subscription subscription);

struct HelloMessage {
    std::optional<int> protocol;
    QString token;
    ClientRole role = ClientRole::Display;
    QString name;
    std::optional<Subscription> subscription;  // none: all for displays, mine for controllers
};
struct GenerateMessage {
    QString program;
    QString prompt;
    std::optional<quint64> seed;
    bool legacy = false;  // came as "P0:prompt"
};
struct CancelMessage {
    std::optional<quint64> job;  // none: every job of this client
};
struct SubscribeMessage {
    Subscription jobs = Subscription::All;
    bool previews = true;
};
struct PingMessage {};

using ClientMessageBody =
    std::variant<HelloMessage, GenerateMessage, CancelMessage, SubscribeMessage, PingMessage>;

struct ClientMessage {
    ClientMessageBody body;
    QJsonValue requestId;  // "id" as sent (string or number), echoed as "request_id"
};

struct ParseError {
    ProtocolError code = ProtocolError::InvalidMessage;
    QString message;
    QJsonValue requestId;  // when the message got far enough to have one
    QString field;         // InvalidField: which one
};

struct ParseResult {
    std::optional<ClientMessage> message;
    std::optional<ParseError> error;
};

// Parses one text frame: a JSON object, or the legacy "PROGRAM:prompt" command. Checks the
// limits that need no state (message size, prompt length); program ids are checked by the
// host, which knows the programs.
ParseResult parseClientMessage(const QString& text, const HostLimits& limits);

// Server events. Each returns the JSON object sent as one text frame.
QJsonObject errorEvent(ProtocolError code, const QString& message,
                       const QJsonValue& requestId = QJsonValue(), const QString& field = {});
QJsonObject withRequestId(QJsonObject event, const QJsonValue& requestId);
QString toText(const QJsonObject& event);  // compact JSON

}  // namespace archival::adapters::host
