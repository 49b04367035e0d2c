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
#include <variant>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/queue_lock.h"
#include "adapters/batch/s3_client.h"
#include "adapters/batch/service_image_source.h"
#include "adapters/broker/broker_set_queue.h"
#include "adapters/cli/command_line.h"
#include "adapters/cli/exit_codes.h"
#include "adapters/cli/signal_watcher.h"
#include "adapters/host/access_token.h"
#include "adapters/host/exhibition_host.h"
#include "adapters/host/outgoing_text.h"
#include "adapters/host/service_job_runner.h"
#include "broker_options.h"
#include "r2_options.h"
#include "studio_assembly.h"

namespace archival::app {

namespace {

using adapters::UsageError;
using adapters::host::HostSettings;

const QString kCommand = QStringLiteral("serve");
constexpr int kUsageError = 2;
constexpr int kStartError = 1;
constexpr int kStopGraceMs = 60000;  // longest wait for jobs to end after a stop signal
// Shorter tokens can be guessed by anyone who can reach the port; the studio's own has 43.
constexpr int kMinTokenLength = 16;

// Lines carry client-supplied text (names, prompts, ids, folder names): escaped, one line each.
void logLine(const QString& line) {
    QTextStream out(stdout);
    out << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << ' '
        << adapters::host::escapeControlCharacters(line) << '\n';
    out.flush();
}

// The command's options, as QCommandLineParser reads them.
struct ServeCommandLine {
    QCommandLineParser parser;
    QCommandLineOption listen{QStringLiteral("listen"),
                              QStringLiteral("address and port (default 127.0.0.1:8787; "
                                             "port 0 picks a free one)"),
                              QStringLiteral("addr:port"), QStringLiteral("127.0.0.1:8787")};
    QCommandLineOption token{QStringLiteral("token"),
                             QStringLiteral("access token clients must present"),
                             QStringLiteral("token")};
    QCommandLineOption tokenFile{QStringLiteral("token-file"),
                                 QStringLiteral("read the access token from this file"),
                                 QStringLiteral("file")};
    QCommandLineOption programs{QStringLiteral("programs"),
                                QStringLiteral("programs file (default: the user's)"),
                                QStringLiteral("file")};
    QCommandLineOption httpPort{
        QStringLiteral("http-port"),
        QStringLiteral("display page port (default: WebSocket port + 1; 0 any; -1 off)"),
        QStringLiteral("port")};
    QCommandLineOption origin{QStringLiteral("origin"),
                              QStringLiteral("allow browser pages from this origin "
                                             "(repeatable; * allows any)"),
                              QStringLiteral("url")};
    QCommandLineOption allowedHost{
        QStringLiteral("allowed-host"),
        QStringLiteral("a name the HTTP port answers to besides its address (repeatable; "
                       "* allows any)"),
        QStringLiteral("name")};
    QCommandLineOption requireToken{
        QStringLiteral("require-token"),
        QStringLiteral("require the token on loopback too (always required elsewhere)")};
    QCommandLineOption tlsCert{QStringLiteral("tls-cert"),
                               QStringLiteral("PEM certificate (chain): wss:// and https://"),
                               QStringLiteral("file")};
    QCommandLineOption tlsKey{QStringLiteral("tls-key"), QStringLiteral("PEM private key"),
                              QStringLiteral("file")};
    QCommandLineOption limit{QStringLiteral("limit"),
                             QStringLiteral("a limit, e.g. messages-per-second=50 "
                                            "(repeatable; see PROTOCOL.md)"),
                             QStringLiteral("name=value")};
    QCommandLineOption onStop{QStringLiteral("on-stop"),
                              QStringLiteral("on SIGTERM: cancel (default) or finish jobs"),
                              QStringLiteral("cancel|finish"), QStringLiteral("cancel")};
    QCommandLineOption device{QStringLiteral("device"),
                              QStringLiteral("auto, cpu, cuda or cuda:N (default: settings)"),
                              QStringLiteral("device")};
    QCommandLineOption batchQueue{
        QStringLiteral("batch-queue"),
        QStringLiteral("the durable batch queue's folder (default with the R2 options: the app "
                       "data folder)"),
        QStringLiteral("dir")};
    QCommandLineOption broker{
        QStringLiteral("broker"),
        QStringLiteral("put the HTTP batch endpoints' sets on this Redis broker for `archival-"
                       "studio worker`s instead of a local queue (redis://HOST:PORT/DB or "
                       "rediss://...)"),
        QStringLiteral("url")};

