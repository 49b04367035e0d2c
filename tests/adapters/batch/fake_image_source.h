#pragma once
// A deterministic image source for the queue tests: the pixels are a function of (seed,
// index in the pass), so a pass generated again gives the same images, like the real
// service. Passes end on the event loop after `delayMs`, after `steps` progress signals with
// a preview each. P3's size depends on the set id, as the seed's P3 does.

#include <QColor>
#include <QHash>
#include <QTimer>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/image_source.h"

namespace archival::test {

class FakeImageSource : public archival::adapters::ImageSource {
    Q_OBJECT
  public:
    using ImageSource::ImageSource;

    int maxBatchImages = 4;
    int delayMs = 0;
    int steps = 0;
    int cachedModels = 2;  // what memoryStats() reports, until clearUnusedModels()
    QString failWith;      // an error code name: the next passes fail with it
    QList<archival::adapters::ImageBatchRequest> requests;  // every pass asked for

    std::optional<archival::pipeline::Error> checkProgram(
        const QString& id, const archival::adapters::SetOverrides&) const override {
        if (id == QLatin1String("P0") || id == QLatin1String("P3")) return std::nullopt;
        return archival::pipeline::Error{archival::pipeline::ErrorCode::InvalidRequest,
                                         QStringLiteral("unknown program '%1'").arg(id)};
    }
    std::optional<quint64> fixedSeed(const QString&) const override { return std::nullopt; }
    int maxBatch(const QString&, int wanted) const override {
        return std::max(1, std::min(wanted, maxBatchImages));
    }
    bool sizePerSet(const QString& id) const override { return id == QLatin1String("P3"); }
    archival::pipeline::MemoryStats memoryStats() const override {
        archival::pipeline::MemoryStats stats;
        stats.rssBytes = 1000;
        stats.peakRssBytes = 2000;
        for (int i = 0; i < cachedModels; ++i) {
            archival::pipeline::CachedPipelineInfo info;
            info.modelId = QStringLiteral("model-%1").arg(i);
            info.bytes = 100;
            stats.cached << info;
        }
        return stats;
    }
    quint64 clearUnusedModels() override {
        const quint64 freed = quint64(cachedModels) * 100;
        cachedModels = 0;
        return freed;
    }
    static QImage previewFor(int step) {
        QImage image(8, 4, QImage::Format_RGB888);
        image.fill(QColor::fromRgb(step * 20 % 256, 90, 200));
        return image;
    }

    static QImage imageFor(quint64 seed, int index) {
        QImage image(16, 8, QImage::Format_RGB888);
        image.fill(QColor::fromRgb(int(seed % 251), int((seed / 251) % 251), 40 * index % 256));
        image.setPixelColor(index % 16, 0, Qt::white);
        return image;
    }

    quint64 start(const archival::adapters::ImageBatchRequest& request) override {
        requests << request;
        const quint64 ticket = ++last_;
        live_.insert(ticket, true);
        for (int step = 1; step <= steps; ++step)
            QTimer::singleShot(delayMs * step / (steps + 1), this, [this, ticket, step] {
                if (live_.contains(ticket)) Q_EMIT progress(ticket, step, steps, previewFor(step));
            });
        QTimer::singleShot(delayMs, this, [this, ticket, request] {
            if (!live_.take(ticket)) return;
            if (!failWith.isEmpty()) {
                archival::pipeline::Error e;
                archival::pipeline::Error::codeFromName(failWith, &e.code);
                e.message = QStringLiteral("injected failure");
                Q_EMIT failed(ticket, e);
                return;
            }
            QList<QImage> images;
            QList<archival::pipeline::ImageMetadata> metadata;
            for (int i = 0; i < request.count; ++i) {
                images << imageFor(request.seed, i);
                archival::pipeline::ImageMetadata m;
                m.programId = request.programId;
                m.promptTyped = request.prompt;
                m.promptSent = request.overrides.prompt.value_or(request.prompt);
                m.seed = request.seed;
                m.steps = request.overrides.steps.value_or(steps);
                m.guidance = request.overrides.guidance.value_or(7.5);
                m.width = 16;
                m.height = 8;
                m.indexInBatch = i;
                m.timestamp = QDateTime::currentDateTimeUtc();
                metadata << m;
            }
            Q_EMIT finished(ticket, images, metadata);
        });
        return ticket;
    }
    void cancel(quint64 ticket) override {
        if (!live_.take(ticket)) return;
        QTimer::singleShot(0, this, [this, ticket] {
            Q_EMIT failed(
                ticket, {archival::pipeline::ErrorCode::Interrupted, QStringLiteral("cancelled")});
        });
    }

  private:
    quint64 last_ = 0;
    QHash<quint64, bool> live_;
};

// A queue under `root` for a bucket nobody else uses: the settings the queue tests start from.
inline adapters::QueueSettings testQueueSettings(const QString& root) {
    adapters::QueueSettings q;
    q.root = root;
    q.bucket = QStringLiteral("archival-queue");
    return q;
}

}  // namespace archival::test
