#pragma once
// The durable batch queue: N sets of a program for an action id, generated, kept on disk,
// uploaded to R2 (or any S3-compatible store), surviving a SIGKILL at any moment.
//
// On disk (root = QStandardPaths AppDataLocation/queue unless configured):
//   <root>/<action>/action.json                           prefix, bucket, key template, stop
//   <root>/<action>/<program>/set_NNN/record.json          the set's state (SetRecord)
//   <root>/<action>/<program>/set_NNN/<step>.jpg, final.png, meta.json   written before upload
// In the bucket, under the key template's folder (object_key_template.h; by default the
// reference's actions/<action>/sets/<set>/): <step>.jpg when previews are uploaded, final.png,
// meta.json (last). Set ids start at 0.
//
// After a restart, resume(): a set that was generating is generated again with the same
// seed and pass (same images); generated and uploading sets are uploaded (write-once keys:
// an object already stored with the same bytes counts as done); uploaded sets are left alone.
// A refused upload (credentials, bucket) or a full disk stops the action with a message;
// nothing already written is lost and retry() carries on.

#include <QElapsedTimer>
#include <QHash>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QString>
#include <QThreadPool>
#include <functional>
#include <optional>

#include "adapters/batch/image_source.h"
#include "adapters/batch/queue_caps.h"
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
    // Recorded with new actions: where their sets go (ObjectKeyTemplate; empty: the seed's)
    // and the base of the public URLs in meta.json (empty: https://<bucket>.r2.dev).
    QString keyTemplate;
    QString publicBaseUrl;
    // Non-empty: the queue only shows what is on disk (another process holds the folder's
    // QueueLock, or a status listing reads it): nothing is generated, uploaded or written,
    // and generateSets() answers Storage with this reason.
    QString readOnlyBecause;
    // The most unfinished work the queue takes (queue_caps.h); more is refused before
    // anything is written.
    QueueCaps caps;

    static QString defaultRoot();  // AppDataLocation/queue
};

struct ActionInfo {
    QString actionId;
    QString prefix;
    QString bucket;
    QString keyTemplate;  // an action queued before templates existed: the studio's layout
    QString publicBaseUrl;
    QString stopCode;     // empty while running
    QString stopMessage;  // what stopped the action and what to fix
};

// What one request asks for, the same for each of its sets.
struct SetRequest {
    QString programId;
    QString prompt;  // as typed
    QString actionId;
    SetOverrides overrides;
    bool uploadPreviews = false;
    int imagesPerSet = 1;
    // The first pass's seed (the next passes' count up from it), so a batch can be made
    // again; empty: drawn. A program with a fixed seed keeps its own either way.
    std::optional<quint64> seed;
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

    // Queues the sets `setIds` and starts work. With `parallel`, consecutive sets share one
    // batched pass as large as the source allows, unless their previews are uploaded (the
    // engine previews only a pass's first image) or the program's size depends on the set.
    // InvalidRequest for a bad action id / program / set id, a set whose objects another
    // set already has, or a request over the queue's caps (roomFor()); Storage when the
    // queue folder cannot be written (then no record of the request is left behind).
    std::optional<pipeline::Error> generateSets(const SetRequest& request, const QList<int>& setIds,
                                                bool parallel);
    // As generateSets(), but the sets' records are written on the queue's writer thread, so
    // a request for many sets does not hold up the thread the queue lives on (the host's,
    // where previews go out). Everything but the writing is checked at once; `done` is called
    // on the queue's thread when the records are written (the sets are then queued) or have
    // failed (none left behind). Meanwhile the sets are reserved: they count against the
    // caps, nextSetIds() and setAt() see them, and the same set ids cannot be queued twice.
    using Queued = std::function<void(std::optional<pipeline::Error>)>;
    void generateSetsInBackground(const SetRequest& request, const QList<int>& setIds,
                                  bool parallel, Queued done);
    // Whether the sets `setIds` of `request` fit under the caps beside what is queued (and
    // being written); the cap they would pass otherwise.
    std::optional<QueueFull> roomFor(const SetRequest& request, const QList<int>& setIds) const;
    // The next set ids of the action: after its highest (of this program when the action's
    // key template names the program), from 0.
    QList<int> nextSetIds(const QString& actionId, const QString& programId, int count) const;
    // Where a set of the action would go in the bucket (its recorded template and prefix, or
    // the settings' for a new action).
    QString objectPrefixFor(const QString& actionId, const QString& programId, int setId) const;
    // The set whose objects go under `objectPrefix`, if one is queued.
    std::optional<SetRecord> setAt(const QString& objectPrefix) const;

