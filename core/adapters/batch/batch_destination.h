#pragma once
// The studio's batch queue bound to the R2 destination in the settings: the queue over the
// window's image source, and the S3 client that uploads its sets. When the curator saves new
// R2 settings, retarget() builds both again, as a restart would: the next upload goes to the
// new destination without restarting the studio, and an action queued for another bucket
// stops with "BucketChanged" instead of splitting its objects over two buckets.
//
//   BatchDestination batch(queueSettings, &imageSource);
//   batch.retarget(R2Settings::load(QSettings()));
//   connect(&batch, &BatchDestination::queueReplaced, panel, &BatchPanel::setQueue);

#include <QObject>
#include <QStringList>
#include <memory>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/queue_lock.h"
#include "adapters/batch/r2_settings.h"

namespace archival::adapters {

class ImageSource;
class S3Client;

class BatchDestination : public QObject {
    Q_OBJECT
  public:
    // `base` gives the queue's folder and upload width; bucket and prefix come from the R2
    // settings. `source` must outlive this.
    BatchDestination(QueueSettings base, ImageSource* source, QObject* parent = nullptr);
    ~BatchDestination() override;

    // A queue (resumed from disk) and an uploader for `r2`; the previous ones go. Returns what
    // resuming found wrong with the records on disk. Without complete settings or a secret
    // there is no uploader (uploaderProblem() says why): sets wait at "generated". When
    // another process holds the queue folder (QueueLock), the queue only shows it (read-only,
    // no uploader) and the first problem names the holder; the next retarget() tries again.
    QStringList retarget(const R2Settings& r2);

    BatchQueue* queue() const { return queue_.get(); }
    S3Client* uploader() const { return uploader_.get(); }
    R2Settings destination() const { return r2_; }
    QString uploaderProblem() const { return uploaderProblem_; }

  Q_SIGNALS:
    // Whoever shows or feeds the queue switches to this one; the old one is deleted after.
    void queueReplaced(archival::adapters::BatchQueue* queue);

  private:
    // The queue folder's lock, taken by the first retarget() and kept across the next ones
    // (a queue replaced in this process keeps the folder). Declared first: it goes last.
    std::unique_ptr<QueueLock> lock_;
    QueueSettings base_;
    ImageSource* source_;
    R2Settings r2_;
    QString uploaderProblem_;
    std::unique_ptr<S3Client> uploader_;
    std::unique_ptr<BatchQueue> queue_;
};

}  // namespace archival::adapters
