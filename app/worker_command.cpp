#include "worker_command.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QHostInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QTextStream>
#include <memory>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/path_id.h"
#include "adapters/batch/queue_lock.h"
#include "adapters/batch/r2_settings.h"
#include "adapters/batch/s3_client.h"
#include "adapters/batch/service_image_source.h"
#include "adapters/broker/broker_worker.h"
#include "adapters/cli/command_line.h"
#include "adapters/cli/exit_codes.h"
#include "adapters/cli/signal_watcher.h"
#include "broker_options.h"
#include "r2_options.h"
#include "studio_assembly.h"

namespace archival::app {

namespace {

using namespace archival::adapters;

const QString kCommand = QStringLiteral("worker");

QTextStream& err() {
    static QTextStream stream(stderr);
    return stream;
}

int fail(const QString& message, int code) {
    err() << "archival-studio worker: " << message << '\n';
    err().flush();
    return code;
}

void logLine(const QString& line) {
    err() << QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs) << ' ' << line << '\n';
    err().flush();
}

struct WorkerCommandLine {
    QCommandLineParser parser;
    QCommandLineOption add(const QString& name, const QString& help, const QString& value = {},
                           const QString& defaultValue = {}) {
        QCommandLineOption o(name, help, value, defaultValue);
        parser.addOption(o);
        return o;
    }
    WorkerCommandLine() {
        parser.setApplicationDescription(QStringLiteral(
            "Takes batch sets from a Redis broker (queued with `batch --broker`), makes them "
            "exactly as `batch` does and uploads them write-once to R2 (or any S3-compatible "
            "store); several workers on several machines share the sets. SIGTERM: the set "
            "being uploaded is finished, one being generated is handed back.\n"
            "The broker's password comes from the URL, ARCHIVAL_BROKER_PASSWORD or the "
            "keychain; the R2 secret from ARCHIVAL_R2_SECRET or the keychain.\n"
            "Exit codes: 0 stopped by a signal, 2 usage, 6 storage, 10 no R2 secret, 11 broker "
            "unreachable, 12 broker refused the password."));
        parser.addHelpOption();
    }
    const QCommandLineOption broker =
        add("broker", "The broker: redis://HOST:PORT/DB or rediss://HOST:PORT/DB.", "url");
    const QCommandLineOption name =
        add("name",
            "This worker's name on the broker (default: host-pid); give a name that "
            "stays the same across restarts to take back its own set at once.",
            "name");
    const QCommandLineOption programs =
        add("programs", "A programs file instead of the user's.", "file");
    const R2Options r2{parser, false};
    const QCommandLineOption queueDir =
        add("queue", "Folder for the sets being made (default: the app data folder).", "dir");
    const QCommandLineOption device = add("device", "auto, cpu, cuda or cuda:N.", "device");
    const QCommandLineOption lease =
        add("lease-seconds",
            "How long a set may go without a sign of life from its worker before another takes it "
            "(the same on every worker).",
            "s", "60");
    const QCommandLineOption maxDeliveries =
        add("max-deliveries",
            "A set handed out more often than this (it stopped every worker that took it) is "
            "marked failed instead of handed out again.",
            "n", "5");
};

}  // namespace

