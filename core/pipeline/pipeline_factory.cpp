#include "pipeline/pipeline_factory.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QMutexLocker>
#include <QStandardPaths>
#include <algorithm>
#include <limits>

#include "engine/errors.h"
#include "engine/generation.h"
#include "pipeline/engine_bridge.h"
#include "pipeline/model_hash.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace archival::pipeline {

struct PipelineFactory::Entry {
    QString path;
    QString modelId;
    QString family;
    ModelResolution model;
    QString modelHash;
    std::shared_ptr<engine::ImagePipeline> pipeline;
    quint64 bytes = 0;
    QDateTime lastUsed;
    bool inUse() const { return pipeline.use_count() > 1; }
};

namespace {

constexpr quint64 kUnlimited = std::numeric_limits<quint64>::max();
constexpr quint64 kMiB = 1024ULL * 1024ULL;

// /proc/self/status reports VmRSS / VmHWM in kB.
quint64 procStatusBytes(const char* key) {
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return 0;
    const QByteArray prefix = QByteArray(key) + ':';
    for (const QByteArray& line : f.readAll().split('\n')) {
        if (!line.startsWith(prefix)) continue;
        return line.mid(prefix.size()).trimmed().split(' ').value(0).toULongLong() * 1024ULL;
    }
    return 0;
}

// Weights on disk, as a size estimate before loading (variants the engine skips excluded).
struct WeightFiles {
    quint64 total = 0;
    quint64 textEncoders = 0;  // text_encoder*/ of a diffusers folder
    // What must be resident at once when the engine frees or offloads the text encoders
    // between stages (it does so when the whole model exceeds the budget).
    quint64 largestStage() const { return qMax(textEncoders, total - textEncoders); }
};

WeightFiles weightFiles(const QString& path) {
    const QFileInfo info(path);
    if (info.isFile()) return {static_cast<quint64>(info.size()), 0};
    WeightFiles full, fp16;
    const QDir root(path);
    QDirIterator it(path, {QStringLiteral("*.safetensors")}, QDir::Files,
                    QDirIterator::Subdirectories | QDirIterator::FollowSymlinks);
    while (it.hasNext()) {
        const QFileInfo f(it.next());
        WeightFiles& w = f.fileName().contains(QLatin1String(".fp16.")) ? fp16 : full;
        const auto bytes = static_cast<quint64>(f.size());
        w.total += bytes;
        if (root.relativeFilePath(f.filePath()).startsWith(QLatin1String("text_encoder")))
            w.textEncoders += bytes;
    }
    return full.total > 0 ? full : fp16;
}

QString gib(quint64 bytes) {
    return QString::number(double(bytes) / double(1ULL << 30), 'f', 1);
}

// Half types take 2 bytes; anything else (fp32, or "auto" before a model is loaded) is
// counted as 4, which errs on the generous side.
int elementBytes(const QString& dtype) {
    static const QStringList half = {QStringLiteral("fp16"), QStringLiteral("bf16"),
                                     QStringLiteral("float16"), QStringLiteral("bfloat16")};
    return half.contains(dtype) ? 2 : 4;
}

}  // namespace

quint64 currentRssBytes() {
    return procStatusBytes("VmRSS");
}
quint64 peakRssBytes() {
    return procStatusBytes("VmHWM");
}

PipelineFactory::PipelineFactory(FactorySettings settings) : settings_(std::move(settings)) {
    budget_ = settings_.memoryBudgetBytes;
    if (budget_ == 0) {
        // Most of what is free now: the rest of the system needs some room too.
        const quint64 free = deviceMemoryOf(settings_.device).freeBytes;
        budget_ = free > 0 ? free / 10 * 9 : kUnlimited;
    }
}

PipelineFactory::~PipelineFactory() = default;

ModelResolution PipelineFactory::resolve(const Program& program) const {
    if (program.modelPath.isEmpty())
        return ModelResolver(settings().locations).resolve(program.model, program.family);
    // The programs file says where the model is: check only that place.
    ModelLocations only;
    only.explicitPaths.insert(program.model, program.modelPath);
    return ModelResolver(only).resolve(program.model, program.family);
}

