#include "adapters/batch/set_uploads.h"

#include <QDir>

#include "adapters/batch/content_digest.h"
#include "adapters/batch/s3_client.h"
#include "pipeline/errors.h"

namespace archival::adapters {

using pipeline::Error;
using pipeline::ErrorCode;

SetUploads::SetUploads(Queue* queue, S3Client* client, int maxSets, QObject* parent)
    : QObject(parent), queue_(queue), client_(client), maxSets_(maxSets) {}

void SetUploads::startWaiting(QMap<QString, SetRecord>& sets) {
    if (!client_) return;
    for (auto& r : sets) {
        if (uploading_.size() >= std::max(1, maxSets_)) break;
        if (!queue_->actionRunning(r.actionId) || uploading_.contains(r.key())) continue;
        if (r.state == SetState::Generated || r.state == SetState::Uploading) start(r);
    }
}

void SetUploads::start(SetRecord& record) {
    if (record.state == SetState::Generated) {
        if (const QString err = record.startUploading(); !err.isEmpty()) {
            queue_->fail(record, Error::codeName(ErrorCode::Storage), err);
            queue_->stopAction(record.actionId, Error::codeName(ErrorCode::Storage), err);
            return;
        }
        if (!queue_->update(record)) return;
    }
    uploading_.insert(record.key());
    uploadNext(record.key());
}

void SetUploads::uploadNext(const QString& key) {
    SetRecord* r = queue_->find(key);
    if (!r || r->state != SetState::Uploading || !client_ || !queue_->actionRunning(r->actionId)) {
        uploading_.remove(key);
        queue_->schedule();
        return;
    }
    QString next;
    for (const QString& f : r->files())
        if (!r->uploaded.contains(f)) {
            next = f;
            break;
        }
    if (next.isEmpty()) {
        r->state = SetState::Uploaded;
        uploading_.remove(key);
        queue_->update(*r);
        queue_->schedule();
        return;
    }
    QByteArray bytes;
    if (!r->readFile(next, &bytes)) {
        uploading_.remove(key);
        queue_->fail(
            *r, Error::codeName(ErrorCode::Storage),
            QStringLiteral("%1 is missing from the queue folder").arg(QDir(r->dir).filePath(next)));
        queue_->schedule();
        return;
    }
    const QString objectKey = r->objectKey(next);
    const QString contentType = next.endsWith(QLatin1String(".png")) ? QStringLiteral("image/png")
                                : next.endsWith(QLatin1String(".jpg"))
                                    ? QStringLiteral("image/jpeg")
                                    : QStringLiteral("application/json");
    auto* progressConnection = new QMetaObject::Connection;
    *progressConnection = connect(client_, &S3Client::uploadProgress, this,
                                  [this, key, objectKey](const QString& k, qint64 s, qint64 t) {
                                      if (k == objectKey) Q_EMIT uploadProgress(key, s, t);
                                  });
    client_->putObject(
        objectKey, bytes, contentType,
        [this, key, next, progressConnection](const S3Result& result) {
            disconnect(*progressConnection);
            delete progressConnection;
            SetRecord* r = queue_->find(key);
            if (!r || r->state != SetState::Uploading) {  // cancelled
                uploading_.remove(key);
                queue_->schedule();
                return;
            }
            if (result.ok()) {
                r->uploaded << next;
                if (!queue_->update(*r)) {
                    uploading_.remove(key);
                    return;
                }
                uploadNext(key);
                return;
            }
            uploading_.remove(key);
            queue_->fail(*r, result.errorCode, result.message);
            if (result.outcome == S3Outcome::Refused)
                queue_->stopAction(r->actionId, result.errorCode, result.message);
            queue_->schedule();
        },
        contentDigest(next, bytes));
}

}  // namespace archival::adapters
