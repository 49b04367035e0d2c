#pragma once
// The upload side of the batch queue: generated sets go to the bucket file by file, in
// SetRecord::files() order (previews, images, the metadata file last), at most `maxSets` sets at
// once. Each stored file is saved in the set's record before the next one starts, so a restart
// carries on where the bucket stands; the S3 client settles a 412 (an object already stored with
// the same bytes, or the same content digest: the set made again, only its timings differ,
// counts as stored) and retries. A refused upload (credentials, bucket) stops the
// action.

#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>

#include "adapters/batch/set_record.h"

namespace archival::adapters {

class S3Client;

class SetUploads : public QObject {
    Q_OBJECT
  public:
    // What the uploads need from the queue that owns the records.
    class Queue {
      public:
        virtual SetRecord* find(const QString& key) = 0;
        virtual bool actionRunning(const QString& actionId) const = 0;
        // Saves the record and signals it; false (and the action stops) when it cannot.
        virtual bool update(SetRecord& record) = 0;
        virtual void fail(SetRecord& record, const QString& code, const QString& reason) = 0;
        virtual void stopAction(const QString& actionId, const QString& code,
                                const QString& message) = 0;
        // Runs the queue's next round (more passes, more uploads) from the event loop.
        virtual void schedule() = 0;

      protected:
        ~Queue() = default;
    };

    // `client` may be null: nothing uploads until one is given.
    SetUploads(Queue* queue, S3Client* client, int maxSets, QObject* parent = nullptr);

    void setClient(S3Client* client) { client_ = client; }
    S3Client* client() const { return client_; }
    bool isBusy() const { return !uploading_.isEmpty(); }
    // Starts the generated and uploading sets of running actions, up to the limit.
    void startWaiting(QMap<QString, SetRecord>& sets);

  Q_SIGNALS:
    void uploadProgress(const QString& setKey, qint64 sent, qint64 total);

  private:
    void start(SetRecord& record);
    void uploadNext(const QString& key);

    Queue* queue_;
    S3Client* client_;
    int maxSets_;
    QSet<QString> uploading_;  // set keys with an upload in flight
};

}  // namespace archival::adapters
