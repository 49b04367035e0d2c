#pragma once
// Where the batch queue gets its images: the generation service in the application
// (ServiceImageSource), a deterministic fake in the queue's unit tests. One call generates
// one batched pass (several sets of a program together) from a seed.

#include <QImage>
#include <QList>
#include <QObject>
#include <QString>
#include <optional>

#include "adapters/batch/set_record.h"
#include "pipeline/errors.h"
#include "pipeline/image_metadata.h"
#include "pipeline/pipeline_factory.h"

namespace archival::adapters {

struct ImageBatchRequest {
    QString programId;
    QString prompt;  // as typed
    quint64 seed = 0;
    int count = 1;  // images in the one pass
    QString owner;  // "batch:<action>"
    SetOverrides overrides;
    // The set the pass makes (its first set): a program with a size list draws the size
    // from it as the reference does.
    std::optional<qint64> setId;
    // Every step with its preview, in order (the set's previews are uploaded).
    bool everyStep = false;
};

class ImageSource : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;

    // InvalidRequest when the program is unknown or cannot run in a batch, or the overrides
    // do not fit it.
    virtual std::optional<pipeline::Error> checkProgram(const QString& programId,
                                                        const SetOverrides& overrides) const = 0;
    // The program's own seed when its policy is "fixed".
    virtual std::optional<quint64> fixedSeed(const QString& programId) const = 0;
    // How many images of this program fit one pass (<= wanted, >= 1).
    virtual int maxBatch(const QString& programId, int wanted) const = 0;
    // Whether the program's size depends on the set id (a size list): its sets cannot share
    // a pass, which has one size.
    virtual bool sizePerSet(const QString& programId) const = 0;
    // Starts a pass; exactly one of finished / failed follows, with this ticket.
    virtual quint64 start(const ImageBatchRequest& request) = 0;
    virtual void cancel(quint64 ticket) = 0;

    // What the source's models hold in memory, and dropping those not in use (the seed's
    // memory_stats and clear_cache). Returns the bytes freed.
    virtual pipeline::MemoryStats memoryStats() const = 0;
    virtual quint64 clearUnusedModels() = 0;

  Q_SIGNALS:
    void finished(quint64 ticket, const QList<QImage>& images,
                  const QList<archival::pipeline::ImageMetadata>& metadata);
    void failed(quint64 ticket, const archival::pipeline::Error& error);
    // After each step (1-based); `preview` is null when the source has previews off.
    void progress(quint64 ticket, int step, int total, const QImage& preview);
};

}  // namespace archival::adapters
