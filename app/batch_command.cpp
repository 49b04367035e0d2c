#include "batch_command.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QSettings>
#include <QTextStream>
#include <memory>
#include <variant>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/queue_lock.h"
#include "adapters/batch/r2_settings.h"
#include "adapters/batch/s3_client.h"
#include "adapters/batch/service_image_source.h"
#include "adapters/cli/command_line.h"
#include "adapters/cli/exit_codes.h"
#include "adapters/cli/signal_watcher.h"
#include "adapters/cli/terminal_progress.h"
#include "batch_messages.h"
#include "broker_batch.h"
#include "broker_options.h"
#include "r2_options.h"
#include "studio_assembly.h"

namespace archival::app {

namespace {

using namespace archival::adapters;

const QString kCommand = QStringLiteral("batch");
constexpr int kUsage = 2;
constexpr int kRefused = 8;
constexpr int kSetsFailed = 9;
constexpr int kInterrupted = 130;

using batch_messages::err;
using batch_messages::fail;

// The command's options, as QCommandLineParser reads them.
struct BatchCommandLine {
    QCommandLineParser parser;
    QCommandLineOption add(const QString& name, const QString& help, const QString& value = {},
                           const QString& defaultValue = {}) {
        QCommandLineOption o(name, help, value, defaultValue);
        parser.addOption(o);
        return o;
    }
    BatchCommandLine() {
        parser.setApplicationDescription(QStringLiteral(
            "Generates sets of a program for an action id, keeps them on disk and uploads them "
            "with their metadata to Cloudflare R2 (or any S3-compatible store): by default "
            "actions/<action>/sets/<set>/final.png and meta.json (set ids from 0), and "
            "<step>.jpg with --upload-previews. The queue survives crashes: `batch --resume` "
            "carries on.\n"
            "The secret comes from ARCHIVAL_R2_SECRET when set, else the keychain.\n"
            "With --broker the sets go to a Redis broker and `archival-studio worker`s on "
            "any number of machines make and upload them.\n"
            "Exit codes (those of the action asked for, with --action-id): 0 done, 2 usage, "
            "3 invalid request, 4 model, 6 storage, 8 uploads refused (the store's reason is "
            "printed), 9 some sets failed, 10 no secret, 11 broker unreachable, 12 broker refused "
            "the password, 130 interrupted."));
        parser.addHelpOption();
    }
    const QCommandLineOption program = add("program", "Program id.", "id");
    const QCommandLineOption prompt = add("prompt", "The prompt.", "text");
    const QCommandLineOption actionId =
        add("action-id", "Action id (letters, digits, . _ -).", "id");
    const QCommandLineOption sets = add("sets", "Number of sets to queue.", "n");
    const QCommandLineOption parallel =
        add("parallel", "Generate sets of the program together in batched passes.");
    const QCommandLineOption imagesPerSet =
        add("images-per-set", "Images in each set (1-16).", "n", "1");
    const QCommandLineOption programs =
        add("programs", "A programs file instead of the user's.", "file");
    const R2Options r2{parser, true};
    const QCommandLineOption queueDir =
        add("queue", "Queue folder (default: the app data folder).", "dir");
    const QCommandLineOption device = add("device", "auto, cpu, cuda or cuda:N.", "device");
    const QCommandLineOption resume = add("resume", "Carry on with the queue on disk.");
    const QCommandLineOption status = add("status", "Print every action and set, then exit.");
    const QCommandLineOption retry = add("retry", "Retry failed sets (of --action-id, or all).");
    const QCommandLineOption cancel =
        add("cancel", "Cancel the sets of --action-id not yet uploaded.");
    const QCommandLineOption test =
        add("test-connection", "Make one signed request to the bucket.");
    const QCommandLineOption limit =
        add("limit",
            "A cap on the queue's unfinished work: max-queue-sets=N, max-queue-actions=N or "
            "max-queue-bytes=N (repeatable; defaults 10000, 1000, 67108864).",
            "name=value");
    const QCommandLineOption seed =
        add("seed",
            "The first set's seed (the next sets' count up from it), to make a batch again.", "n");
    const QCommandLineOption broker =
        add("broker",
            "Queue the new sets on a Redis broker for `archival-studio worker`s, or with "
            "--status list the broker's sets, with --retry put its failed sets on it again "
            "(redis://HOST:PORT/DB or rediss://...; the "
            "password from ARCHIVAL_BROKER_PASSWORD or the keychain).",
            "url");
};

enum class BatchMode { Queue, Resume, Status, Retry, Cancel, TestConnection };

// What the command was asked to do.
struct BatchOptions {
    BatchMode mode = BatchMode::Resume;
    QString program, prompt;
    QString actionId;  // empty: every action
    int sets = 0;
    int imagesPerSet = 1;
    std::optional<quint64> seed;
    QString broker;  // non-empty: new sets and --status go to the broker
    bool parallel = false;
    bool uploadPreviews = false;
    QString queueDir;
    QueueCaps caps;  // --limit
    // The studio's R2 settings with the options' overrides.
    R2Settings r2;
    CoreOptions core;
};

// Validated and assembled: the destination, the queue's settings and the core it runs on.
struct BatchPlan {
    BatchOptions options;
    R2Settings r2;
    QueueSettings queue;
    StudioCore core;
    std::unique_ptr<ServiceImageSource> source;
};

std::variant<BatchMode, UsageError> parseMode(const BatchCommandLine& cl) {
    const QCommandLineParser& p = cl.parser;
    const bool queueing = p.isSet(cl.sets) || p.isSet(cl.program) || p.isSet(cl.prompt);
    const std::pair<bool, BatchMode> modes[] = {{queueing, BatchMode::Queue},
                                                {p.isSet(cl.resume), BatchMode::Resume},
                                                {p.isSet(cl.status), BatchMode::Status},
                                                {p.isSet(cl.retry), BatchMode::Retry},
                                                {p.isSet(cl.cancel), BatchMode::Cancel},
                                                {p.isSet(cl.test), BatchMode::TestConnection}};
    std::optional<BatchMode> mode;
    int given = 0;
    for (const auto& [set, m] : modes)
        if (set) ++given, mode = m;
    if (given != 1)
        return UsageError{
            QStringLiteral("give new sets (--program --prompt --action-id --sets) "
                           "or exactly one of --resume, --status, --retry, "
                           "--cancel, --test-connection")};
    return *mode;
}

std::optional<UsageError> parseNewSets(const BatchCommandLine& cl, BatchOptions* o) {
    const QCommandLineParser& p = cl.parser;
    if (!p.isSet(cl.program) || !p.isSet(cl.prompt) || !p.isSet(cl.actionId) || !p.isSet(cl.sets))
        return UsageError{
            QStringLiteral("--program, --prompt, --action-id and --sets go together")};
    bool ok = false;
    o->sets = p.value(cl.sets).toInt(&ok);
    if (!ok || o->sets <= 0) return UsageError{QStringLiteral("--sets needs a positive number")};
    o->imagesPerSet = p.value(cl.imagesPerSet).toInt(&ok);
    if (!ok || o->imagesPerSet <= 0)
        return UsageError{QStringLiteral("--images-per-set needs a positive number")};
    o->program = p.value(cl.program);
    o->prompt = p.value(cl.prompt);
    o->parallel = p.isSet(cl.parallel);
    if (p.isSet(cl.seed)) {
        o->seed = p.value(cl.seed).toULongLong(&ok);
        if (!ok) return UsageError{QStringLiteral("--seed needs a number (0 or more)")};
    }
    return std::nullopt;
}

std::variant<BatchOptions, UsageError> parseOptions(const BatchCommandLine& cl) {
    const QCommandLineParser& p = cl.parser;
    const auto mode = parseMode(cl);
    if (const auto* error = std::get_if<UsageError>(&mode)) return *error;
    BatchOptions o;
    o.mode = std::get<BatchMode>(mode);
    if (o.mode == BatchMode::Queue)
        if (auto error = parseNewSets(cl, &o)) return *error;
    if (o.mode == BatchMode::Cancel && !p.isSet(cl.actionId))
        return UsageError{QStringLiteral("--cancel needs --action-id")};
    o.actionId = p.value(cl.actionId);
    o.queueDir = p.value(cl.queueDir);
    QString capError;
    for (const QString& assignment : p.values(cl.limit))
        if (!o.caps.set(assignment, &capError)) return UsageError{capError};
    o.broker = p.value(cl.broker);
    if (p.isSet(cl.broker) && o.broker.isEmpty())
        return UsageError{QStringLiteral("--broker needs a URL")};
    if (!o.broker.isEmpty() && o.mode != BatchMode::Queue && o.mode != BatchMode::Status &&
        o.mode != BatchMode::Retry)
        return UsageError{QStringLiteral("--broker goes with new sets, --status or --retry")};
    // A broker entry is one set, made in a pass of its own: sets sharing a pass would have
    // to be claimed together.
    if (!o.broker.isEmpty() && o.parallel)
        return UsageError{
            QStringLiteral("--parallel does not go with --broker (each worker "
                           "makes one set per pass)")};
    o.r2 = R2Settings::load(QSettings());
    if (const auto error = cl.r2.apply(&o.r2)) return UsageError{*error};
    // The option, or the studio's setting.
    o.uploadPreviews = cl.r2.uploadPreviews() || o.r2.uploadPreviews;
    o.core.programsFile = p.value(cl.programs);
    o.core.device = p.value(cl.device);
    // Previews only when sets upload them (see run(): resumed sets may): a terminal shows none.
    o.core.previews = o.uploadPreviews;
    return o;
}

// The studio's R2 settings with the options' overrides; the queue for that destination; the
// core. The generation service only starts its worker for jobs: --status needs none of it.
std::variant<BatchPlan, int> plan(BatchOptions options) {
    BatchPlan out;
    const QSettings settings;
    out.r2 = options.r2;
    out.queue.root = options.queueDir;
    out.queue.caps = options.caps;
    out.queue.prefix = out.r2.prefix;
    out.queue.bucket = out.r2.bucket;
    out.queue.keyTemplate = out.r2.keyTemplate;
    out.queue.publicBaseUrl = out.r2.publicBaseUrl;
    const QString programsFile = options.core.programsFile;
    if (!programsFile.isEmpty() && !QFileInfo::exists(programsFile))
        return fail(QStringLiteral("the programs file %1 does not exist").arg(programsFile),
                    exitCodeForError(QStringLiteral("InvalidRequest")));
    out.core = assembleStudioCore(settings, options.core);
    out.source = std::make_unique<ServiceImageSource>(*out.core.service);
    out.options = std::move(options);
    return std::move(out);
}

// An S3 client for the destination and the secret of this run; an exit code when there is
// none (settings incomplete, no secret).
std::variant<std::unique_ptr<S3Client>, int> connectStore(const R2Settings& r2) {
    auto connected = connectR2Store(r2);
    if (const auto* problem = std::get_if<R2StoreProblem>(&connected))
        return fail(problem->message, problem->exitCode);
    auto client = std::move(std::get<std::unique_ptr<S3Client>>(connected));
    QObject::connect(client.get(), &S3Client::retrying,
                     [](const QString& key, int attempt, int delayMs, const QString& reason) {
                         err() << "retrying " << key << " (attempt " << attempt + 1 << " in "
                               << delayMs << " ms): " << reason << '\n';
                         err().flush();
                     });
    return std::move(client);
}

int testConnection(const R2Settings& r2) {
    auto connected = connectStore(r2);
    if (const int* code = std::get_if<int>(&connected)) return *code;
    S3Result result;
    QEventLoop loop;
    std::get<std::unique_ptr<S3Client>>(connected)->testConnection([&](const S3Result& r) {
        result = r;
        loop.quit();
    });
    loop.exec();
    if (!result.ok()) return fail(result.message, kRefused);
    QTextStream(stdout) << "connected: bucket " << r2.bucket << " at "
                        << r2.effectiveEndpoint().toString() << '\n';
    return 0;
}

// One line per set: "transcript_002  P0  set_003  uploaded".
QString statusTable(const BatchQueue& queue) {
    QString out;
    QTextStream s(&out);
    for (const ActionInfo& a : queue.actions()) {
        s << "action " << a.actionId << "  bucket " << a.bucket << "  prefix '" << a.prefix << "'";
        if (!a.stopCode.isEmpty()) s << "  STOPPED: " << a.stopMessage;
        s << '\n';
        for (const SetRecord& r : queue.sets(a.actionId)) {
            s << "  " << r.programId << "  " << r.setFolderName() << "  " << setStateName(r.state);
            if (r.state == SetState::Failed) s << "  " << r.errorCode << ": " << r.reason;
            s << '\n';
        }
    }
    return out;
}

// Shows the queue's work on the terminal until it is idle or interrupted; true when
// interrupted (the records stay as they are: `batch --resume` carries on).
bool workUntilIdle(BatchQueue& queue, BatchPlan& plan) {
    TerminalProgress progress;
    auto done = [&] {
        int finished = 0, total = 0;
        for (const auto& r : queue.sets()) {
            ++total;
            finished += r.isFinal() ? 1 : 0;
        }
        return std::make_pair(finished, total);
    };
    QObject::connect(&queue, &BatchQueue::setChanged, [&](const SetRecord& r) {
        const auto [finished, total] = done();
        progress.stage(QStringLiteral("%1 %2 %3: %4 (%5/%6 sets done)")
                           .arg(r.actionId, r.programId, r.setFolderName(), setStateName(r.state))
                           .arg(finished)
                           .arg(total));
    });
    QObject::connect(&queue, &BatchQueue::generationProgress,
                     [&](const QString&, int step, int total) { progress.step(step, total); });
    QObject::connect(
        &queue, &BatchQueue::actionStopped, [&](const QString& id, const QString& message) {
            progress.finish();
            err() << "archival-studio batch: action " << id << " stopped: " << message << '\n';
            err().flush();
        });
    bool interrupted = false;
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::received, [&](int) {
        // A pass being generated stays "generating", not "failed".
        interrupted = true;
        QObject::disconnect(plan.source.get(), nullptr, &queue, nullptr);
        plan.core.service->cancelAll();
        QCoreApplication::exit(kInterrupted);
    });
    QObject::connect(&queue, &BatchQueue::idle, [&] { QCoreApplication::exit(0); });
    if (!queue.isIdle()) QCoreApplication::exec();
    progress.finish();
    return interrupted;
}

// The exit status of the actions this run was asked for (`actionId`, or every action when
// empty): the first stop's code, else 9 when a set failed, else 0. Other actions' stops and
// failed sets are reported, as information only.
int outcome(const BatchQueue& queue, const QString& actionId) {
    int stopCode = 0;
    bool setsFailed = false;
    for (const ActionInfo& a : queue.actions()) {
        int failed = 0;
        for (const SetRecord& r : queue.sets(a.actionId)) failed += r.state == SetState::Failed;
        if (!actionId.isEmpty() && a.actionId != actionId) {
            if (!a.stopCode.isEmpty())
                err() << "note: action " << a.actionId
                      << " (not this run's) is stopped: " << a.stopMessage << '\n';
            else if (failed > 0)
                err() << "note: action " << a.actionId << " (not this run's) has " << failed
                      << " failed set(s); `batch --retry --action-id " << a.actionId
                      << "` retries them\n";
            continue;
        }
        setsFailed = setsFailed || failed > 0;
        if (stopCode != 0 || a.stopCode.isEmpty()) continue;
        pipeline::ErrorCode known;
        stopCode =
            fail(QStringLiteral("action %1 stopped: %2").arg(a.actionId, a.stopMessage),
                 pipeline::Error::codeFromName(a.stopCode, &known) ? exitCodeForError(a.stopCode)
                                                                   : kRefused);
    }
    err().flush();
    if (stopCode != 0) return stopCode;
    return setsFailed ? kSetsFailed : 0;
}

// New sets onto the broker, or its sets listed: nothing local is read or written.
int runOnBroker(BatchPlan& plan) {
    const BatchOptions& o = plan.options;
    auto connected = connectBroker(o.broker, false);
    if (const auto* problem = std::get_if<BrokerProblem>(&connected))
        return fail(problem->message, problem->exitCode);
    auto& broker = *std::get<std::unique_ptr<RedisConnection>>(connected);
    if (o.mode == BatchMode::Status) return brokerStatus(broker, o.actionId);
    if (o.mode == BatchMode::Retry) return brokerRetry(broker, o.actionId);
    // The program must be one this machine knows (workers read the same programs file).
    if (!plan.core.service->registry().find(o.program))
        return fail(
            QStringLiteral("unknown program '%1' (see `archival-studio programs`)").arg(o.program),
            exitCodeForError(QStringLiteral("InvalidRequest")));
    SetRequest request{o.program, o.prompt, o.actionId, {}, o.uploadPreviews, o.imagesPerSet};
    request.seed = o.seed;
    return queueOnBroker(broker, request, o.sets);
}

int run(BatchPlan& plan) {
    const BatchOptions& o = plan.options;
    if (o.mode == BatchMode::TestConnection) return testConnection(plan.r2);
    if (!o.broker.isEmpty()) return runOnBroker(plan);
    // Every mode that writes holds the queue's lock; --status only reads (records are
    // replaced atomically), so it works beside a running `serve` or `batch`; it leaves the
    // bucket check (which stops actions: a write) to the runs that hold the lock.
    std::unique_ptr<QueueLock> lock;
    QueueSettings settings = plan.queue;
    if (o.mode == BatchMode::Status) {
        settings.readOnlyBecause = QStringLiteral("batch --status only reads the queue");
    } else {
        auto taken =
            QueueLock::take(settings.root.isEmpty() ? QueueSettings::defaultRoot() : settings.root);
        if (const auto* error = std::get_if<pipeline::Error>(&taken))
            return fail(error->toString(), exitCodeForError(error->codeName()));
        lock = std::move(std::get<std::unique_ptr<QueueLock>>(taken));
    }
    BatchQueue queue(settings, plan.source.get(), nullptr);
    for (const QString& problem : queue.resume()) err() << "warning: " << problem << '\n';
    if (o.mode == BatchMode::Status) {
        QTextStream(stdout) << statusTable(queue);
        return 0;
    }
    if (o.mode == BatchMode::Cancel) {
        queue.cancel(o.actionId);
        QTextStream(stdout) << statusTable(queue);
        return 0;
    }
    auto connected = connectStore(plan.r2);
    if (const int* code = std::get_if<int>(&connected)) return *code;
    const auto client = std::move(std::get<std::unique_ptr<S3Client>>(connected));
    queue.setUploader(client.get());
    if (o.mode == BatchMode::Retry) {
        QStringList ids;
        if (!o.actionId.isEmpty())
            ids << o.actionId;
        else
            for (const auto& a : queue.actions()) ids << a.actionId;
        for (const QString& id : ids) queue.retry(id);
    }
    if (o.mode == BatchMode::Queue) {
        SetRequest request{o.program, o.prompt, o.actionId, {}, o.uploadPreviews, o.imagesPerSet};
        request.seed = o.seed;
        if (o.sets > 10000) return fail(QStringLiteral("--sets takes 1..10000"), kUsage);
        if (auto error = queue.generateSets(
                request, queue.nextSetIds(o.actionId, o.program, o.sets), o.parallel))
            return fail(error->toString(), exitCodeForError(error->codeName()));
    }

    // Sets that upload their previews need the service's previews, whatever this run's
    // options: a set resumed mid-generation makes its previews again.
    bool previews = o.uploadPreviews;
    for (const SetRecord& r : queue.sets())
        previews = previews || (!r.isFinal() && r.uploadPreviews);
    pipeline::ServiceSettings serviceSettings = plan.core.service->settings();
    serviceSettings.previews = previews;
    plan.core.service->setSettings(serviceSettings);

    QElapsedTimer clock;
    clock.start();
    if (workUntilIdle(queue, plan))
        return fail(QStringLiteral("interrupted; `batch --resume` carries on"), kInterrupted);
    int uploaded = 0, failed = 0;
    for (const auto& r : queue.sets()) {
        uploaded += r.state == SetState::Uploaded ? 1 : 0;
        failed += r.state == SetState::Failed ? 1 : 0;
    }
    QTextStream(stdout) << statusTable(queue);
    QTextStream(stdout) << QStringLiteral("%1 sets uploaded, %2 failed, %3 s\n")
                               .arg(uploaded)
                               .arg(failed)
                               .arg(clock.elapsed() / 1000.0, 0, 'f', 1);
    return outcome(queue, o.actionId);
}

}  // namespace

int runBatchCommand(const QStringList& args) {
    BatchCommandLine cl;
    if (const auto done = parseCommandLine(cl.parser, kCommand, args)) return *done;
    auto options = parseOptions(cl);
    if (const auto* error = std::get_if<UsageError>(&options))
        return commandUsageError(kCommand, error->message, cl.parser);
    auto planned = plan(std::get<BatchOptions>(std::move(options)));
    if (const int* code = std::get_if<int>(&planned)) return *code;
    return run(std::get<BatchPlan>(planned));
}

}  // namespace archival::app
