#pragma once
// Tests that start `archival-studio serve` on port 0 learn its HTTP port from the line it
// prints once it listens.

#include <QDeadlineTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QString>

namespace archival::test {

// Reads the started serve's output until it names its display page; returns that port, or
// 0 when serve exited or said nothing within timeoutMs. Everything read is appended to log.
inline int waitForServeHttpPort(QProcess& serve, QString& log, int timeoutMs = 60000) {
    static const QRegularExpression listening(
        QStringLiteral("display page at https?://[^:]+:(\\d+)/"));
    QRegularExpressionMatch port;
    QDeadlineTimer deadline(timeoutMs);
    while (!(port = listening.match(log)).hasMatch() && !deadline.hasExpired() &&
           serve.state() == QProcess::Running) {
        serve.waitForReadyRead(500);
        log += QString::fromUtf8(serve.readAll());
    }
    return port.hasMatch() ? port.captured(1).toInt() : 0;
}

}  // namespace archival::test
