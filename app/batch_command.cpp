#include "batch_command.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QSettings>
#include <QTextStream>
#include <memory>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/r2_settings.h"
#include "adapters/batch/s3_client.h"
#include "adapters/batch/secret_store.h"
#include "adapters/batch/service_image_source.h"
#include "adapters/cli/generate_command.h"
#include "adapters/cli/signal_watcher.h"
#include "adapters/cli/terminal_progress.h"
#include "pipeline/generation_service.h"
#include "pipeline/pipeline_factory.h"
#include "pipeline/program_registry.h"
#include "pipeline/studio_settings.h"

namespace archival::app {

namespace {

using namespace archival::adapters;
using pipeline::Error;

constexpr int kUsage = 2;
constexpr int kRefused = 8;
constexpr int kSetsFailed = 9;
constexpr int kNoSecret = 10;
constexpr int kInterrupted = 130;

QTextStream& err() {
    static QTextStream stream(stderr);
    return stream;
}

int usage(const QString& message, const QCommandLineParser& parser) {
    err() << "archival-studio batch: " << message << "\n\n" << parser.helpText();
    err().flush();
    return kUsage;
}

int fail(const QString& message, int code) {
    err() << "archival-studio batch: " << message << '\n';
    err().flush();
    return code;
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

}  // namespace

int runBatchCommand(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Generates sets of a program for an action id, keeps them on disk and uploads them "
        "with their metadata to Cloudflare R2 (or any S3-compatible store). The queue survives "
        "crashes: `batch --resume` carries on.\n"
        "The secret comes from ARCHIVAL_R2_SECRET when set, else the keychain.\n"
        "Exit codes: 0 done, 2 usage, 3 invalid request, 4 model, 6 storage, 8 uploads "
        "refused (the store's reason is printed), 9 some sets failed, 10 no secret, "
        "130 interrupted."));
    parser.addHelpOption();
    auto option = [&](const QString& name, const QString& help, const QString& value = {},
                      const QString& defaultValue = {}) {
        QCommandLineOption o(name, help, value, defaultValue);
        parser.addOption(o);
        return o;
    };
    const auto program = option("program", "Program id.", "id");
    const auto prompt = option("prompt", "The prompt.", "text");
    const auto actionId = option("action-id", "Action id (letters, digits, . _ -).", "id");
    const auto sets = option("sets", "Number of sets to queue.", "n");
    const auto parallel =
        option("parallel", "Generate sets of the program together in batched passes.");
    const auto imagesPerSet = option("images-per-set", "Images in each set (1-16).", "n", "1");
    const auto programs = option("programs", "A programs file instead of the user's.", "file");
    const auto endpoint =
        option("endpoint", "S3-compatible endpoint URL (instead of R2's).", "url");
    const auto account = option("account-id", "Cloudflare account id (R2 endpoint).", "id");
    const auto bucket = option("bucket", "Bucket.", "name");
    const auto prefix = option("prefix", "Object key prefix.", "prefix");
    const auto keyId = option("access-key-id", "Access key id.", "id");
    const auto queueDir = option("queue", "Queue folder (default: the app data folder).", "dir");
    const auto device = option("device", "auto, cpu, cuda or cuda:N.", "device");
    const auto resume = option("resume", "Carry on with the queue on disk.");
    const auto status = option("status", "Print every action and set, then exit.");
    const auto retry = option("retry", "Retry failed sets (of --action-id, or all).");
    const auto cancel = option("cancel", "Cancel the sets of --action-id not yet uploaded.");
    const auto test = option("test-connection", "Make one signed request to the bucket.");

