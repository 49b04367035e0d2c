#include "adapters/cli/command_line.h"

#include <QTextStream>

namespace archival::adapters {

int commandUsageError(const QString& command, const QString& message,
                      const QCommandLineParser& parser) {
    QTextStream(stderr) << "archival-studio " << command << ": " << message << "\n\n"
                        << parser.helpText();
    return kUsageExitCode;
}

std::optional<int> parseCommandLine(QCommandLineParser& parser, const QString& command,
                                    const QStringList& args) {
    if (!parser.parse(QStringList{QStringLiteral("archival-studio ") + command} + args))
        return commandUsageError(command, parser.errorText(), parser);
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return commandUsageError(
            command,
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()),
            parser);
    return std::nullopt;
}

}  // namespace archival::adapters
