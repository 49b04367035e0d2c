#pragma once
// The durable batch queue: N sets of a program for an action id, generated, kept on disk,
// uploaded to R2 (or any S3-compatible store), surviving a SIGKILL at any moment.
//
// On disk (root = QStandardPaths AppDataLocation/queue unless configured):
//   <root>/<action>/action.json                           prefix, bucket, stop reason
//   <root>/<action>/<program>/set_NNN/record.json          the set's state (SetRecord)
//   <root>/<action>/<program>/set_NNN/<n>.png, metadata.json   written before any upload
// In the bucket: <prefix>/<action>/<program>/set_NNN/<n>.png and metadata.json.
//
// After a restart, resume(): a set that was generating is generated again with the same
// seed and pass (same images); generated and uploading sets are uploaded (write-once keys:
// an object already stored with the same bytes counts as done); uploaded sets are left alone.
// A refused upload (credentials, bucket) or a full disk stops the action with a message;
// nothing already written is lost and retry() carries on.

#include <QHash>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <optional>

#include "adapters/batch/image_source.h"
#include "adapters/batch/set_record.h"
#include "adapters/batch/set_uploads.h"
#include "pipeline/errors.h"

namespace archival::adapters {

class S3Client;

struct QueueSettings {
    QString root;           // empty: defaultRoot()
    QString prefix;         // object key prefix for new actions ("" or "exhibit/2026")
    QString bucket;         // recorded with new actions; resuming into another bucket is refused
    int uploadingSets = 4;  // sets uploading at once (the client bounds requests too)

    static QString defaultRoot();  // AppDataLocation/queue
};

struct ActionInfo {
    QString actionId;
    QString prefix;
    QString bucket;
    QString stopCode;     // empty while running
    QString stopMessage;  // what stopped the action and what to fix
};

// Sets are kept here and generated in passes; their files are written by SetRecord and
// uploaded by SetUploads.
class BatchQueue : public QObject, private SetUploads::Queue {
    Q_OBJECT
  public:
    // `uploader` may be null: sets then stop at "generated" until one is given.
    BatchQueue(QueueSettings settings, ImageSource* source, S3Client* uploader,
               QObject* parent = nullptr);
    ~BatchQueue() override;

    // Queues sets and starts work. InvalidRequest for a bad action id / program / count,
    // Storage when the queue folder cannot be written.
    std::optional<pipeline::Error> generateSingleSet(const QString& programId,
                                                     const QString& prompt, const QString& actionId,
                                                     int setNumber, int imagesPerSet = 1);
    // Sets numbered after the action's existing sets of this program. With `parallel`,
    // consecutive sets share one batched pass as large as the source allows.
    std::optional<pipeline::Error> generateMultipleSets(const QString& programId,
                                                        const QString& prompt,
                                                        const QString& actionId, int numSets,
                                                        bool parallel, int imagesPerSet = 1);

    // Reads every record under the root and carries on. Returns problems with unreadable
    // records (they are left untouched on disk).
    QStringList resume();
    // Failed sets (all of the action's, or one) go back to work; a stopped action restarts.
    void retry(const QString& actionId, const QString& programId = {}, int setNumber = 0);
    // Stops sets that are not uploaded yet (all of the action's, or one): they become
    // failed "Interrupted" and can be retried.
    void cancel(const QString& actionId, const QString& programId = {}, int setNumber = 0);

    void setUploader(S3Client* uploader);
    QString root() const { return root_; }
    QList<SetRecord> sets(const QString& actionId = {}) const;  // action, program, set order
    QList<ActionInfo> actions() const;
    std::optional<ActionInfo> action(const QString& actionId) const;
    bool isIdle() const;

  Q_SIGNALS:
    void setChanged(const archival::adapters::SetRecord& record);
    void actionStopped(const QString& actionId, const QString& message);
    void uploadProgress(const QString& setKey, qint64 sent, qint64 total);
    void generationProgress(const QString& actionId, int step, int total);
    // Nothing left that can run (everything uploaded, failed, stopped or waiting for an
    // uploader).
    void idle();

  private:
    std::optional<pipeline::Error> enqueue(const QString& programId, const QString& prompt,
                                           const QString& actionId, const QList<int>& setNumbers,
                                           bool parallel, int imagesPerSet);
    // InvalidRequest when an id cannot name a folder (path_id.h) or differs only in case
    // from an action, or a program of the action, already queued.
    std::optional<pipeline::Error> idProblem(const QString& actionId,
                                             const QString& programId) const;
    std::optional<pipeline::Error> ensureAction(const QString& actionId);
    QString saveAction(const ActionInfo& action) const;
    // SetUploads::Queue, used by the queue itself too.
    SetRecord* find(const QString& key) override;
    bool actionRunning(const QString& actionId) const override;
    bool update(SetRecord& record) override;  // saves + signals; false (action stops) on error
    void fail(SetRecord& record, const QString& code, const QString& reason) override;
    void stopAction(const QString& actionId, const QString& code, const QString& message) override;
    void schedule() override;

    void pump();
    void startPass();
    void onPassFinished(quint64 ticket, const QList<QImage>& images,
                        const QList<pipeline::ImageMetadata>& metadata);
    void onPassFailed(quint64 ticket, const pipeline::Error& error);

    QueueSettings settings_;
    QString root_;
    ImageSource* source_;
    SetUploads uploads_;
    QMap<QString, ActionInfo> actions_;
    QMap<QString, SetRecord> sets_;  // by SetRecord::key()
    std::optional<quint64> runningTicket_;
    QStringList runningMembers_;  // set keys in the running pass
    bool scheduled_ = false;
    bool wasIdle_ = true;
};

}  // namespace archival::adapters