    ServeCommandLine() {
        parser.setApplicationDescription(QStringLiteral(
            "Runs the exhibition host without a window: screens attach over WebSocket, a kiosk "
            "browser opens the display page. Protocol: core/adapters/host/PROTOCOL.md.\n"
            "Batch (Mode B) on the HTTP port, with any R2 option or --batch-queue: POST "
            "/generate_single_set and /generate_multiple_sets (the reference service's), "
            "/api/v1/batch; GET /health, /memory_stats; POST /clear_cache. Sets go through the "
            "durable queue and are uploaded to the R2 destination: the studio's R2 settings, "
            "overridden by --endpoint (or --account-id), --bucket, --prefix, --access-key-id, "
            "--key-template and --public-url; the secret comes from ARCHIVAL_R2_SECRET when "
            "set, else the keychain. Without a destination the generate endpoints answer 503 "
            "naming what is missing.\n"
            "With --broker URL the batch endpoints put their sets on a Redis broker for "
            "`archival-studio worker`s (the R2 options then only name the objects, as the "
            "workers do); the password comes from the URL, ARCHIVAL_BROKER_PASSWORD or the "
            "keychain."));
        parser.addHelpOption();
        parser.addOptions({listen, token, tokenFile, programs, httpPort, origin, allowedHost,
                           requireToken, tlsCert, tlsKey, limit, onStop, device, batchQueue,
                           broker});
    }
    const R2Options r2{parser, false};
};

// What the command was asked to do.
struct ServeOptions {
    HostSettings host;
    bool finishJobsOnStop = false;  // --on-stop finish
    QString batchQueueDir;          // empty: the default folder, when there is a queue
    bool batchQueue = false;        // --batch-queue or R2 options given
    bool r2Given = false;           // R2 options given: uploads are required
    QString broker;                 // non-empty: batch sets go to this broker
    adapters::R2Settings r2;        // the studio's R2 settings with the options
    CoreOptions core;
};

// Validated and assembled: the host over the core, and the queue of Mode B.
struct ServePlan {
    ServeOptions options;
    StudioCore core;
    // Before the host, which uses them: it goes first.
    std::unique_ptr<adapters::RedisConnection> brokerConnection;
    std::unique_ptr<adapters::BrokerSetQueue> brokerSets;
    std::unique_ptr<adapters::host::ServiceJobRunner> jobs;
    std::unique_ptr<adapters::host::ExhibitionHost> host;
    std::unique_ptr<adapters::ServiceImageSource> imageSource;
    std::unique_ptr<adapters::QueueLock> queueLock;  // held while the queue lives
    std::unique_ptr<adapters::S3Client> uploader;    // before the queue: the queue goes first
    std::unique_ptr<adapters::BatchQueue> queue;
};

// The token from --token or --token-file into `settings`.
std::optional<UsageError> parseToken(const ServeCommandLine& cl, HostSettings* settings) {
    const QCommandLineParser& p = cl.parser;
    if (p.isSet(cl.token) && p.isSet(cl.tokenFile))
        return UsageError{QStringLiteral("give --token or --token-file, not both")};
    if (p.isSet(cl.token)) settings->token = p.value(cl.token);
    if (p.isSet(cl.tokenFile)) {
        QFile f(p.value(cl.tokenFile));
        if (!f.open(QIODevice::ReadOnly))
            return UsageError{QStringLiteral("cannot read the token file %1").arg(f.fileName())};
        settings->token = QString::fromUtf8(f.readAll()).trimmed();
        if (settings->token.isEmpty())
            return UsageError{QStringLiteral("the token file %1 is empty").arg(f.fileName())};
    }
    if (p.isSet(cl.token) && settings->token.isEmpty())
        return UsageError{QStringLiteral("--token needs a non-empty value")};
    if (!settings->token.isEmpty() && settings->token.size() < kMinTokenLength)
        return UsageError{QStringLiteral("the access token %1 has %2 characters; it needs at "
                                         "least %3 (e.g. the output of "
                                         "'head -c 32 /dev/urandom | base64')")
                              .arg(p.isSet(cl.token)
                                       ? QStringLiteral("given with --token")
                                       : QStringLiteral("in ") + p.value(cl.tokenFile))
                              .arg(settings->token.size())
                              .arg(kMinTokenLength)};
    return std::nullopt;
}

// Ports, origins, TLS and limits into `settings`.
std::optional<UsageError> parseServing(const ServeCommandLine& cl, HostSettings* settings) {
    const QCommandLineParser& p = cl.parser;
    if (p.isSet(cl.httpPort)) {
        bool ok = false;
        settings->httpPort = p.value(cl.httpPort).toInt(&ok);
        if (!ok || settings->httpPort < -1 || settings->httpPort > 65535)
            return UsageError{QStringLiteral("--http-port takes -1 to 65535")};
    }
    settings->allowedOrigins = p.values(cl.origin);
    settings->allowedHosts = p.values(cl.allowedHost);
    settings->requireTokenOnLoopback = p.isSet(cl.requireToken);
    if (settings->requireTokenOnLoopback && settings->token.isEmpty())
        return UsageError{QStringLiteral("--require-token needs --token or --token-file")};
    settings->tlsCertificateFile = p.value(cl.tlsCert);
    settings->tlsKeyFile = p.value(cl.tlsKey);
    if (p.isSet(cl.tlsCert) != p.isSet(cl.tlsKey))
        return UsageError{QStringLiteral("TLS needs both --tls-cert and --tls-key")};
    QString error;
    for (const QString& assignment : p.values(cl.limit))
        if (!settings->limits.set(assignment, &error)) return UsageError{error};
    return std::nullopt;
}

std::variant<ServeOptions, UsageError> parseOptions(const ServeCommandLine& cl) {
    const QCommandLineParser& p = cl.parser;
    ServeOptions o;
    QString error;
    if (!adapters::host::parseListenAddress(p.value(cl.listen), &o.host.address, &o.host.port,
                                            &error))
        return UsageError{error};
    if (auto problem = parseToken(cl, &o.host)) return *problem;
    if (auto problem = parseServing(cl, &o.host)) return *problem;
    const QString stopMode = p.value(cl.onStop);
    if (stopMode != QLatin1String("cancel") && stopMode != QLatin1String("finish"))
        return UsageError{QStringLiteral("--on-stop takes cancel or finish")};
    o.finishJobsOnStop = stopMode == QLatin1String("finish");
    o.batchQueueDir = p.value(cl.batchQueue);
    o.r2 = adapters::R2Settings::load(QSettings());
    if (const auto problem = cl.r2.apply(&o.r2)) return UsageError{*problem};
    o.r2Given = cl.r2.destinationGiven();
    o.broker = p.value(cl.broker);
    if (p.isSet(cl.broker) && o.broker.isEmpty())
        return UsageError{QStringLiteral("--broker needs a URL")};
    if (!o.broker.isEmpty() && p.isSet(cl.batchQueue))
        return UsageError{
            QStringLiteral("--broker and --batch-queue do not go together: the "
                           "broker's workers keep the sets")};
    o.batchQueue = o.broker.isEmpty() && (p.isSet(cl.batchQueue) || o.r2Given);
    o.core.programsFile = p.value(cl.programs);
    o.core.device = p.value(cl.device);
    o.core.previews = true;  // the screens show them
    return o;
}

// Off loopback without a token given: the studio's own, from the keychain. An exit code
// when there is none to be had.
std::optional<int> takeStoredToken(HostSettings* settings) {
    if (!settings->tokenRequired() || !settings->token.isEmpty()) return std::nullopt;
    const auto stored = adapters::host::loadOrCreateAccessToken();
    if (!stored.stored) {
        QTextStream(stderr) << "archival-studio serve: listening on "
                            << settings->address.toString()
                            << " needs an access token and the keychain is unavailable ("
                            << stored.keychainError << "): pass --token or --token-file\n";
        return kUsageError;
    }
    settings->token = stored.token;
    logLine(stored.generated ? QStringLiteral("access token: new, stored in the keychain")
                             : QStringLiteral("access token: the one in the keychain"));
    return std::nullopt;
}

// Off loopback without TLS the token (and every image) crosses the network in clear: say so
// where the operator reads the log.
void warnIfClearText(const HostSettings& settings) {
    if (settings.isLoopback() || settings.tlsEnabled()) return;
    logLine(QStringLiteral("warning: listening on %1 without TLS: the access token travels in "
                           "clear text; give --tls-cert and --tls-key to use wss:// and https://")
                .arg(settings.address.toString()));
}

// Mode B: sets are generated and kept in the queue folder, and uploaded to the R2
// destination when there is one (R2 options, or the studio's complete R2 settings and a
// secret). Without one they wait at "generated" (`batch --resume` uploads them) and the seed
// endpoints say what is missing. R2 options given without a usable destination stop the
// command: an exit code.
std::optional<int> attachBatchQueue(ServePlan& plan) {
    const adapters::R2Settings& r2 = plan.options.r2;
    const QString root = plan.options.batchQueueDir.isEmpty()
                             ? adapters::QueueSettings::defaultRoot()
                             : plan.options.batchQueueDir;
    auto locked = adapters::QueueLock::take(root);
    if (const auto* error = std::get_if<pipeline::Error>(&locked)) {
        QTextStream(stderr) << "archival-studio serve: " << error->toString() << '\n';
        return adapters::exitCodeForError(error->codeName());
    }
    plan.queueLock = std::move(std::get<std::unique_ptr<adapters::QueueLock>>(locked));
    QString uploaderProblem;
    auto connected = connectR2Store(r2);
    if (auto* problem = std::get_if<R2StoreProblem>(&connected)) {
        if (plan.options.r2Given) {
            QTextStream(stderr) << "archival-studio serve: " << problem->message << '\n';
            return problem->exitCode;
        }
        uploaderProblem = problem->message;
        logLine(QStringLiteral("batch: no uploads: ") + uploaderProblem);
    } else {
        plan.uploader = std::move(std::get<std::unique_ptr<adapters::S3Client>>(connected));
        logLine(QStringLiteral("batch: uploading to bucket %1 at %2")
                    .arg(r2.bucket, r2.effectiveEndpoint().toString()));
    }
    adapters::QueueSettings queueSettings;
    queueSettings.root = plan.options.batchQueueDir;
    queueSettings.bucket = r2.bucket.trimmed();
    queueSettings.prefix = r2.prefix.trimmed();
    queueSettings.keyTemplate = r2.keyTemplate.trimmed();
    queueSettings.publicBaseUrl = r2.publicBaseUrl.trimmed();
    queueSettings.caps = plan.options.host.limits.queue;
    plan.imageSource = std::make_unique<adapters::ServiceImageSource>(*plan.core.service);
    plan.queue =
        std::make_unique<adapters::BatchQueue>(queueSettings, plan.imageSource.get(), nullptr);
    for (const QString& problem : plan.queue->resume())
        logLine(QStringLiteral("batch: ") + problem);
    plan.queue->setUploader(plan.uploader.get(), uploaderProblem);
    QObject::connect(
        plan.queue.get(), &adapters::BatchQueue::setChanged, plan.host.get(),
        [](const adapters::SetRecord& r) {
            logLine(QStringLiteral("batch set %1 %2%3")
                        .arg(r.key(), adapters::setStateName(r.state),
                             r.reason.isEmpty() ? QString() : QStringLiteral(": ") + r.reason));
        });
    QObject::connect(
        plan.queue.get(), &adapters::BatchQueue::actionStopped, plan.host.get(),
        [](const QString& action, const QString& message) {
            logLine(QStringLiteral("batch action %1 stopped: %2").arg(action, message));
        });
    plan.host->setBatchQueue(plan.queue.get());
    return std::nullopt;
}

// Mode B over a broker: the batch endpoints put sets on it; the workers make and upload
// them. The connection comes back by itself after a drop; meanwhile requests answer 503.
std::optional<int> attachBroker(ServePlan& plan) {
    auto connected = connectBroker(plan.options.broker, true);
    if (const auto* problem = std::get_if<BrokerProblem>(&connected)) {
        QTextStream(stderr) << "archival-studio serve: broker: " << problem->message << '\n';
        return problem->exitCode;
    }
    plan.brokerConnection =
        std::move(std::get<std::unique_ptr<adapters::RedisConnection>>(connected));
    QObject::connect(
        plan.brokerConnection.get(), &adapters::RedisConnection::lost, plan.host.get(),
        [](const adapters::BrokerError& e) {
            logLine(QStringLiteral("batch broker: %1 (trying again)").arg(e.toString()));
        });
    plan.brokerSets = std::make_unique<adapters::BrokerSetQueue>(plan.brokerConnection.get());
    const adapters::R2Settings& r2 = plan.options.r2;
    adapters::QueueSettings naming;
    naming.bucket = r2.bucket.trimmed();
    naming.prefix = r2.prefix.trimmed();
    naming.keyTemplate = r2.keyTemplate.trimmed();
    naming.publicBaseUrl = r2.publicBaseUrl.trimmed();
    naming.caps = plan.options.host.limits.queue;
    plan.host->setBatchBroker(plan.brokerSets.get(), naming);
    logLine(QStringLiteral("batch: sets go to the broker at %1")
                .arg(plan.brokerConnection->address().display()));
    return std::nullopt;
}

// The token, the programs file, the core, the host (and Mode B's queue); an exit code when
// one of them is missing.
std::variant<ServePlan, int> plan(ServeOptions options) {
    if (const auto code = takeStoredToken(&options.host)) return *code;
    warnIfClearText(options.host);
    const QString programsFile = options.core.programsFile;
    if (!programsFile.isEmpty() && !QFileInfo::exists(programsFile)) {
        QTextStream(stderr) << "archival-studio serve: the programs file " << programsFile
                            << " does not exist\n";
        return kUsageError;
    }
    ServePlan out;
    out.core = assembleStudioCore(QSettings(), options.core);
    for (const auto& issue : out.core.registry.issues())
        logLine(QStringLiteral("warning: ") + issue.toString());
    out.jobs = std::make_unique<adapters::host::ServiceJobRunner>(out.core.service.get());
    out.host = std::make_unique<adapters::host::ExhibitionHost>(options.host, out.jobs.get());
    QObject::connect(out.host.get(), &adapters::host::ExhibitionHost::logLine, out.host.get(),
                     &logLine);
    out.options = std::move(options);
    if (out.options.batchQueue)
        if (const auto code = attachBatchQueue(out)) return *code;
    if (!out.options.broker.isEmpty())
        if (const auto code = attachBroker(out)) return *code;
    return std::move(out);
}

// Stop: close the screens, then cancel or finish this host's jobs, then leave.
int run(ServePlan& plan) {
    adapters::host::ExhibitionHost& host = *plan.host;
    if (!host.start()) {
        QTextStream(stderr) << "archival-studio serve: " << host.errorString() << '\n';
        return kStartError;
    }
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
            if (!plan.options.finishJobsOnStop || second) {
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
    plan.core.service->cancelAll();
    logLine(QStringLiteral("stopped"));
    return code;
}

}  // namespace

int runServeCommand(const QStringList& args) {
    ServeCommandLine cl;
    if (const auto done = adapters::parseCommandLine(cl.parser, kCommand, args)) return *done;
    auto options = parseOptions(cl);
    if (const auto* error = std::get_if<UsageError>(&options))
        return adapters::commandUsageError(kCommand, error->message, cl.parser);
    auto planned = plan(std::get<ServeOptions>(std::move(options)));
    if (const int* code = std::get_if<int>(&planned)) return *code;
    return run(std::get<ServePlan>(planned));
}

}  // namespace archival::app
