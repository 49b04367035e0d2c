#include "adapters/cli/generate_command.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QSettings>
#include <QTextStream>
#include <memory>

#include "adapters/cli/command_line.h"
#include "adapters/cli/signal_watcher.h"
#include "adapters/cli/terminal_progress.h"
#include "pipeline/generation_service.h"
#include "pipeline/image_metadata.h"
#include "pipeline/pipeline_factory.h"
#include "pipeline/program_registry.h"
#include "pipeline/studio_settings.h"

namespace archival::adapters {
namespace {

using pipeline::Error;
using pipeline::ErrorCode;

constexpr int kCancelled = 130;

struct Options {
    pipeline::JobRequest request;
    QString out;
    QString programsFile;
    QString device;
    QString dtype;
};

int fail(const Error& error) {
    QTextStream(stderr) << "archival-studio generate: " << error.toString() << '\n';
    return exitCodeForError(error.codeName());
}

int usage(const QString& message, const QCommandLineParser& parser) {
    return commandUsageError(QStringLiteral("generate"), message, parser);
}

// Where image `index` of `count` goes: a folder gets generated names; a .png file name is
// used as is for one image and numbered (name-1.png, ...) for several.
QString outputPath(const QString& out, const pipeline::ImageMetadata& m, int index, int count) {
    if (out.endsWith(QLatin1String(".png"), Qt::CaseInsensitive)) {
        if (count == 1) return out;
        const QFileInfo info(out);
        return info.dir().filePath(
            QStringLiteral("%1-%2.png").arg(info.completeBaseName()).arg(index + 1));
    }
    return QDir(out).filePath(pipeline::imageFileName(m.programId, m.timestamp, m.seed, index));
}

bool parseSize(const QString& text, QSize* size) {
    const QStringList parts = text.toLower().split(QLatin1Char('x'));
    bool okW = false, okH = false;
    if (parts.size() != 2) return false;
    *size = QSize(parts[0].toInt(&okW), parts[1].toInt(&okH));
    return okW && okH;
}

}  // namespace

int exitCodeForError(const QString& codeName) {
    ErrorCode code = ErrorCode::Internal;
    Error::codeFromName(codeName, &code);
    switch (code) {
        case ErrorCode::InvalidRequest:
            return 3;
        case ErrorCode::ModelLoad:
            return 4;
        case ErrorCode::OutOfMemory:
            return 5;
        case ErrorCode::Storage:
            return 6;
        case ErrorCode::Interrupted:
            return kCancelled;
        case ErrorCode::Internal:
            return 7;
    }
    return 7;
}

int runGenerateCommand(const QStringList& args) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Generates images from a program and a prompt and writes them as PNG files with their "
        "metadata.\nExit codes: 0 done, 2 usage, 3 invalid request, 4 model not loadable, "
        "5 out of memory, 6 storage, 7 internal error, 130 cancelled."));
    parser.addHelpOption();
    const QCommandLineOption program({QStringLiteral("p"), QStringLiteral("program")},
                                     QStringLiteral("Program id (see `archival-studio programs`)."),
                                     QStringLiteral("id"));
    const QCommandLineOption prompt(QStringLiteral("prompt"), QStringLiteral("The prompt."),
                                    QStringLiteral("text"));
    const QCommandLineOption negative(QStringLiteral("negative-prompt"),
                                      QStringLiteral("Negative prompt (default: the program's)."),
                                      QStringLiteral("text"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Seed (default: the program's policy)."),
                                  QStringLiteral("n"));
    const QCommandLineOption count(QStringLiteral("count"),
                                   QStringLiteral("Images to make together (1-16)."),
                                   QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption out(
        {QStringLiteral("o"), QStringLiteral("out")},
        QStringLiteral("Output folder, or a .png file name (default: the output folder in the "
                       "settings)."),
        QStringLiteral("dir|file"));
    const QCommandLineOption init(QStringLiteral("init-image"),
                                  QStringLiteral("Init image for image-to-image programs."),
                                  QStringLiteral("file"));
    const QCommandLineOption programs(
        QStringLiteral("programs"),
        QStringLiteral("A programs file used instead of the user's programs.json."),
        QStringLiteral("file"));
    const QCommandLineOption steps(QStringLiteral("steps"), QStringLiteral("Override steps."),
                                   QStringLiteral("n"));
    const QCommandLineOption guidance(QStringLiteral("guidance"),
                                      QStringLiteral("Override guidance."), QStringLiteral("g"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Override the size."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption strength(QStringLiteral("strength"),
                                      QStringLiteral("Override the image-to-image strength."),
                                      QStringLiteral("s"));
    const QCommandLineOption withoutT5(
        QStringLiteral("without-t5"),
        QStringLiteral("SD3: run without the T5 text encoder (less memory)."));
    const QCommandLineOption device(
        QStringLiteral("device"), QStringLiteral("auto, cpu, cuda or cuda:N (default: settings)."),
        QStringLiteral("device"));
    const QCommandLineOption dtype(QStringLiteral("dtype"),
                                   QStringLiteral("auto, fp32, fp16 or bf16 (default: settings)."),
                                   QStringLiteral("dtype"));
    parser.addOptions({program, prompt, negative, seed, count, out, init, programs, steps, guidance,
                       size, strength, withoutT5, device, dtype});

    if (const auto done = parseCommandLine(parser, QStringLiteral("generate"), args)) return *done;
    if (!parser.isSet(program) || !parser.isSet(prompt))
        return usage(QStringLiteral("--program and --prompt are required"), parser);

    pipeline::JobRequest request;
    request.programId = parser.value(program);
    request.prompt = parser.value(prompt);
    request.owner = QStringLiteral("cli");
    bool ok = true;
    if (parser.isSet(seed)) {
        request.seed = parser.value(seed).toULongLong(&ok);
        if (!ok) return usage(QStringLiteral("--seed needs a non-negative integer"), parser);
    }
    request.count = parser.value(count).toInt(&ok);
    if (!ok) return usage(QStringLiteral("--count needs a number"), parser);
    if (parser.isSet(negative)) request.negativePrompt = parser.value(negative);
    if (parser.isSet(steps)) {
        request.steps = parser.value(steps).toInt(&ok);
        if (!ok) return usage(QStringLiteral("--steps needs a number"), parser);
    }
    if (parser.isSet(guidance)) {
        request.guidance = parser.value(guidance).toDouble(&ok);
        if (!ok) return usage(QStringLiteral("--guidance needs a number"), parser);
    }
    if (parser.isSet(strength)) {
        request.strength = parser.value(strength).toDouble(&ok);
        if (!ok) return usage(QStringLiteral("--strength needs a number"), parser);
    }
    if (parser.isSet(size)) {
        QSize s;
        if (!parseSize(parser.value(size), &s))
            return usage(QStringLiteral("--size needs WIDTHxHEIGHT, e.g. 512x768"), parser);
        request.size = s;
    }
    if (parser.isSet(init)) {
        QImageReader reader(parser.value(init));
        reader.setAutoTransform(true);
        request.initImage = reader.read();
        if (request.initImage.isNull())
            return fail({ErrorCode::Storage, QStringLiteral("cannot read the init image %1: %2")
                                                 .arg(parser.value(init), reader.errorString())});
    }

    QSettings settings;
    const QString programsFile = parser.isSet(programs)
                                     ? parser.value(programs)
                                     : pipeline::ProgramRegistry::defaultUserFile();
    if (parser.isSet(programs) && !QFileInfo::exists(programsFile))
        return fail({ErrorCode::InvalidRequest,
                     QStringLiteral("the programs file %1 does not exist").arg(programsFile)});
    const auto registry = pipeline::ProgramRegistry::load(programsFile);
    for (const auto& issue : registry.issues())
        QTextStream(stderr) << "warning: " << issue.toString() << '\n';

    QString outTarget =
        parser.isSet(out) ? parser.value(out) : pipeline::outputFolderFromSettings(settings);
    const bool toFile = outTarget.endsWith(QLatin1String(".png"), Qt::CaseInsensitive);
    const QString folder = toFile ? QFileInfo(outTarget).absolutePath() : outTarget;
    if (!QDir().mkpath(folder))
        return fail(
            {ErrorCode::Storage, QStringLiteral("cannot create the output folder %1").arg(folder)});

    pipeline::FactorySettings factorySettings = pipeline::factorySettingsFromSettings(settings);
    if (parser.isSet(device)) factorySettings.device = parser.value(device);
    if (parser.isSet(dtype)) factorySettings.dtype = parser.value(dtype);
    if (parser.isSet(withoutT5)) factorySettings.loadT5 = false;
    auto factory = std::make_shared<pipeline::PipelineFactory>(factorySettings);
    pipeline::GenerationService service(registry, factory);
    pipeline::ServiceSettings serviceSettings = pipeline::serviceSettingsFromSettings(settings);
    serviceSettings.previews = false;  // nobody looks at them here
    service.setSettings(serviceSettings);

    TerminalProgress progress;
    int exitCode = 0;
    bool interrupted = false;
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::received, &service, [&](int) {
        interrupted = true;
        progress.stage(QStringLiteral("cancelling..."));
        service.cancelAll();
    });
    QObject::connect(
        &service, &pipeline::GenerationService::stage, &service,
        [&](pipeline::JobId, const QString& text, int index, int total) {
            progress.stage(total > 0 ? QStringLiteral("%1 (%2/%3)").arg(text).arg(index).arg(total)
                                     : text);
        });
    QObject::connect(
        &service, &pipeline::GenerationService::progress, &service,
        [&](pipeline::JobId, int step, int total, const QImage&) { progress.step(step, total); });
    QObject::connect(&service, &pipeline::GenerationService::finished, &service,
                     [&](pipeline::JobId, const pipeline::JobResult& result) {
                         progress.finish();
                         for (const QString& w : result.warnings)
                             QTextStream(stderr) << "warning: " << w << '\n';
                         for (int i = 0; i < result.images.size(); ++i) {
                             const QString path =
                                 outputPath(outTarget, result.metadata[i], i, result.images.size());
                             const QString error = pipeline::writePngWithMetadata(
                                 path, result.images[i], result.metadata[i]);
                             if (!error.isEmpty()) {
                                 exitCode = fail({ErrorCode::Storage, error});
                                 break;
                             }
                             QTextStream(stdout) << path << '\n';
                         }
                         QCoreApplication::exit(exitCode);
                     });
    QObject::connect(&service, &pipeline::GenerationService::failed, &service,
                     [&](pipeline::JobId, const pipeline::Error& error) {
                         progress.finish();
                         QCoreApplication::exit(fail(error));
                     });
    QObject::connect(&service, &pipeline::GenerationService::cancelled, &service,
                     [&](pipeline::JobId) {
                         progress.finish();
                         QTextStream(stderr) << "archival-studio generate: cancelled; nothing "
                                                "was written\n";
                         QCoreApplication::exit(kCancelled);
                     });
    service.submit(request);
    const int code = QCoreApplication::exec();
    return interrupted && code == 0 ? kCancelled : code;
}

}  // namespace archival::adapters
