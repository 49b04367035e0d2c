#pragma once
// The queuing side of the broker: puts sets on the stream and reads every set's state. One
// class for everyone who queues or watches (`batch --broker`, `serve --broker`'s HTTP batch
// endpoints, the studio's batch panel); the workers' side is broker_worker.h.
//
// Asynchronous on the connection's event loop: nothing here blocks (a command line that
// wants to wait runs a local event loop around it). While the connection is down (it comes
// back by itself) both answer at once with a Refused error instead of waiting for it: a
// caller (an HTTP client, the batch panel) hears that the broker is away.
//
//   BrokerSetQueue sets(&redis);
//   sets.enqueue(plan, [](const BrokerSetQueue::Enqueued& done) { ... });
//   sets.readStates([](const QList<BrokerSetState>& states, const BrokerError* e) { ... });
//
// A request's sets go on in one script: all of them, or none (one already on the broker, or
// the broker away). The queue caps (queue_caps.h) count the broker's unfinished sets; they
// are read just before the script runs, so two hosts queuing at the same moment can pass a
// cap together by one request.

#include <QList>
#include <QString>
#include <functional>
#include <optional>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/queue_caps.h"
#include "adapters/broker/broker_set_job.h"
#include "adapters/broker/redis_connection.h"
#include "adapters/broker/set_stream.h"

namespace archival::adapters {

class BrokerSetQueue {
  public:
    explicit BrokerSetQueue(RedisConnection* redis) : redis_(redis) {}

    RedisConnection* connection() const { return redis_; }

    // Every set the broker knows, sorted by action, then set id. `error` is null on success.
    using StatesDone =
        std::function<void(const QList<BrokerSetState>& states, const BrokerError* error)>;
    void readStates(StatesDone done) const;
    // Only these sets ("action:set", BrokerSetJob::key), for a caller waiting on a few: the
    // broker keeps every set it ever had.
    void readStates(const QStringList& setKeys, StatesDone done) const;

    struct Plan {
        SetRequest request;  // its seed, when given, is the first set's; the next count up
        QList<int> setIds;   // empty: `count` set ids after the action's highest on the broker
        int count = 1;
        std::optional<QueueCaps> caps;  // none: no cap
        QString queuedBy;               // who queued them, shown by the status
    };
    // What came of a request: exactly one of these says what happened.
    struct Enqueued {
        QList<BrokerSetJob> jobs;          // queued (all of the request's)
        std::optional<BrokerError> error;  // the broker failed: nothing queued
        QString existing;                  // this set ("action:set") is there: nothing queued
        BrokerSetState existingState;      // its hash
        std::optional<QueueFull> full;     // over a cap: nothing queued
    };
    using EnqueueDone = std::function<void(const Enqueued& outcome)>;
    void enqueue(const Plan& plan, EnqueueDone done) const;

    // Failed sets ("action:set") on the stream again, each as it was queued (same seed).
    // `requeued` counts those that were failed; `error` is null on success.
    using RequeueDone = std::function<void(int requeued, const BrokerError* error)>;
    void requeueFailed(const QStringList& setKeys, RequeueDone done) const;

    // What the broker's unfinished sets (neither uploaded nor failed) hold, for the caps.
    static QueueLoad unfinishedLoad(const QList<BrokerSetState>& states);
    static bool isFinal(const BrokerSetState& state);
    // The action's highest set id on the broker + 1 (0 when it has none).
    static int nextSetId(const QList<BrokerSetState>& states, const QString& actionId);

  private:
    std::optional<BrokerError> away() const;
    void readWith(const QList<QByteArray>& command, StatesDone done) const;
    void enqueueKnowing(const Plan& plan, const QList<BrokerSetState>& states,
                        EnqueueDone done) const;

    RedisConnection* redis_;
};

}  // namespace archival::adapters