    std::optional<pipeline::Error> generateSingleSet(const QString& programId,
                                                     const QString& prompt, const QString& actionId,
                                                     int setNumber, int imagesPerSet = 1);
    // Sets numbered by nextSetIds().
    std::optional<pipeline::Error> generateMultipleSets(const QString& programId,
                                                        const QString& prompt,
                                                        const QString& actionId, int numSets,
                                                        bool parallel, int imagesPerSet = 1);

    // Reads every record under the root and carries on. Returns problems with unreadable
    // records (they are left untouched on disk).
    QStringList resume();
    // Every set of the action (set ids start at 0).
    static constexpr int kAllSets = -1;
    // Failed sets (all of the action's, or one) go back to work; a stopped action restarts.
    void retry(const QString& actionId, const QString& programId = {}, int setNumber = kAllSets);
    // Stops sets that are not uploaded yet (all of the action's, or one): they become
    // failed "Interrupted" and can be retried.
    void cancel(const QString& actionId, const QString& programId = {}, int setNumber = kAllSets);

    // `problem`: why there is none, for whoever asks for uploads (empty with an uploader).
    void setUploader(S3Client* uploader, const QString& problem = {});
    S3Client* uploader() const { return uploads_.client(); }
    QString uploaderProblem() const { return uploaderProblem_; }
    ImageSource* source() const { return source_; }
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
    ActionInfo newAction(const QString& actionId) const;
    // InvalidRequest when an id cannot name a folder (path_id.h) or differs only in case
    // from an action, or a program of the action, already queued.
    std::optional<pipeline::Error> idProblem(const QString& actionId,
                                             const QString& programId) const;
    std::optional<pipeline::Error> ensureAction(const QString& actionId);
    // Every check of generateSets() and the records it would write (nothing written yet).
    std::optional<pipeline::Error> plan(const SetRequest& request, const QList<int>& setIds,
                                        bool parallel, QList<SetRecord>* records) const;
    // One new set's record as it would be written.
    SetRecord newRecord(const SetRequest& request, const ActionInfo& action, int setId) const;
    // What the queue holds (sets not yet uploaded or failed, reserved ones included) and what
    // the sets `setIds` of `request` would add.
    QueueLoad queuedLoad() const;
    QueueLoad loadOf(const SetRequest& request, const QList<int>& setIds) const;
    // Records written and then adopted: the sets are queued and work starts.
    void adopt(const QList<SetRecord>& records);
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
    void onPassStep(quint64 ticket, int step, int total, const QImage& preview);

    QueueSettings settings_;
    QString root_;
    ImageSource* source_;
    SetUploads uploads_;
    QMap<QString, ActionInfo> actions_;
    QMap<QString, SetRecord> sets_;  // by SetRecord::key()
    // Sets whose records the writer thread is writing (generateSetsInBackground), by key.
    QMap<QString, SetRecord> writing_;
    // Each queued set's record size when queued (the caps' bytes), by key; filled lazily.
    mutable QHash<QString, qint64> recordBytes_;
    std::optional<quint64> runningTicket_;
    QStringList runningMembers_;  // set keys in the running pass
    // The running pass's steps: when it started, each step's seconds, the steps whose
    // preview was written (into its first set's folder), and the first write that failed.
    QElapsedTimer passClock_;
    qint64 lastStepMs_ = 0;
    QMap<int, double> passStepSeconds_;
    QList<int> passPreviewSteps_;
    int passTotalSteps_ = 0;
    QString passPreviewError_;
    QString uploaderProblem_;
    bool scheduled_ = false;
    bool wasIdle_ = true;
    // One thread writes records, requests in the order they came; declared last, so it is
    // the first member destroyed, after the destructor has waited for it.
    QThreadPool recordWriter_;
};

}  // namespace archival::adapters
