#pragma once
// The broker's data in Redis, as commands and the parsing of their replies (the connection
// that sends them is redis_connection.h):
//
//   archival:sets                 the stream of set jobs (one entry per set, broker_set_job.h)
//   archival-workers              its consumer group: every worker reads as one consumer of it
//   archival:set:<action>:<set>   a hash per set: the job's fields, state, worker, step/total,
//                                 error_code, reason, entry, updated
//   archival:set-index            the set of those hash keys (for `batch --status --broker`)
//
// An entry is acknowledged (XACK) only once its set's objects are uploaded, or the set failed
// for good; it is deleted from the stream (XDEL) in the same script, so the stream holds only
// the sets still to make (the hashes stay: they are what the status reads). A worker that dies
// leaves its entry pending; another takes it with XAUTOCLAIM once it has been idle past the lease;
// a worker at work keeps its lease by claiming its own entry again (XCLAIM, only while it still
// holds it). The scripts (EVAL) make each check-and-change one step on the server.

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <optional>

#include "adapters/broker/broker_set_job.h"
#include "adapters/broker/redis_reply.h"

namespace archival::adapters {

struct StreamEntry {
    QByteArray id;
    QMap<QByteArray, QByteArray> fields;  // empty: the entry was deleted from the stream
};

// One set's hash, as `batch --status --broker` shows it.
using BrokerSetState = QMap<QString, QString>;

struct SetStream {
    static constexpr const char* kStream = "archival:sets";
    static constexpr const char* kGroup = "archival-workers";
    static constexpr const char* kSetPrefix = "archival:set:";
    static constexpr const char* kIndex = "archival:set-index";

    static QByteArray setHash(const QString& setKey);

    // XGROUP CREATE ... 0 MKSTREAM: the group reads the stream from its start, so sets queued
    // before any worker existed are read too. "BUSYGROUP" (it exists) counts as done.
    static QList<QByteArray> createGroup();
    static bool groupExists(const RedisReply& error);
    // The set's hash and entry, unless the set is already known: the reply is the entry id,
    // or nil when the action already has this set id.
    static QList<QByteArray> enqueue(const BrokerSetJob& job);
    // Every job's hash and entry, or none when one of the sets is already known: the reply is
    // [1, entry id, ...], or [0, the known set's hash key].
    static QList<QByteArray> enqueueAll(const QList<BrokerSetJob>& jobs);
    // A failed set on the stream again, as it was queued (its seed kept, so the same pixels):
    // a new entry, its hash back to "pending". The reply is the entry id, or nil when the set
    // is not failed (unknown, or not failed now).
    static QList<QByteArray> requeueFailed(const QString& setKey);
    // The consumer's own pending entries first (after a restart or a lost reply), then
    // entries idle past the lease, then new ones (waiting up to blockMs).
    static QList<QByteArray> readOwn(const QString& consumer);
    static QList<QByteArray> claimStale(const QString& consumer, int leaseMs);
    static QList<QByteArray> readNew(const QString& consumer, int blockMs);
    // 1 when the consumer still held the entry (its idle time is now 0), else 0.
    static QList<QByteArray> keepLease(const QString& consumer, const QByteArray& id);
    // Gives the entry back: its idle time becomes the lease, so the next XAUTOCLAIM (of any
    // worker) takes it. 1 when the consumer held it.
    static QList<QByteArray> release(const QString& consumer, const QByteArray& id,
                                     const QString& setKey, int leaseMs);
    // The set's state fields (name, value, ...), unless it is already "uploaded".
    static QList<QByteArray> report(const QString& setKey, const QList<QByteArray>& fields);
    // Acknowledges and deletes the entry and records the set's final fields. With ownerOnly (a
    // failure) only while the consumer holds it: a worker that lost its lease leaves the set to the
    // one that has it. 1 when done.
    static QList<QByteArray> finish(const QString& consumer, const QByteArray& id,
                                    const QString& setKey, const QList<QByteArray>& fields,
                                    bool ownerOnly);
    // A delivered entry's delivery count against `maxDeliveries`: over it (and still this
    // consumer's), the set is failed ("delivered N times; last worker X"), the entry
    // acknowledged and deleted, in one step. Reply: [1, reason] when it was, else [0].
    static QList<QByteArray> checkDeliveries(const QString& consumer, const QByteArray& id,
                                             const QString& setKey, int maxDeliveries);
    static QList<QByteArray> listKeys();                         // SMEMBERS of the index
    static QList<QByteArray> readState(const QByteArray& hash);  // HGETALL
    // Every indexed set's hash in one reply (one round trip, one moment): [[field, value,
    // ...], ...].
    static QList<QByteArray> readAllStates();
    // These sets' hashes ("action:set" keys), in one reply of the same shape (unknown sets
    // left out).
    static QList<QByteArray> readStates(const QStringList& setKeys);

    // Replies.
    static std::optional<StreamEntry> entryFromRead(const RedisReply& reply);   // XREADGROUP
    static std::optional<StreamEntry> entryFromClaim(const RedisReply& reply);  // XAUTOCLAIM
    static BrokerSetState stateFromHash(const RedisReply& reply);               // HGETALL
    // checkDeliveries: the failure's reason when the set was failed.
    static std::optional<QString> deliveryLimitFromCheck(const RedisReply& reply);
    static QList<BrokerSetState> statesFromAll(const RedisReply& reply);  // readAllStates
};

}  // namespace archival::adapters
