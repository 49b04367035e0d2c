#pragma once
// What every subcommand (generate, batch, serve) does with its arguments before its own
// work: parse, answer --help, refuse stray words, with the usage text on errors.

#include <QCommandLineParser>
#include <QStringList>
#include <optional>

namespace archival::adapters {

constexpr int kUsageExitCode = 2;

// A problem with the command's words, found while reading them into options: printed with
// the usage text, exit code 2.
struct UsageError {
    QString message;
};

// Prints "archival-studio <command>: <message>" and the help text to stderr; returns 2.
int commandUsageError(const QString& command, const QString& message,
                      const QCommandLineParser& parser);

// Parses `args` (the words after the command). Returns an exit code when the command is
// over (help printed: 0; bad options or stray positional words: 2), nothing to go on.
std::optional<int> parseCommandLine(QCommandLineParser& parser, const QString& command,
                                    const QStringList& args);

}  // namespace archival::adapters
