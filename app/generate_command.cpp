#include "generate_command.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QSettings>
#include <QTextStream>
#include <variant>

#include "adapters/cli/command_line.h"
#include "adapters/cli/exit_codes.h"
#include "adapters/cli/signal_watcher.h"
#include "adapters/cli/terminal_progress.h"
#include "pipeline/image_metadata.h"
#include "pipeline/studio_settings.h"
#include "studio_assembly.h"

namespace archival::app {
namespace {

using adapters::UsageError;
using pipeline::Error;
using pipeline::ErrorCode;

const QString kCommand = QStringLiteral("generate");

// The command's options, as QCommandLineParser reads them.
struct GenerateCommandLine {
    QCommandLineParser parser;
    QCommandLineOption program{{QStringLiteral("p"), QStringLiteral("program")},
                               QStringLiteral("Program id (see `archival-studio programs`)."),
                               QStringLiteral("id")};
    QCommandLineOption prompt{QStringLiteral("prompt"), QStringLiteral("The prompt."),
                              QStringLiteral("text")};
    QCommandLineOption negative{QStringLiteral("negative-prompt"),
                                QStringLiteral("Negative prompt (default: the program's)."),
                                QStringLiteral("text")};
    QCommandLineOption seed{QStringLiteral("seed"),
                            QStringLiteral("Seed (default: the program's policy)."),
                            QStringLiteral("n")};
    QCommandLineOption count{QStringLiteral("count"),
                             QStringLiteral("Images to make together (1-16)."), QStringLiteral("n"),
                             QStringLiteral("1")};
    QCommandLineOption out{{QStringLiteral("o"), QStringLiteral("out")},
                           QStringLiteral("Output folder, or a .png file name (default: the "
                                          "output folder in the settings)."),
                           QStringLiteral("dir|file")};
    QCommandLineOption init{QStringLiteral("init-image"),
                            QStringLiteral("Init image for image-to-image programs (default: "
                                           "the program's own source image)."),
                            QStringLiteral("file")};
    QCommandLineOption programs{
        QStringLiteral("programs"),
        QStringLiteral("A programs file used instead of the user's programs.json."),
        QStringLiteral("file")};
    QCommandLineOption steps{QStringLiteral("steps"), QStringLiteral("Override steps."),
                             QStringLiteral("n")};
    QCommandLineOption guidance{QStringLiteral("guidance"), QStringLiteral("Override guidance."),
                                QStringLiteral("g")};
    QCommandLineOption size{QStringLiteral("size"), QStringLiteral("Override the size."),
                            QStringLiteral("WxH")};
    QCommandLineOption strength{QStringLiteral("strength"),
                                QStringLiteral("Override the image-to-image strength."),
                                QStringLiteral("s")};
    QCommandLineOption withoutT5{
        QStringLiteral("without-t5"),
        QStringLiteral("SD3: run without the T5 text encoder (less memory).")};
    QCommandLineOption device{QStringLiteral("device"),
                              QStringLiteral("auto, cpu, cuda or cuda:N (default: settings)."),
                              QStringLiteral("device")};
    QCommandLineOption dtype{QStringLiteral("dtype"),
                             QStringLiteral("auto, fp32, fp16 or bf16 (default: settings)."),
                             QStringLiteral("dtype")};