    if (!parser.parse(QStringList{QStringLiteral("archival-studio batch")} + args))
        return usage(parser.errorText(), parser);
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return usage(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()),
            parser);
    const bool queueing = parser.isSet(sets) || parser.isSet(program) || parser.isSet(prompt);
    const int modes = int(queueing) + int(parser.isSet(resume)) + int(parser.isSet(status)) +
                      int(parser.isSet(retry)) + int(parser.isSet(cancel)) +
                      int(parser.isSet(test));
    if (modes != 1)
        return usage(QStringLiteral("give new sets (--program --prompt --action-id --sets) or "
                                    "exactly one of --resume, --status, --retry, --cancel, "
                                    "--test-connection"),
                     parser);
    int numSets = 0, perSet = 1;
    if (queueing) {
        if (!parser.isSet(program) || !parser.isSet(prompt) || !parser.isSet(actionId) ||
            !parser.isSet(sets))
            return usage(QStringLiteral("--program, --prompt, --action-id and --sets go together"),
                         parser);
        bool ok = false;
        numSets = parser.value(sets).toInt(&ok);
        if (!ok || numSets <= 0)
            return usage(QStringLiteral("--sets needs a positive number"), parser);
        perSet = parser.value(imagesPerSet).toInt(&ok);
        if (!ok || perSet <= 0)
            return usage(QStringLiteral("--images-per-set needs a positive number"), parser);
    }
    if (parser.isSet(cancel) && !parser.isSet(actionId))
        return usage(QStringLiteral("--cancel needs --action-id"), parser);

    QSettings settings;
    R2Settings r2 = R2Settings::load(settings);
    if (parser.isSet(endpoint)) r2.endpoint = parser.value(endpoint);
    if (parser.isSet(account)) r2.accountId = parser.value(account);
    if (parser.isSet(bucket)) r2.bucket = parser.value(bucket);
    if (parser.isSet(prefix)) r2.prefix = parser.value(prefix);
    if (parser.isSet(keyId)) r2.accessKeyId = parser.value(keyId);

    QueueSettings queueSettings;
    queueSettings.root = parser.value(queueDir);
    queueSettings.prefix = r2.prefix;
    queueSettings.bucket = r2.bucket;

    // The generation service only starts its worker for jobs; --status needs none of it.
    const QString programsFile = parser.isSet(programs)
                                     ? parser.value(programs)
                                     : pipeline::ProgramRegistry::defaultUserFile();
    if (parser.isSet(programs) && !QFileInfo::exists(programsFile))
        return fail(QStringLiteral("the programs file %1 does not exist").arg(programsFile),
                    exitCodeForError(QStringLiteral("InvalidRequest")));
    const auto registry = pipeline::ProgramRegistry::load(programsFile);
    pipeline::FactorySettings factorySettings = pipeline::factorySettingsFromSettings(settings);
    if (parser.isSet(device)) factorySettings.device = parser.value(device);
    auto factory = std::make_shared<pipeline::PipelineFactory>(factorySettings);
    pipeline::GenerationService service(registry, factory);
    pipeline::ServiceSettings serviceSettings = pipeline::serviceSettingsFromSettings(settings);
    serviceSettings.previews = false;
    service.setSettings(serviceSettings);
    ServiceImageSource source(service);

    std::unique_ptr<S3Client> client;
    auto connectStore = [&]() -> int {
        if (const QString missing = r2.missing(); !missing.isEmpty())
            return fail(QStringLiteral("the R2 settings lack %1 (give them as options or in the "
                                       "studio's R2 settings)")
                            .arg(missing),
                        kUsage);
        const SecretStore::Result secret = SecretStore::secretForRun(r2.accessKeyId);
        if (!secret.ok) return fail(secret.error, kNoSecret);
        S3Settings s3;
        s3.endpoint = r2.effectiveEndpoint();
        s3.bucket = r2.bucket;
        s3.credentials = {r2.accessKeyId, secret.secret, {}};
        client = std::make_unique<S3Client>(s3);
        QObject::connect(client.get(), &S3Client::retrying,
                         [](const QString& key, int attempt, int delayMs, const QString& reason) {
                             err() << "retrying " << key << " (attempt " << attempt + 1 << " in "
                                   << delayMs << " ms): " << reason << '\n';
                             err().flush();
                         });
        return 0;
    };

    if (parser.isSet(test)) {
        if (const int code = connectStore()) return code;
        S3Result result;
        QEventLoop loop;
        client->testConnection([&](const S3Result& r) {
            result = r;
            loop.quit();
        });
        loop.exec();
        if (!result.ok()) return fail(result.message, kRefused);
        QTextStream(stdout) << "connected: bucket " << r2.bucket << " at "
                            << r2.effectiveEndpoint().toString() << '\n';
        return 0;
    }

    BatchQueue queue(queueSettings, &source, nullptr);
    for (const QString& problem : queue.resume()) err() << "warning: " << problem << '\n';
    if (parser.isSet(status)) {
        QTextStream(stdout) << statusTable(queue);
        return 0;
    }
    if (parser.isSet(cancel)) {
        queue.cancel(parser.value(actionId));
        QTextStream(stdout) << statusTable(queue);
        return 0;
    }
    if (const int code = connectStore()) return code;
    queue.setUploader(client.get());
    if (parser.isSet(retry)) {
        const QStringList ids = parser.isSet(actionId) ? QStringList{parser.value(actionId)} : [&] {
            QStringList all;
            for (const auto& a : queue.actions()) all << a.actionId;
            return all;
        }();
        for (const QString& id : ids) queue.retry(id);
    }
    if (queueing) {
        if (auto error = queue.generateMultipleSets(parser.value(program), parser.value(prompt),
                                                    parser.value(actionId), numSets,
                                                    parser.isSet(parallel), perSet))
            return fail(error->toString(), exitCodeForError(error->codeName()));
    }

    // Progress: sets done out of the sets this run works on, plus the step of the pass.
    TerminalProgress progress;
    QElapsedTimer clock;
    clock.start();
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
    adapters::SignalWatcher watcher;
    QObject::connect(&watcher, &adapters::SignalWatcher::received, [&](int) {
        // The records stay as they are (a pass being generated stays "generating", not
        // "failed"): `batch --resume` carries on where this stopped.
        interrupted = true;
        QObject::disconnect(&source, nullptr, &queue, nullptr);
        service.cancelAll();
        QCoreApplication::exit(kInterrupted);
    });
    QObject::connect(&queue, &BatchQueue::idle, [&] { QCoreApplication::exit(0); });
    if (!queue.isIdle()) QCoreApplication::exec();
    progress.finish();
    if (interrupted)
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
    for (const auto& a : queue.actions()) {
        if (a.stopCode.isEmpty()) continue;
        pipeline::ErrorCode code;
        if (Error::codeFromName(a.stopCode, &code))
            return fail(QStringLiteral("action %1 stopped: %2").arg(a.actionId, a.stopMessage),
                        exitCodeForError(a.stopCode));
        return fail(QStringLiteral("action %1 stopped: %2").arg(a.actionId, a.stopMessage),
                    kRefused);
    }
    return failed > 0 ? kSetsFailed : 0;
}

}  // namespace archival::app