PipelineFactory::Lease PipelineFactory::acquire(const Program& program,
                                                const LoadProgress& onLoad) {
    const ModelResolution model = resolve(program);
    if (!model.usable()) throw PipelineError({ErrorCode::ModelLoad, model.describe()});
    {
        QMutexLocker lock(&mutex_);
        for (int i = 0; i < entries_.size(); ++i) {
            auto entry = entries_[i];
            if (entry->path != model.path) continue;
            entry->lastUsed = QDateTime::currentDateTimeUtc();
            entries_.move(i, 0);
            return {entry->pipeline, entry->model, entry->modelHash, false};
        }
        const WeightFiles files = weightFiles(model.path);
        const quint64 estimate = files.total > budget_ ? files.largestStage() : files.total;
        if (estimate > budget_)
            throw PipelineError(
                {ErrorCode::OutOfMemory,
                 QStringLiteral("%1 needs about %2 GiB of memory, more than the budget of %3 GiB; "
                                "raise the memory budget in the settings or use a smaller model")
                     .arg(program.model, gib(estimate), gib(budget_))});
        if (residentBytesLocked() + estimate > budget_) trimLocked(estimate);
    }

    // Load without holding the lock: it takes long, and the studio reads stats meanwhile.
    const FactorySettings now = settings();
    engine::PipelineOptions options;
    options.loadT5 = now.loadT5;
    options.releaseTextEncoders = now.releaseTextEncoders;
    // The engine frees or offloads components when the model is larger than this.
    options.memoryBudgetBytes = budget_ == kUnlimited ? 0 : budget_;
    if (onLoad)
        options.onLoad = [&onLoad](const std::string& component, int index, int count) {
            onLoad(QString::fromStdString(component), index, count);
        };
    auto entry = std::make_shared<Entry>();
    try {
        // The settings' spellings; an unknown one is an InvalidRequest naming what is accepted.
        options.device = engine::parseDevice(now.device.toStdString());
        options.dtype = engine::parseDtype(now.dtype.toStdString());
        entry->pipeline = std::shared_ptr<engine::ImagePipeline>(
            engine::openPipeline(model.path.toStdString(), options));
    } catch (const engine::EngineError& e) {
        Error error = fromEngineError(e);
        error.message = QStringLiteral("%1 (%2): %3").arg(program.model, model.path, error.message);
        throw PipelineError(error);
    } catch (const std::bad_alloc&) {
        throw PipelineError({ErrorCode::OutOfMemory,
                             QStringLiteral("not enough memory to load %1").arg(program.model)});
    } catch (const std::exception& e) {
        throw PipelineError(
            {ErrorCode::Internal, QStringLiteral("loading %1 failed: %2")
                                      .arg(program.model, QString::fromUtf8(e.what()))});
    }
    entry->path = model.path;
    entry->modelId = program.model;
    entry->family = program.family;
    entry->model = model;
    entry->bytes = entry->pipeline->parameterBytes();
    entry->lastUsed = QDateTime::currentDateTimeUtc();
    entry->modelHash = shortFileHash(
        modelHashFile(model.path), QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                                       QStringLiteral("/model-hashes.json"));

    QMutexLocker lock(&mutex_);
    entries_.prepend(entry);
    ++loads_;
    return {entry->pipeline, model, entry->modelHash, true};
}

quint64 PipelineFactory::residentBytesLocked() const {
    quint64 total = 0;
    for (const auto& e : entries_) total += e->bytes;
    return total;
}

quint64 PipelineFactory::trimLocked(quint64 bytes) {
    quint64 freed = 0;
    for (int i = entries_.size() - 1; i >= 0; --i) {
        if (budget_ != kUnlimited && residentBytesLocked() + bytes <= budget_) break;
        if (entries_[i]->inUse()) continue;
        freed += entries_[i]->bytes;
        entries_.removeAt(i);
    }
    return freed;
}

quint64 PipelineFactory::trim(quint64 bytes) {
    quint64 freed = 0;
    {
        QMutexLocker lock(&mutex_);
        freed = trimLocked(bytes);
    }
    if (freed > 0) {
        engine::releaseCachedDeviceMemory();
#if defined(__GLIBC__)
        malloc_trim(0);  // give freed weights back to the system, not just to malloc
#endif
    }
    return freed;
}

