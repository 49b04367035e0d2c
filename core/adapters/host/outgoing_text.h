#pragma once
// Text the host sends out of the process: log lines (a terminal or a log viewer reads them)
// and error messages to clients (someone on the network reads them).
//
//   Q_EMIT logLine(escapeControlCharacters(line));           // "\x1b[31m" cannot recolour
//   send(withoutLocalPaths(error.message, {queue->root()}));  // no /home/... to clients

#include <QString>
#include <QStringList>

namespace archival::adapters::host {

// `text` with every control character (C0, DEL, C1) written as an escape: "\n", "\r", "\t",
// else "\xNN" ("\x1b", "\x7f", "\x9b"); a backslash stays as it is. Client-supplied names,
// prompts and headers then cannot move the cursor, recolour the terminal or forge a second
// log line.
QString escapeControlCharacters(const QString& text);

// `message` with absolute local paths replaced: a path under one of `folders` becomes
// "<folder's last name>/..." relative to it ("queue/act/P0"), any other absolute path
// (POSIX "/x/y" or Windows "C:\x") becomes "<local path>". The full message belongs in the
// host's own log.
QString withoutLocalPaths(const QString& message, const QStringList& folders = {});

}  // namespace archival::adapters::host
