#pragma once
// A deterministic image source for the queue tests: the pixels are a function of (seed,
// index in the pass), so a pass generated again gives the same images, like the real
// service. Passes end on the event loop after `delayMs`.

#include <QColor>
#include <QHash>
#include <QTimer>

#include "adapters/batch/image_source.h"

namespace archival::test {

class FakeImageSource : public archival::adapters::ImageSource {
    Q_OBJECT
  public:
    using ImageSource::ImageSource;

    int maxBatchImages = 4;
    int delayMs = 0;
    QString failWith;  // an error code name: the next passes fail with it
    QList<archival::adapters::ImageBatchRequest> requests;  // every pass asked for

    std::optional<archival::pipeline::Error> checkProgram(const QString& id) const override {
        if (id == QLatin1String("P0") || id == QLatin1String("P3")) return std::nullopt;
        return archival::pipeline::Error{archival::pipeline::ErrorCode::InvalidRequest,
                                         QStringLiteral("unknown program '%1'").arg(id)};
    }
    std::optional<quint64> fixedSeed(const QString&) const override { return std::nullopt; }
    int maxBatch(const QString&, int wanted) const override {
        return std::max(1, std::min(wanted, maxBatchImages));
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
                m.promptTyped = m.promptSent = request.prompt;
                m.seed = request.seed;
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

}  // namespace archival::test
