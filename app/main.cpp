// archival-studio: with no arguments, the studio window; with a subcommand, a headless tool.
#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSet>
#include <QTextStream>
#include <cstdio>
#include <memory>

#include "adapters/cli/generate_command.h"
#include "adapters/cli/program_table.h"
#include "batch_command.h"
#include "model_locations_settings.h"
#include "pipeline/model_resolver.h"
#include "pipeline/program_registry.h"
#include "ui/main_window.h"

namespace {

constexpr int kUsageError = 2;

void setIdentity() {
    QCoreApplication::setOrganizationName(QStringLiteral("ArchivalStudio"));
    QCoreApplication::setApplicationName(QStringLiteral("archival-studio"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ARCHIVAL_VERSION));
}

int usageError(const QString& message, const QCommandLineParser& parser) {
    QTextStream err(stderr);
    err << "archival-studio: " << message << "\n\n" << parser.helpText();
    return kUsageError;
}

// One resolution per distinct model the programs use.
QList<archival::pipeline::ModelResolution> resolveModels(
    const archival::pipeline::ProgramRegistry& registry) {
    const archival::pipeline::ModelResolver resolver(archival::app::modelLocationsFromSettings());
    QList<archival::pipeline::ModelResolution> out;
    QSet<QString> seen;
    for (const auto& p : registry.programs()) {
        if (seen.contains(p.model)) continue;
        seen.insert(p.model);
        out.append(resolver.resolve(p.model, p.family));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    QStringList args;
    for (int i = 0; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);

    // Commands with options of their own parse their own arguments.
    if (args.size() > 1 && args[1] == QLatin1String("generate")) {
        QCoreApplication app(argc, argv);
        setIdentity();
        return archival::adapters::runGenerateCommand(args.mid(2));
    }
    if (args.size() > 1 && args[1] == QLatin1String("batch")) {
        QCoreApplication app(argc, argv);
        setIdentity();
        return archival::app::runBatchCommand(args.mid(2));
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Archival Studio: image generation for exhibitions.\n\n"
                       "Without a command the studio window opens.\n"
                       "Commands:\n"
                       "  programs   print the program table\n"
                       "  generate   make images from a program and a prompt "
                       "(generate --help)\n"
                       "  batch      queue sets and upload them to R2 (batch --help)"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("programs | generate (optional)"));
    setIdentity();

    if (!parser.parse(args)) return usageError(parser.errorText(), parser);
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        QTextStream(stdout) << "archival-studio " << ARCHIVAL_VERSION << '\n';
        return 0;
    }

    const QStringList positional = parser.positionalArguments();
    if (!positional.isEmpty()) {
        const QString command = positional.first();
        if (command == QLatin1String("programs")) {
            if (positional.size() > 1)
                return usageError(QStringLiteral("'programs' takes no arguments"), parser);
            QCoreApplication app(argc, argv);
            setIdentity();
            const auto registry = archival::pipeline::ProgramRegistry::load();
            QTextStream(stdout) << archival::adapters::renderProgramTable(registry);
            return 0;
        }
        return usageError(QStringLiteral("unknown command '%1'").arg(command), parser);
    }

    QApplication app(argc, argv);
    setIdentity();
    auto registry = archival::pipeline::ProgramRegistry::load();
    auto models = resolveModels(registry);
    archival::ui::MainWindow window(std::move(registry), std::move(models));
    window.show();
    return app.exec();
}
