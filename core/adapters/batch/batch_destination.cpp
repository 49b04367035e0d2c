#include "adapters/batch/batch_destination.h"

#include "adapters/batch/image_source.h"
#include "adapters/batch/s3_client.h"
#include "adapters/batch/secret_store.h"

namespace archival::adapters {

BatchDestination::BatchDestination(QueueSettings base, ImageSource* source, QObject* parent)
    : QObject(parent), base_(std::move(base)), source_(source) {}

// The queue holds the uploader: declared after it, it goes first.
BatchDestination::~BatchDestination() = default;

QStringList BatchDestination::retarget(const R2Settings& r2) {
    r2_ = r2;
    uploaderProblem_.clear();
    std::unique_ptr<S3Client> uploader;
    if (const QString missing = r2.missing(); !missing.isEmpty()) {
        uploaderProblem_ = QStringLiteral("the R2 settings lack %1").arg(missing);
    } else if (const SecretStore::Result secret = SecretStore::secretForRun(r2.accessKeyId);
               !secret.ok) {
        uploaderProblem_ = secret.error;
    } else {
        uploader = std::make_unique<S3Client>(r2.toS3Settings(secret.secret));
    }

    QueueSettings settings = base_;
    QStringList problems;
    if (!lock_) {
        auto taken =
            QueueLock::take(settings.root.isEmpty() ? QueueSettings::defaultRoot() : settings.root);
        if (auto* held = std::get_if<std::unique_ptr<QueueLock>>(&taken)) {
            lock_ = std::move(*held);
        } else {
            settings.readOnlyBecause = std::get<pipeline::Error>(taken).message;
            problems << settings.readOnlyBecause;
            uploader.reset();
            uploaderProblem_ = settings.readOnlyBecause;
        }
    }
    settings.bucket = r2.bucket.trimmed();
    settings.prefix = r2.prefix.trimmed();
    settings.keyTemplate = r2.keyTemplate.trimmed();
    settings.publicBaseUrl = r2.publicBaseUrl.trimmed();
    // The old client goes first (its callbacks stay silent), then the old queue (its running
    // pass is cancelled; its records stay on disk for the new queue to resume).
    std::unique_ptr<BatchQueue> old = std::move(queue_);
    if (old) old->setUploader(nullptr);
    uploader_ = std::move(uploader);
    queue_ = std::make_unique<BatchQueue>(settings, source_, nullptr);
    Q_EMIT queueReplaced(queue_.get());
    old.reset();
    problems << queue_->resume();
    queue_->setUploader(uploader_.get(), uploaderProblem_);
    return problems;
}

}  // namespace archival::adapters
