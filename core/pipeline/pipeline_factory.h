#pragma once
// Builds engine pipelines from programs and keeps them loaded. Programs that use the same
// model share one pipeline (P0 and P4 load SD 3.5 once); LoRAs are per job and never stay on
// the shared weights. Least recently used pipelines are evicted when a new one would not fit
// the memory budget. Thread-safe: the GUI asks for stats while the worker generates.

#include <QDateTime>
#include <QList>
#include <QMutex>
#include <QString>
#include <functional>
#include <memory>

#include "pipeline/errors.h"
#include "pipeline/model_resolver.h"
#include "pipeline/program.h"

namespace archival::engine {
class ImagePipeline;
}

namespace archival::pipeline {

struct FactorySettings {
    QString device = QStringLiteral("auto");  // "auto" (CUDA when present), "cpu", "cuda:N"
    QString dtype = QStringLiteral("auto");   // "auto": bf16 SD3 / fp16 SD 1.5 on CUDA; CPU: bf16
                                              // where it has bf16 units, else fp32
    quint64 memoryBudgetBytes = 0;            // 0: from the device's free memory at start
    bool loadT5 = true;                       // SD3 without T5 (zeros) for small machines
    bool releaseTextEncoders = false;         // SD3: free text encoders between jobs
    ModelLocations locations;
};

struct CachedPipelineInfo {
    QString modelId;
    QString family;
    QString path;
    QString device;
    QString dtype;
    quint64 bytes = 0;  // weights resident now
    bool inUse = false;
    QDateTime lastUsed;
};

struct MemoryStats {
    quint64 rssBytes = 0;
    quint64 peakRssBytes = 0;
    bool cuda = false;
    quint64 cudaAllocatedBytes = 0;
    quint64 cudaReservedBytes = 0;
    quint64 cudaPeakBytes = 0;
    quint64 budgetBytes = 0;
    QList<CachedPipelineInfo> cached;  // most recently used first
};

// Thrown by the factory (and caught by the service, which reports it as `failed`).
class PipelineError : public std::exception {
  public:
    explicit PipelineError(Error error)
        : error_(std::move(error)), what_(error_.toString().toStdString()) {}
    const Error& error() const { return error_; }
    const char* what() const noexcept override { return what_.c_str(); }

  private:
    Error error_;
    std::string what_;
};

class PipelineFactory {
  public:
    // A pipeline held for one job: the cache never frees it while a lease is alive.
    struct Lease {
        std::shared_ptr<engine::ImagePipeline> pipeline;
        ModelResolution model;
        QString modelHash;  // short (10 hex digits) hash of the denoiser weights
        bool freshlyLoaded = false;
    };
    using LoadProgress = std::function<void(const QString& component, int index, int count)>;

    explicit PipelineFactory(FactorySettings settings);
    ~PipelineFactory();
    PipelineFactory(const PipelineFactory&) = delete;
    PipelineFactory& operator=(const PipelineFactory&) = delete;

    // The program's model, loaded now unless cached. Throws PipelineError (ModelLoad,
    // OutOfMemory, InvalidRequest).
    Lease acquire(const Program& program, const LoadProgress& onLoad = {});

    // Evicts least recently used pipelines not in use until `bytes` more fit the budget.
    // Returns the bytes freed.
    quint64 trim(quint64 bytes);
    void clearCache();
    MemoryStats memoryStats() const;

    // Bytes a job needs beyond the weights (activations), estimated from the size and batch.
    static quint64 estimateWorkingBytes(const QString& family, int width, int height, int batch,
                                        const QString& dtype);
    // The largest batch (<= wanted) whose working memory fits the budget next to the
    // resident weights; at least 1.
    int maxBatch(const Program& program, int width, int height, int wanted) const;
    // Whether a job of this shape fits the budget next to what is resident now.
    bool fits(const QString& family, int width, int height, int batch, const QString& dtype) const;

    FactorySettings settings() const;
    // Clears the cache when the device, dtype or model locations change.
    void setSettings(const FactorySettings& settings);
    quint64 budgetBytes() const;
    int loadCount() const;  // pipelines loaded since construction (tests, stats)

    ModelResolution resolve(const Program& program) const;

  private:
    struct Entry;
    quint64 residentBytesLocked() const;
    quint64 trimLocked(quint64 bytes);

    mutable QMutex mutex_;
    FactorySettings settings_;
    quint64 budget_ = 0;
    QList<std::shared_ptr<Entry>> entries_;  // most recently used first
    int loads_ = 0;
};

// Process memory (Linux /proc/self/status): resident and peak resident bytes.
quint64 currentRssBytes();
quint64 peakRssBytes();

}  // namespace archival::pipeline