void PipelineFactory::clearCache() {
    {
        QMutexLocker lock(&mutex_);
        entries_.clear();  // pipelines in use are freed when their job lets go
    }
    engine::releaseCachedDeviceMemory();
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

MemoryStats PipelineFactory::memoryStats() const {
    MemoryStats s;
    s.rssBytes = currentRssBytes();
    s.peakRssBytes = peakRssBytes();
    const auto settingsNow = settings();
    const engine::DeviceMemory device = deviceMemoryOf(settingsNow.device);
    s.cuda = device.cuda;
    s.cudaAllocatedBytes = device.allocatedBytes;
    s.cudaReservedBytes = device.reservedBytes;
    s.cudaPeakBytes = device.peakAllocatedBytes;
    QMutexLocker lock(&mutex_);
    s.budgetBytes = budget_;
    for (const auto& e : entries_) {
        CachedPipelineInfo info;
        info.modelId = e->modelId;
        info.family = e->family;
        info.path = e->path;
        info.device = deviceText(e->pipeline->device());
        info.dtype = dtypeText(e->pipeline->dtype());
        info.bytes = 0;
        for (const auto& c : e->pipeline->residentComponents()) info.bytes += c.bytes;
        info.inUse = e->inUse();
        info.lastUsed = e->lastUsed;
        s.cached.append(info);
    }
    return s;
}

quint64 PipelineFactory::estimateWorkingBytes(const QString& family, int width, int height,
                                              int batch, const QString& dtype) {
    // A deliberately generous estimate of the activations of one denoising step with
    // classifier-free guidance (two passes per image) and of the VAE decode, whichever is
    // larger, plus a fixed allowance for the runtime.
    const quint64 e = static_cast<quint64>(elementBytes(dtype));
    const quint64 b = static_cast<quint64>(std::max(batch, 1));
    const bool sd3 = family == QLatin1String("sd3");
    const quint64 tokens = static_cast<quint64>(width / (sd3 ? 16 : 8)) *
                               static_cast<quint64>(height / (sd3 ? 16 : 8)) +
                           (sd3 ? 333 : 0);
    const quint64 heads = sd3 ? 24 : 8;
    const quint64 channels = sd3 ? 2432 : 320;
    const quint64 attention = 2 * b * heads * tokens * tokens * e;
    const quint64 activations = 2 * b * tokens * channels * e * 40;
    const quint64 decode =
        b * static_cast<quint64>(width) * static_cast<quint64>(height) * 128 * e * 4;
    return std::max(attention + activations, decode) + 256 * kMiB;
}

bool PipelineFactory::fits(const QString& family, int width, int height, int batch,
                           const QString& dtype) const {
    QMutexLocker lock(&mutex_);
    if (budget_ == kUnlimited) return true;
    return residentBytesLocked() + estimateWorkingBytes(family, width, height, batch, dtype) <=
           budget_;
}

int PipelineFactory::maxBatch(const Program& program, int width, int height, int wanted) const {
    const QString dtype = settings().dtype;
    int batch = std::max(wanted, 1);
    while (batch > 1 && !fits(program.family, width, height, batch, dtype)) --batch;
    return batch;
}

FactorySettings PipelineFactory::settings() const {
    QMutexLocker lock(&mutex_);
    return settings_;
}

void PipelineFactory::setSettings(const FactorySettings& settings) {
    bool changed = false;
    {
        QMutexLocker lock(&mutex_);
        changed = settings.device != settings_.device || settings.dtype != settings_.dtype ||
                  settings.loadT5 != settings_.loadT5 ||
                  settings.releaseTextEncoders != settings_.releaseTextEncoders ||
                  settings.locations.explicitPaths != settings_.locations.explicitPaths ||
                  settings.locations.modelRoots != settings_.locations.modelRoots ||
                  settings.locations.huggingFaceHub != settings_.locations.huggingFaceHub;
        if (settings.memoryBudgetBytes != settings_.memoryBudgetBytes &&
            settings.memoryBudgetBytes != 0)
            budget_ = settings.memoryBudgetBytes;
        settings_ = settings;
    }
    if (changed) clearCache();
}

quint64 PipelineFactory::budgetBytes() const {
    QMutexLocker lock(&mutex_);
    return budget_;
}

int PipelineFactory::loadCount() const {
    QMutexLocker lock(&mutex_);
    return loads_;
}

}  // namespace archival::pipeline
