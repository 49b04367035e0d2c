#include "adapters/host/host_settings.h"

#include <QHash>
#include <functional>

namespace archival::adapters::host {

bool HostLimits::set(const QString& assignment, QString* error) {
    const int eq = assignment.indexOf(QLatin1Char('='));
    const QString name = assignment.left(eq).trimmed();
    const QString valueText = eq < 0 ? QString() : assignment.mid(eq + 1).trimmed();
    const QHash<QString, std::function<void(qint64)>> fields = {
        {QStringLiteral("max-message-bytes"), [this](qint64 v) { maxMessageBytes = int(v); }},
        {QStringLiteral("hard-message-bytes"), [this](qint64 v) { hardMessageBytes = int(v); }},
        {QStringLiteral("max-prompt-chars"), [this](qint64 v) { maxPromptChars = int(v); }},
        {QStringLiteral("max-clients"), [this](qint64 v) { maxClients = int(v); }},
        {QStringLiteral("max-unauthenticated"), [this](qint64 v) { maxUnauthenticated = int(v); }},
        {QStringLiteral("max-jobs-per-client"), [this](qint64 v) { maxJobsPerClient = int(v); }},
        {QStringLiteral("max-display-jobs"), [this](qint64 v) { maxDisplayJobs = int(v); }},
        {QStringLiteral("messages-per-second"), [this](qint64 v) { messagesPerSecond = int(v); }},
        {QStringLiteral("flood-factor"), [this](qint64 v) { floodFactor = int(v); }},
        {QStringLiteral("send-buffer-bytes"), [this](qint64 v) { sendBufferBytes = v; }},
        {QStringLiteral("auth-timeout-ms"), [this](qint64 v) { authTimeoutMs = int(v); }},
        {QStringLiteral("auth-failures"), [this](qint64 v) { authFailures = int(v); }},
        {QStringLiteral("close-grace-ms"), [this](qint64 v) { closeGraceMs = int(v); }},
        {QStringLiteral("connects-per-address"), [this](qint64 v) { connectsPerAddress = int(v); }},
        {QStringLiteral("connect-window-ms"), [this](qint64 v) { connectWindowMs = int(v); }},
        {QStringLiteral("auth-failure-window-ms"),
         [this](qint64 v) { authFailureWindowMs = int(v); }},
        {QStringLiteral("max-body-bytes"), [this](qint64 v) { maxBodyBytes = v; }},
        {QStringLiteral("http-idle-ms"), [this](qint64 v) { httpIdleMs = int(v); }},
        {QStringLiteral("max-http-connections"), [this](qint64 v) { maxHttpConnections = int(v); }},
    };
    const auto it = fields.find(name);
    if (eq < 0 || it == fields.end()) {
        bool queueCap = false;
        if (queue.set(assignment, error, &queueCap)) return true;
        if (queueCap) return false;  // `error` says what is wrong with the value
        *error = QStringLiteral("unknown limit '%1' (expected NAME=VALUE, NAME one of %2, %3)")
                     .arg(name, QStringList(fields.keys()).join(QStringLiteral(", ")),
                          QueueCaps::names());
        return false;
    }
    bool ok = false;
    const qint64 value = valueText.toLongLong(&ok);
    if (!ok || value < 1 || value > std::numeric_limits<int>::max()) {
        *error =
            QStringLiteral("limit %1 needs a positive whole number, got '%2'").arg(name, valueText);
        return false;
    }
    it.value()(value);
    return true;
}

bool HostSettings::isLoopback() const {
    return address.isLoopback();
}

bool HostSettings::tokenRequired() const {
    if (!isLoopback()) return true;
    return requireTokenOnLoopback && !token.isEmpty();
}

int HostSettings::httpPortFor(quint16 boundWebSocketPort) const {
    if (httpPort != -2) return httpPort;
    return boundWebSocketPort == 0 || boundWebSocketPort == 65535 ? 0 : boundWebSocketPort + 1;
}

bool parseListenAddress(const QString& text, QHostAddress* address, quint16* port, QString* error) {
    QString host = QStringLiteral("127.0.0.1");
    QString portText = text.trimmed();
    const int colon = portText.lastIndexOf(QLatin1Char(':'));
    if (colon >= 0) {
        host = portText.left(colon);
        portText = portText.mid(colon + 1);
        if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
            host = host.mid(1, host.size() - 2);
        if (host.isEmpty()) host = QStringLiteral("127.0.0.1");
    }
    bool ok = false;
    const uint p = portText.toUInt(&ok);
    if (!ok || p > 65535) {
        *error = QStringLiteral("'%1': the port must be a number from 0 to 65535").arg(text);
        return false;
    }
    QHostAddress a;
    if (host == QLatin1String("localhost"))
        a = QHostAddress::LocalHost;
    else if (!a.setAddress(host)) {
        *error = QStringLiteral("'%1': '%2' is not an IP address").arg(text, host);
        return false;
    }
    *address = a;
    *port = quint16(p);
    return true;
}

ListenAddress ListenAddress::load(const QSettings& settings) {
    ListenAddress out;
    out.address = settings.value(QStringLiteral("host/address"), out.address).toString();
    out.port = settings.value(QStringLiteral("host/port"), out.port).toInt();
    return out;
}

void ListenAddress::save(QSettings& settings) const {
    settings.setValue(QStringLiteral("host/address"), address.trimmed());
    settings.setValue(QStringLiteral("host/port"), port);
}

void ListenAddress::applyTo(HostSettings* settings) const {
    const QHostAddress parsed(address.trimmed());
    if (!parsed.isNull()) settings->address = parsed;
    settings->port = quint16(port);
}

}  // namespace archival::adapters::host