    GenerateCommandLine() {
        parser.setApplicationDescription(QStringLiteral(
            "Generates images from a program and a prompt and writes them as PNG files with "
            "their metadata.\nExit codes: 0 done, 2 usage, 3 invalid request, 4 model not "
            "loadable, 5 out of memory, 6 storage, 7 internal error, 130 cancelled."));
        parser.addHelpOption();
        parser.addOptions({program, prompt, negative, seed, count, out, init, programs, steps,
                           guidance, size, strength, withoutT5, device, dtype});
    }
};

// What the command was asked to do.
struct GenerateOptions {
    pipeline::JobRequest request;
    QString initImageFile;  // empty: none
    QString out;            // empty: the settings' output folder
    CoreOptions core;
};

// Validated and assembled: the core to run on and where the images go.
struct GeneratePlan {
    pipeline::JobRequest request;
    QString outTarget;
    StudioCore core;
};

int fail(const Error& error) {
    QTextStream(stderr) << "archival-studio generate: " << error.toString() << '\n';
    return adapters::exitCodeForError(error.codeName());
}

bool parseSize(const QString& text, QSize* size) {
    const QStringList parts = text.toLower().split(QLatin1Char('x'));
    bool okW = false, okH = false;
    if (parts.size() != 2) return false;
    *size = QSize(parts[0].toInt(&okW), parts[1].toInt(&okH));
    return okW && okH;
}

// Reads the overrides of the program's defaults into `request`.
std::optional<UsageError> parseOverrides(const GenerateCommandLine& cl,
                                         pipeline::JobRequest* request) {
    const QCommandLineParser& p = cl.parser;
    bool ok = true;
    if (p.isSet(cl.seed)) {
        request->seed = p.value(cl.seed).toULongLong(&ok);
        if (!ok) return UsageError{QStringLiteral("--seed needs a non-negative integer")};
    }
    request->count = p.value(cl.count).toInt(&ok);
    if (!ok) return UsageError{QStringLiteral("--count needs a number")};
    if (p.isSet(cl.negative)) request->negativePrompt = p.value(cl.negative);
    if (p.isSet(cl.steps)) {
        request->steps = p.value(cl.steps).toInt(&ok);
        if (!ok) return UsageError{QStringLiteral("--steps needs a number")};
    }
    if (p.isSet(cl.guidance)) {
        request->guidance = p.value(cl.guidance).toDouble(&ok);
        if (!ok) return UsageError{QStringLiteral("--guidance needs a number")};
    }
    if (p.isSet(cl.strength)) {
        request->strength = p.value(cl.strength).toDouble(&ok);
        if (!ok) return UsageError{QStringLiteral("--strength needs a number")};
    }
    if (p.isSet(cl.size)) {
        QSize s;
        if (!parseSize(p.value(cl.size), &s))
            return UsageError{QStringLiteral("--size needs WIDTHxHEIGHT, e.g. 512x768")};
        request->size = s;
    }
    return std::nullopt;
}

std::variant<GenerateOptions, UsageError> parseOptions(const GenerateCommandLine& cl) {
    const QCommandLineParser& p = cl.parser;
    if (!p.isSet(cl.program) || !p.isSet(cl.prompt))
        return UsageError{QStringLiteral("--program and --prompt are required")};
    GenerateOptions o;
    o.request.programId = p.value(cl.program);
    o.request.prompt = p.value(cl.prompt);
    o.request.owner = QStringLiteral("cli");
    // A log of the run (stderr to a file) lists every step, however busy the machine is.
    o.request.everyStep = true;
    if (auto error = parseOverrides(cl, &o.request)) return *error;
    o.initImageFile = p.value(cl.init);
    o.out = p.value(cl.out);
    o.core.programsFile = p.value(cl.programs);
    o.core.device = p.value(cl.device);
    o.core.dtype = p.value(cl.dtype);
    o.core.withoutT5 = p.isSet(cl.withoutT5);
    o.core.previews = false;  // nobody looks at them here
    return o;
}

// Reads the init image, checks the programs file and the output folder, assembles the core.
std::variant<GeneratePlan, Error> plan(GenerateOptions options) {
    if (!options.initImageFile.isEmpty()) {
        QImageReader reader(options.initImageFile);
        reader.setAutoTransform(true);
        options.request.initImage = reader.read();
        if (options.request.initImage.isNull())
            return Error{ErrorCode::Storage, QStringLiteral("cannot read the init image %1: %2")
                                                 .arg(options.initImageFile, reader.errorString())};
    }
    if (!options.core.programsFile.isEmpty() && !QFileInfo::exists(options.core.programsFile))
        return Error{
            ErrorCode::InvalidRequest,
            QStringLiteral("the programs file %1 does not exist").arg(options.core.programsFile)};
    const QSettings settings;
    GeneratePlan planned;
    planned.request = options.request;
    planned.outTarget =
        options.out.isEmpty() ? pipeline::outputFolderFromSettings(settings) : options.out;
    const bool toFile = planned.outTarget.endsWith(QLatin1String(".png"), Qt::CaseInsensitive);
    const QString folder = toFile ? QFileInfo(planned.outTarget).absolutePath() : planned.outTarget;
    planned.core = assembleStudioCore(settings, options.core);
    for (const auto& issue : planned.core.registry.issues())
        QTextStream(stderr) << "warning: " << issue.toString() << '\n';
    if (!QDir().mkpath(folder))
        return Error{ErrorCode::Storage,
                     QStringLiteral("cannot create the output folder %1").arg(folder)};
    return std::move(planned);
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

// Writes the images; the exit code (0, or Storage's).
int writeImages(const QString& outTarget, const pipeline::JobResult& result) {
    for (const QString& w : result.warnings) QTextStream(stderr) << "warning: " << w << '\n';
    for (int i = 0; i < result.images.size(); ++i) {
        const QString path = outputPath(outTarget, result.metadata[i], i, result.images.size());
        const QString error =
            pipeline::writePngWithMetadata(path, result.images[i], result.metadata[i]);
        if (!error.isEmpty()) return fail({ErrorCode::Storage, error});
        QTextStream(stdout) << path << '\n';
    }
    return 0;
}

int run(GeneratePlan& plan) {
    pipeline::GenerationService& service = *plan.core.service;
    adapters::TerminalProgress progress;
    bool interrupted = false;
    adapters::SignalWatcher watcher;
    QObject::connect(&watcher, &adapters::SignalWatcher::received, &service, [&](int) {
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
                         QCoreApplication::exit(writeImages(plan.outTarget, result));
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
                         QCoreApplication::exit(adapters::kCancelledExitCode);
                     });
    service.submit(plan.request);
    const int code = QCoreApplication::exec();
    return interrupted && code == 0 ? adapters::kCancelledExitCode : code;
}

}  // namespace

int runGenerateCommand(const QStringList& args) {
    GenerateCommandLine cl;
    if (const auto done = adapters::parseCommandLine(cl.parser, kCommand, args)) return *done;
    auto options = parseOptions(cl);
    if (const auto* error = std::get_if<UsageError>(&options))
        return adapters::commandUsageError(kCommand, error->message, cl.parser);
    auto planned = plan(std::get<GenerateOptions>(std::move(options)));
    if (const auto* error = std::get_if<Error>(&planned)) return fail(*error);
    return run(std::get<GeneratePlan>(planned));
}

}  // namespace archival::app
