#include "serve_command.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QTextStream>
#include <QTimer>
#include <memory>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/service_image_source.h"
#include "adapters/cli/signal_watcher.h"
#include "adapters/host/access_token.h"
#include "adapters/host/exhibition_host.h"
#include "adapters/host/service_job_runner.h"
#include "pipeline/generation_service.h"
#include "pipeline/pipeline_factory.h"
#include "pipeline/program_registry.h"
#include "pipeline/studio_settings.h"

namespace archival::app {

namespace {

using adapters::host::HostSettings;

constexpr int kUsageError = 2;
constexpr int kStartError = 1;
constexpr int kStopGraceMs = 60000;  // longest wait for jobs to end after a stop signal

void logLine(const QString& line) {
    QTextStream out(stdout);
    out << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << ' ' << line << '\n';
    out.flush();
}

int usageError(const QString& message, const QCommandLineParser& parser) {
    QTextStream(stderr) << "archival-studio serve: " << message << "\n\n" << parser.helpText();
    return kUsageError;
}

}  // namespace

int runServeCommand(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Runs the exhibition host without a window: screens attach over WebSocket, a kiosk "
        "browser opens the display page. Protocol: core/adapters/host/PROTOCOL.md."));
    parser.addHelpOption();
    const QCommandLineOption listen(QStringLiteral("listen"),
                                    QStringLiteral("address and port (default 127.0.0.1:8787; "
                                                   "port 0 picks a free one)"),
                                    QStringLiteral("addr:port"), QStringLiteral("127.0.0.1:8787"));
    const QCommandLineOption token(QStringLiteral("token"),
                                   QStringLiteral("access token clients must present"),
                                   QStringLiteral("token"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("read the access token from this file"),
                                       QStringLiteral("file"));
    const QCommandLineOption programs(QStringLiteral("programs"),
                                      QStringLiteral("programs file (default: the user's)"),
                                      QStringLiteral("file"));
    const QCommandLineOption httpPort(
        QStringLiteral("http-port"),
        QStringLiteral("display page port (default: WebSocket port + 1; 0 any; -1 off)"),
        QStringLiteral("port"));
    const QCommandLineOption origin(QStringLiteral("origin"),
                                    QStringLiteral("allow browser pages from this origin "
                                                   "(repeatable; * allows any)"),
                                    QStringLiteral("url"));
    const QCommandLineOption requireToken(
        QStringLiteral("require-token"),
        QStringLiteral("require the token on loopback too (always required elsewhere)"));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"),
                                     QStringLiteral("PEM certificate (chain): wss:// and https://"),
                                     QStringLiteral("file"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"), QStringLiteral("PEM private key"),
                                    QStringLiteral("file"));
    const QCommandLineOption limit(QStringLiteral("limit"),
                                   QStringLiteral("a limit, e.g. messages-per-second=50 "
                                                  "(repeatable; see PROTOCOL.md)"),
                                   QStringLiteral("name=value"));
    const QCommandLineOption onStop(QStringLiteral("on-stop"),
                                    QStringLiteral("on SIGTERM: cancel (default) or finish jobs"),
                                    QStringLiteral("cancel|finish"), QStringLiteral("cancel"));
    const QCommandLineOption device(QStringLiteral("device"),
                                    QStringLiteral("auto, cpu, cuda or cuda:N (default: settings)"),
                                    QStringLiteral("device"));
    const QCommandLineOption batchQueue(
        QStringLiteral("batch-queue"),
        QStringLiteral("serve the batch API (Mode B) over the durable queue in this folder"),
        QStringLiteral("dir"));
    parser.addOptions({listen, token, tokenFile, programs, httpPort, origin, requireToken, tlsCert,
                       tlsKey, limit, onStop, device, batchQueue});
    if (!parser.parse(QStringList{QStringLiteral("archival-studio serve")} + args))
        return usageError(parser.errorText(), parser);
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()),
            parser);

    HostSettings settings;
    QString error;
    if (!adapters::host::parseListenAddress(parser.value(listen), &settings.address, &settings.port,
                                            &error))
        return usageError(error, parser);
    if (parser.isSet(token) && parser.isSet(tokenFile))
        return usageError(QStringLiteral("give --token or --token-file, not both"), parser);
    if (parser.isSet(token)) settings.token = parser.value(token);
    if (parser.isSet(tokenFile)) {
        QFile f(parser.value(tokenFile));
        if (!f.open(QIODevice::ReadOnly))
            return usageError(QStringLiteral("cannot read the token file %1").arg(f.fileName()),
                              parser);
        settings.token = QString::fromUtf8(f.readAll()).trimmed();
        if (settings.token.isEmpty())
            return usageError(QStringLiteral("the token file %1 is empty").arg(f.fileName()),
                              parser);
    }
    if (parser.isSet(token) && settings.token.isEmpty())
        return usageError(QStringLiteral("--token needs a non-empty value"), parser);
    if (parser.isSet(httpPort)) {
        bool ok = false;
        settings.httpPort = parser.value(httpPort).toInt(&ok);
        if (!ok || settings.httpPort < -1 || settings.httpPort > 65535)
            return usageError(QStringLiteral("--http-port takes -1 to 65535"), parser);
    }
    settings.allowedOrigins = parser.values(origin);
    settings.requireTokenOnLoopback = parser.isSet(requireToken);
    if (settings.requireTokenOnLoopback && settings.token.isEmpty())
        return usageError(QStringLiteral("--require-token needs --token or --token-file"), parser);
    settings.tlsCertificateFile = parser.value(tlsCert);
    settings.tlsKeyFile = parser.value(tlsKey);
    if (parser.isSet(tlsCert) != parser.isSet(tlsKey))
        return usageError(QStringLiteral("TLS needs both --tls-cert and --tls-key"), parser);
    for (const QString& assignment : parser.values(limit))
        if (!settings.limits.set(assignment, &error)) return usageError(error, parser);
    const QString stopMode = parser.value(onStop);
    if (stopMode != QLatin1String("cancel") && stopMode != QLatin1String("finish"))
        return usageError(QStringLiteral("--on-stop takes cancel or finish"), parser);

    // Off loopback without a token given: the studio's own, from the keychain.
    if (settings.tokenRequired() && settings.token.isEmpty()) {
        const auto stored = adapters::host::loadOrCreateAccessToken();
        if (!stored.stored) {
            QTextStream(stderr) << "archival-studio serve: listening on "
                                << settings.address.toString()
                                << " needs an access token and the keychain is unavailable ("
                                << stored.keychainError << "): pass --token or --token-file\n";
            return kUsageError;
        }
        settings.token = stored.token;
        logLine(stored.generated ? QStringLiteral("access token: new, stored in the keychain")
                                 : QStringLiteral("access token: the one in the keychain"));
    }

    QSettings studioSettings;
    const QString programsFile = parser.isSet(programs)
                                     ? parser.value(programs)
                                     : pipeline::ProgramRegistry::defaultUserFile();
    if (parser.isSet(programs) && !QFileInfo::exists(programsFile)) {
        QTextStream(stderr) << "archival-studio serve: the programs file " << programsFile
                            << " does not exist\n";
        return kUsageError;
    }
    const auto registry = pipeline::ProgramRegistry::load(programsFile);
    for (const auto& issue : registry.issues())
        logLine(QStringLiteral("warning: ") + issue.toString());

    pipeline::FactorySettings factorySettings =
        pipeline::factorySettingsFromSettings(studioSettings);
    if (parser.isSet(device)) factorySettings.device = parser.value(device);
    auto factory = std::make_shared<pipeline::PipelineFactory>(factorySettings);
    pipeline::GenerationService service(registry, factory);
    pipeline::ServiceSettings serviceSettings =
        pipeline::serviceSettingsFromSettings(studioSettings);
    serviceSettings.previews = true;  // the screens show them
    service.setSettings(serviceSettings);

    adapters::host::ServiceJobRunner jobRunner(&service);
    adapters::host::ExhibitionHost host(settings, &jobRunner);
    QObject::connect(&host, &adapters::host::ExhibitionHost::logLine, &host, &logLine);

    // Mode B: sets are generated and kept in the queue folder; uploads are the studio's
    // batch command's job (it owns the R2 credentials), which resumes the same queue.
    std::unique_ptr<adapters::ServiceImageSource> imageSource;
    std::unique_ptr<adapters::BatchQueue> queue;
    if (parser.isSet(batchQueue)) {
        adapters::QueueSettings queueSettings;
        queueSettings.root = parser.value(batchQueue);
        imageSource = std::make_unique<adapters::ServiceImageSource>(service);
        queue = std::make_unique<adapters::BatchQueue>(queueSettings, imageSource.get(), nullptr);
        for (const QString& problem : queue->resume()) logLine(QStringLiteral("batch: ") + problem);
        QObject::connect(
            queue.get(), &adapters::BatchQueue::setChanged, &host,
            [](const adapters::SetRecord& r) {
                logLine(QStringLiteral("batch set %1 %2%3")
                            .arg(r.key(), adapters::setStateName(r.state),
                                 r.reason.isEmpty() ? QString() : QStringLiteral(": ") + r.reason));
            });
        host.setBatchQueue(queue.get());
    }
    if (!host.start()) {
        QTextStream(stderr) << "archival-studio serve: " << host.errorString() << '\n';
        return kStartError;
    }

    // Stop: close the screens, then cancel or finish this host's jobs, then leave.
    adapters::SignalWatcher stopSignals;
    bool stopping = false;
    auto quitWhenIdle = [&] {
        if (stopping && host.activeJobs().isEmpty()) QCoreApplication::exit(0);
    };
    QObject::connect(&host, &adapters::host::ExhibitionHost::clientsChanged, &host, quitWhenIdle);
    QObject::connect(
        &stopSignals, &adapters::SignalWatcher::received, &host, [&](int signalNumber) {
            const bool second = stopping;
            stopping = true;
            const auto jobs = host.activeJobs();
            if (stopMode == QLatin1String("cancel") || second) {
                logLine(QStringLiteral("stopping on signal %1: cancelling %2 job(s)")
                            .arg(signalNumber)
                            .arg(jobs.size()));
                // The screens hear `cancelled` before the host closes them (after the loop).
                host.cancelAllJobs();
            } else {
                logLine(QStringLiteral("stopping on signal %1: finishing %2 job(s) first")
                            .arg(signalNumber)
                            .arg(jobs.size()));
            }
            QTimer::singleShot(kStopGraceMs, &host, [] {
                logLine(QStringLiteral("jobs did not end in time: leaving anyway"));
                QCoreApplication::exit(1);
            });
            quitWhenIdle();
        });
    const int code = QCoreApplication::exec();
    host.stop();
    service.cancelAll();
    logLine(QStringLiteral("stopped"));
    return code;
}

}  // namespace archival::app