int runWorkerCommand(const QStringList& args) {
    WorkerCommandLine cl;
    if (const auto done = parseCommandLine(cl.parser, kCommand, args)) return *done;
    const QCommandLineParser& p = cl.parser;
    if (!p.isSet(cl.broker))
        return commandUsageError(kCommand, QStringLiteral("--broker is required"), cl.parser);
    bool ok = false;
    const double leaseSeconds = p.value(cl.lease).toDouble(&ok);
    if (!ok || leaseSeconds < 0.3 || leaseSeconds > 86400)
        return commandUsageError(kCommand, QStringLiteral("--lease-seconds takes 0.3..86400"),
                                 cl.parser);
    const int maxDeliveries = p.value(cl.maxDeliveries).toInt(&ok);
    if (!ok || maxDeliveries < 1 || maxDeliveries > 1000000)
        return commandUsageError(kCommand, QStringLiteral("--max-deliveries takes 1..1000000"),
                                 cl.parser);
    WorkerSettings settings;
    settings.maxDeliveries = maxDeliveries;
    settings.leaseMs = int(leaseSeconds * 1000);
    settings.blockMs = std::min(1000, std::max(100, settings.leaseMs / 4));
    settings.name = p.isSet(cl.name) ? p.value(cl.name)
                                     : QHostInfo::localHostName() + QLatin1Char('-') +
                                           QString::number(QCoreApplication::applicationPid());
    if (const QString why = pathIdProblem(settings.name); !why.isEmpty())
        return commandUsageError(
            kCommand, QStringLiteral("--name \"%1\" %2").arg(settings.name, why), cl.parser);

    R2Settings r2 = R2Settings::load(QSettings());
    if (const auto error = cl.r2.apply(&r2)) return commandUsageError(kCommand, *error, cl.parser);
    const QString programsFile = p.value(cl.programs);
    if (!programsFile.isEmpty() && !QFileInfo::exists(programsFile))
        return fail(QStringLiteral("the programs file %1 does not exist").arg(programsFile),
                    exitCodeForError(QStringLiteral("InvalidRequest")));

    auto store = connectR2Store(r2);
    if (const auto* problem = std::get_if<R2StoreProblem>(&store))
        return fail(problem->message, problem->exitCode);
    const auto client = std::move(std::get<std::unique_ptr<S3Client>>(store));
    QObject::connect(client.get(), &S3Client::retrying,
                     [](const QString& key, int attempt, int delayMs, const QString& reason) {
                         logLine(QStringLiteral("retrying %1 (attempt %2 in %3 ms): %4")
                                     .arg(key)
                                     .arg(attempt + 1)
                                     .arg(delayMs)
                                     .arg(reason));
                     });

    auto connected = connectBroker(p.value(cl.broker), true);
    if (const auto* problem = std::get_if<BrokerProblem>(&connected))
        return fail(problem->message, problem->exitCode);
    const auto broker = std::move(std::get<std::unique_ptr<RedisConnection>>(connected));
    // A blocking read waits blockMs: its answer must not count as a broker that is gone.
    broker->setReplyTimeoutMs(settings.blockMs + 10000);
    QObject::connect(broker.get(), &RedisConnection::lost, [](const BrokerError& e) {
        logLine(QStringLiteral("broker: %1").arg(e.toString()));
    });
    QObject::connect(broker.get(), &RedisConnection::ready,
                     [&] { logLine(QStringLiteral("broker: connected")); });

    // The worker's own folder: the sets it is making. The broker holds what is queued, so
    // what a previous run left here is not resumed (another worker may have made it since).
    const QString base = p.isSet(cl.queueDir)
                             ? p.value(cl.queueDir)
                             : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                   QStringLiteral("/worker");
    const QString root = QDir(base).filePath(settings.name);
    auto taken = QueueLock::take(root);
    if (const auto* error = std::get_if<pipeline::Error>(&taken))
        return fail(error->toString(), exitCodeForError(error->codeName()));
    const auto lock = std::move(std::get<std::unique_ptr<QueueLock>>(taken));
    for (const QString& action : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        QDir(QDir(root).filePath(action)).removeRecursively();

    CoreOptions core;
    core.programsFile = programsFile;
    core.device = p.value(cl.device);
    core.previews = false;
    StudioCore studio = assembleStudioCore(QSettings(), core);
    ServiceImageSource source(*studio.service);
    QueueSettings queueSettings;
    queueSettings.root = root;
    queueSettings.prefix = r2.prefix;
    queueSettings.bucket = r2.bucket;
    queueSettings.keyTemplate = r2.keyTemplate;
    queueSettings.publicBaseUrl = r2.publicBaseUrl;
    queueSettings.uploadingSets = 1;
    BatchQueue queue(queueSettings, &source, client.get());

    BrokerWorker worker(broker.get(), &queue, client.get(), settings);
    worker.setPreviewsWanted([&](bool wanted) {
        pipeline::ServiceSettings s = studio.service->settings();
        if (s.previews == wanted) return;
        s.previews = wanted;
        studio.service->setSettings(s);
    });
    QObject::connect(&worker, &BrokerWorker::note, &logLine);
    QObject::connect(&worker, &BrokerWorker::setDone,
                     [](const QString& key, const QString& outcome) {
                         QTextStream out(stdout);
                         out << key << ' ' << outcome << '\n';
                         out.flush();
                     });
    int exitCode = 0;
    QObject::connect(&worker, &BrokerWorker::finished, [&](const QString& error) {
        if (!error.isEmpty()) exitCode = fail(error, kBrokerAuth);
        QCoreApplication::exit(exitCode);
    });
    SignalWatcher signals_;
    int received = 0;
    QObject::connect(&signals_, &SignalWatcher::received, [&](int) {
        if (++received == 1) {
            logLine(
                QStringLiteral("stopping: no new set; the set in hand is finished or "
                               "handed back"));
            worker.stop();
            return;
        }
        // A second signal: out now; the lease hands the set on.
        studio.service->cancelAll();
        QCoreApplication::exit(kCancelledExitCode);
    });
    logLine(QStringLiteral("worker %1 on %2, lease %3 s")
                .arg(settings.name, broker->address().display())
                .arg(leaseSeconds));
    worker.start();
    const int code = QCoreApplication::exec();
    QObject::disconnect(&source, nullptr, &queue, nullptr);
    studio.service->cancelAll();
    return code;
}

}  // namespace archival::app
