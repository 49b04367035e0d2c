#pragma once
// A worker of the broker's set stream (set_stream.h): takes one set at a time, makes it with
// the local batch queue exactly as `batch` would (same seed, one set per pass, the queue's
// files, write-once uploads and state rules), reports its states to the set's hash and
// acknowledges the entry once the set is uploaded, or failed for good.
//
// An uploaded set's local files are removed (the bucket has them).
// Before making a set the worker asks the store for its meta.json, which a set uploads last:
// when it is there, a worker that died after uploading (before acknowledging) finished the
// set, and it is acknowledged as uploaded without being made again. Sets are made one at a
// time; the lease is kept (set_stream.h keepLease) every third of it. When the worker no
// longer holds the entry (another took it after the lease ran out) it drops the set.
//
// stop() (SIGTERM): no new set is taken; a set being uploaded is finished, one being
// generated is released (its entry handed back for the next worker) at once.

#include <QObject>
#include <QString>
#include <QTimer>
#include <functional>
#include <optional>

#include "adapters/batch/batch_queue.h"
#include "adapters/broker/broker_set_job.h"
#include "adapters/broker/redis_connection.h"
#include "adapters/broker/set_stream.h"

namespace archival::adapters {

class S3Client;

struct WorkerSettings {
    QString name;         // the consumer name: unique per worker (host-pid by default)
    int leaseMs = 60000;  // an entry idle this long is taken by another worker
    int blockMs = 1000;   // XREADGROUP BLOCK: how long one read waits for a new set
    // A set delivered more often than this (it stopped every worker that took it: a crash,
    // an out-of-memory kill) is failed and acknowledged instead of made again.
    int maxDeliveries = 5;
};

class BrokerWorker : public QObject {
    Q_OBJECT
  public:
    // `queue` makes the sets (its folder is the worker's own); `store` is its uploader.
    BrokerWorker(RedisConnection* redis, BatchQueue* queue, S3Client* store,
                 WorkerSettings settings, QObject* parent = nullptr);

    // Called before a set that uploads its previews is made (the service then makes them).
    void setPreviewsWanted(std::function<void(bool)> wanted) {
        previewsWanted_ = std::move(wanted);
    }

    void start();
    void stop();
    bool isHolding() const { return held_.has_value(); }

  Q_SIGNALS:
    // A set left this worker: "uploaded", "failed", "released" or "lost" (another took it).
    void setDone(const QString& setKey, const QString& outcome);
    // The worker stopped: after stop(), or on an error it cannot carry on from (the broker
    // refused its login). `error` is empty after stop().
    void finished(const QString& error);
    void note(const QString& line);  // one line for the log (never a secret)

  private:
    struct Held {
        QByteArray entryId;
        BrokerSetJob job;
        bool queued = false;  // handed to the local queue
        bool releasing = false;
        QByteArray record;  // the local queue's record of the set (compact JSON), once it has one
    };

    void poll();
    void pollLater(int ms);
    // A failed poll: true when there was an error (the next poll is scheduled, or the
    // worker ends on an error it cannot carry on from).
    bool pollFailed(const BrokerError* error);
    // A delivered entry: its delivery count checked first (set_stream.h checkDeliveries),
    // then accepted.
    void take(const StreamEntry& entry);
    void accept(const StreamEntry& entry);
    void checkStore();
    void makeSet();
    void onSetChanged(const SetRecord& record);
    void onProgress(const QString& actionId, int step, int total);
    void keepLease();
    void finishHeld(const QString& state, const QString& code, const QString& reason);
    void release();
    void afterSet(const QString& outcome);
    // Sends `command` until the broker has run it (idempotent commands only).
    void sendUntilDone(const QList<QByteArray>& command,
                       std::function<void(const RedisReply&)> then);
    bool isHeldRecord(const SetRecord& record) const;
    QList<QByteArray> stateFields(const QString& state) const;

    RedisConnection* redis_;
    BatchQueue* queue_;
    S3Client* store_;
    WorkerSettings settings_;
    std::function<void(bool)> previewsWanted_;
    std::optional<Held> held_;
    bool started_ = false;
    bool stopping_ = false;
    bool groupReady_ = false;
    bool ownChecked_ = false;  // this consumer's own pending entries were read
    bool polling_ = false;
    QTimer leaseTimer_;
    int lastReportedStep_ = -1;
};

}  // namespace archival::adapters
