// archival-studio: with no arguments, the studio window; with a subcommand, a headless tool.
#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QIcon>
#include <QPixmap>
#include <QScreen>
#include <QSet>
#include <QSettings>
#include <QTextStream>
#include <QTimer>
#include <cstdio>
#include <memory>

#include <QStatusBar>

#include "adapters/cli/program_table.h"
#include "batch_command.h"
#include "generate_command.h"
#include "pipeline/program_registry.h"
#include "pipeline/studio_settings.h"
#include "serve_command.h"
#include "studio_assembly.h"
#include "ui/main_window.h"
#include "ui/service_generation_core.h"
#include "ui/studio_panels.h"
#include "ui/translator.h"
#include "worker_command.h"

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

// The studio window over the generation core, with the batch queue and the exhibition host
// beside it, all assembled from the user's settings (studio_assembly).
// With $ARCHIVAL_STUDIO_SCREENSHOT set, the window grabs the screen into that PNG once it
// has been up for a moment and quits (the suite starts the real window this way under Xvfb).
int runStudioWindow(QApplication& app) {
    using namespace archival;
    const QSettings settings;
    ui::installTranslations(&app, settings.value(QStringLiteral("ui/language")).toString());
    app::StudioCore core = app::assembleStudioCore(settings);
    ui::ServiceGenerationCore generation(core.service.get(), core.factory);
    ui::MainWindow window(&generation);
    app::StudioServices services(core.service.get(), settings);
    ui::StudioPanels panels(&window, services.batch(), services.host());
    if (!services.batchProblems().isEmpty())
        window.statusBar()->showMessage(services.batchProblems().join(QStringLiteral("; ")), 10000);
    window.show();
    const QString screenshot = qEnvironmentVariable("ARCHIVAL_STUDIO_SCREENSHOT");
    if (!screenshot.isEmpty()) {
        QTimer::singleShot(2000, &window, [&app, &window, screenshot] {
            const bool saved = window.screen()->grabWindow(0).save(screenshot);
            app.exit(saved ? 0 : 1);
        });
    }
    return app.exec();
}

}  // namespace

int main(int argc, char** argv) {
    QStringList args;
    for (int i = 0; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);

    // Commands with options of their own parse their own arguments.
    struct Command {
        const char* name;
        int (*run)(const QStringList& args);
    };
    static const Command kCommands[] = {{"generate", archival::app::runGenerateCommand},
                                        {"batch", archival::app::runBatchCommand},
                                        {"serve", archival::app::runServeCommand},
                                        {"worker", archival::app::runWorkerCommand}};
    for (const Command& command : kCommands) {
        if (args.size() > 1 && args[1] == QLatin1String(command.name)) {
            QCoreApplication app(argc, argv);
            setIdentity();
            return command.run(args.mid(2));
        }
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Archival Studio: image generation for exhibitions.\n\n"
                       "Without a command the studio window opens.\n"
                       "Commands:\n"
                       "  programs   print the program table\n"
                       "  generate   make images from a program and a prompt "
                       "(generate --help)\n"
                       "  batch      queue sets and upload them to R2 (batch --help)\n"
                       "  serve      host exhibition screens without a window "
                       "(serve --help)\n"
                       "  worker     make batch sets queued on a Redis broker "
                       "(worker --help)"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("programs | generate | batch | serve | worker (optional)"));
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
            const auto registry = archival::pipeline::ProgramRegistry::load(
                archival::pipeline::ProgramRegistry::defaultUserFile(),
                archival::pipeline::assetPathsFromSettings(QSettings()));
            QTextStream(stdout) << archival::adapters::renderProgramTable(registry);
            return 0;
        }
        return usageError(QStringLiteral("unknown command '%1'").arg(command), parser);
    }

    QApplication app(argc, argv);
    setIdentity();
    // The desktop file's name lets Wayland and the task bar match the window to its icon.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.archivalstudio.ArchivalStudio"));
    QApplication::setWindowIcon(
        QIcon::fromTheme(QStringLiteral("org.archivalstudio.ArchivalStudio"),
                         QIcon(QStringLiteral(":/icons/archival-studio.svg"))));
    return runStudioWindow(app);
}
