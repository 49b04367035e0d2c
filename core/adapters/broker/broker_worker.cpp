#include "adapters/broker/broker_worker.h"

#include <QDir>
#include <QJsonDocument>

#include "adapters/batch/s3_client.h"

namespace archival::adapters {

namespace {
constexpr int kRetryMs = 500;
}

BrokerWorker::BrokerWorker(RedisConnection* redis, BatchQueue* queue, S3Client* store,
                           WorkerSettings settings, QObject* parent)
    : QObject(parent), redis_(redis), queue_(queue), store_(store), settings_(std::move(settings)) {
    leaseTimer_.setInterval(std::max(100, settings_.leaseMs / 3));
    connect(&leaseTimer_, &QTimer::timeout, this, &BrokerWorker::keepLease);
    connect(queue_, &BatchQueue::setChanged, this, &BrokerWorker::onSetChanged);
    connect(queue_, &BatchQueue::generationProgress, this, &BrokerWorker::onProgress);
    // After a reconnect (the broker restarted, say) this consumer's own pending entries are
    // read again first: a reply lost with the connection may have handed it one.
    connect(redis_, &RedisConnection::ready, this, [this] { ownChecked_ = false; });
}

void BrokerWorker::start() {
    started_ = true;
    poll();
}

void BrokerWorker::pollLater(int ms) {
    QTimer::singleShot(ms, this, &BrokerWorker::poll);
}

bool BrokerWorker::pollFailed(const BrokerError* error) {
    if (!error) return false;
    polling_ = false;
    if (error->kind == BrokerError::Kind::Auth) {
        stopping_ = true;
        Q_EMIT finished(error->message);
        return true;
    }
    if (error->kind == BrokerError::Kind::Server && error->message.startsWith("NOGROUP"))
        groupReady_ = false;  // a broker that came back without its data
    else
        Q_EMIT note(QStringLiteral("broker: %1 (trying again)").arg(error->toString()));
    pollLater(kRetryMs);
    return true;
}

void BrokerWorker::poll() {
    if (!started_ || held_ || polling_) return;
    if (stopping_) {
        started_ = false;
        Q_EMIT finished({});
        return;
    }
    polling_ = true;
    if (!groupReady_) {
        redis_->send(
            SetStream::createGroup(), [this](const RedisReply& reply, const BrokerError* e) {
                if (e && !(e->kind == BrokerError::Kind::Server && SetStream::groupExists(reply)) &&
                    pollFailed(e))
                    return;
                groupReady_ = true;
                polling_ = false;
                poll();
            });
        return;
    }
    if (!ownChecked_) {
        redis_->send(SetStream::readOwn(settings_.name), [this](const RedisReply& reply,
                                                                const BrokerError* e) {
            if (pollFailed(e)) return;
            const auto entry = SetStream::entryFromRead(reply);
            if (entry && entry->fields.isEmpty()) {
                // Deleted from the stream while pending: nothing to make.
                redis_->send({"XACK", SetStream::kStream, SetStream::kGroup, entry->id},
                             [this](const RedisReply&, const BrokerError*) {
                                 polling_ = false;
                                 poll();
                             });
                return;
            }
            if (entry) return take(*entry);
            ownChecked_ = true;
            polling_ = false;
            poll();
        });
        return;
    }
    redis_->send(SetStream::claimStale(settings_.name, settings_.leaseMs),
                 [this](const RedisReply& reply, const BrokerError* e) {
                     if (pollFailed(e)) return;
                     if (const auto entry = SetStream::entryFromClaim(reply)) return take(*entry);
                     redis_->send(SetStream::readNew(settings_.name, settings_.blockMs),
                                  [this](const RedisReply& reply, const BrokerError* e) {
                                      if (pollFailed(e)) return;
                                      if (const auto entry = SetStream::entryFromRead(reply))
                                          return take(*entry);
                                      polling_ = false;
                                      pollLater(0);
                                  });
                 });
}

void BrokerWorker::take(const StreamEntry& entry) {
    const QByteArray action = entry.fields.value("action");
    bool numbered = false;
    const int setId = entry.fields.value("set").toInt(&numbered);
    if (action.isEmpty() || !numbered) return accept(entry);  // failed as unreadable there
    const QString setKey = BrokerSetJob::key(QString::fromUtf8(action), setId);
    redis_->send(
        SetStream::checkDeliveries(settings_.name, entry.id, setKey, settings_.maxDeliveries),
        [this, entry, setKey](const RedisReply& reply, const BrokerError* e) {
            // The broker went away: the entry stays this consumer's, read again later.
            if (pollFailed(e)) return;
            const auto over = SetStream::deliveryLimitFromCheck(reply);
            if (!over) return accept(entry);
            Q_EMIT note(QStringLiteral("set %1 failed: %2").arg(setKey, *over));
            Q_EMIT setDone(setKey, QStringLiteral("failed"));
            polling_ = false;
            poll();
        });
}

void BrokerWorker::accept(const StreamEntry& entry) {
    polling_ = false;
    auto parsed = BrokerSetJob::fromFields(entry.fields);
    Held held;
    held.entryId = entry.id;
    if (const auto* problem = std::get_if<QString>(&parsed)) {
        held.job.request.actionId = QString::fromUtf8(entry.fields.value("action", "unknown"));
        held.job.setId = entry.fields.value("set").toInt();
        held_ = held;
        Q_EMIT note(QStringLiteral("entry %1 cannot be made: %2")
                        .arg(QString::fromLatin1(entry.id), *problem));
        finishHeld(QStringLiteral("failed"), QStringLiteral("InvalidRequest"), *problem);
        return;
    }
    held.job = std::get<BrokerSetJob>(std::move(parsed));
    held_ = held;
    lastReportedStep_ = -1;
    Q_EMIT note(
        QStringLiteral("took set %1 (%2, entry %3)")
            .arg(held.job.key(), held.job.request.programId, QString::fromLatin1(entry.id)));
    if (stopping_) {
        release();
        return;
    }
    leaseTimer_.start();
    redis_->send(SetStream::report(held.job.key(), stateFields(QStringLiteral("claimed"))),
                 [](const RedisReply&, const BrokerError*) {});
    checkStore();
}

void BrokerWorker::checkStore() {
    const BrokerSetJob& job = held_->job;
    if (!store_) {
        makeSet();
        return;
    }
    // meta.json goes up last: when it is there, the set's every object is.
    const QString key =
        queue_->objectPrefixFor(job.request.actionId, job.request.programId, job.setId) +
        QStringLiteral("/meta.json");
    const QByteArray entryId = held_->entryId;
    store_->headObject(key, [this, entryId](const S3Result& result) {
        if (!held_ || held_->entryId != entryId || held_->releasing) return;
        if (result.outcome == S3Outcome::Done) {
            Q_EMIT note(QStringLiteral("set %1 is already in the store").arg(held_->job.key()));
            finishHeld(QStringLiteral("uploaded"), {},
                       QStringLiteral("found in the store (uploaded by a worker that stopped "
                                      "before acknowledging)"));
            return;
        }
        makeSet();
    });
}

void BrokerWorker::makeSet() {
    const BrokerSetJob& job = held_->job;
    const SetRequest& r = job.request;
    // The same set delivered again to this worker (its acknowledgement was lost with the
    // broker): what the local queue already has of it counts.
    for (const SetRecord& record : queue_->sets(r.actionId)) {
        if (record.programId != r.programId || record.setNumber != job.setId) continue;
        held_->queued = true;
        if (record.state == SetState::Uploaded) {
            finishHeld(QStringLiteral("uploaded"), {}, {});
        } else if (record.state == SetState::Failed) {
            queue_->retry(r.actionId, r.programId, job.setId);
        }
        return;
    }
    if (previewsWanted_) previewsWanted_(r.uploadPreviews);
    // A refused upload of an earlier set stopped the action in the local queue; this set is
    // a new request and starts it again.
    queue_->retry(r.actionId, r.programId, job.setId);
    SetRequest request = r;
    request.seed = job.seed;
    held_->queued = true;
    if (auto error = queue_->generateSets(request, {job.setId}, false)) {
        held_->queued = false;
        finishHeld(QStringLiteral("failed"), error->codeName(), error->message);
    }
}

bool BrokerWorker::isHeldRecord(const SetRecord& record) const {
    return held_ && held_->queued && record.actionId == held_->job.request.actionId &&
           record.programId == held_->job.request.programId && record.setNumber == held_->job.setId;
}

QList<QByteArray> BrokerWorker::stateFields(const QString& state) const {
    QList<QByteArray> fields{"state", state.toUtf8(), "worker", settings_.name.toUtf8()};
    // Whoever answers for the set (serve --broker) writes from it what the local queue would.
    if (held_ && !held_->record.isEmpty()) fields << "record" << held_->record;
    return fields;
}

void BrokerWorker::onSetChanged(const SetRecord& record) {
    if (!isHeldRecord(record) || held_->releasing) return;
    held_->record = QJsonDocument(record.toJson()).toJson(QJsonDocument::Compact);
    if (record.state == SetState::Uploaded) {
        finishHeld(QStringLiteral("uploaded"), {}, {});
        return;
    }
    if (record.state == SetState::Failed) {
        finishHeld(QStringLiteral("failed"), record.errorCode, record.reason);
        return;
    }
    redis_->send(SetStream::report(held_->job.key(), stateFields(setStateName(record.state))),
                 [](const RedisReply&, const BrokerError*) {});
}

void BrokerWorker::onProgress(const QString& actionId, int step, int total) {
    if (!held_ || !held_->queued || held_->job.request.actionId != actionId) return;
    if (step == lastReportedStep_) return;
    lastReportedStep_ = step;
    // Progress is for people watching: one lost with a dropped connection is not sent again.
    redis_->send(SetStream::report(held_->job.key(), {"step", QByteArray::number(step), "total",
                                                      QByteArray::number(total)}),
                 [](const RedisReply&, const BrokerError*) {});
}

void BrokerWorker::keepLease() {
    if (!held_ || held_->releasing) return;
    const QByteArray entryId = held_->entryId;
    redis_->send(
        SetStream::keepLease(settings_.name, entryId),
        [this, entryId](const RedisReply& reply, const BrokerError* e) {
            if (e || !held_ || held_->entryId != entryId || held_->releasing) return;
            if (reply.integer != 0) return;
            // Another worker took the entry after the lease ran out: it makes the
            // set; this one stops (write-once keys keep a late upload harmless).
            Q_EMIT note(
                QStringLiteral("lost the lease of set %1 to another worker").arg(held_->job.key()));
            held_->releasing = true;
            leaseTimer_.stop();
            const BrokerSetJob job = held_->job;
            if (held_->queued)
                queue_->cancel(job.request.actionId, job.request.programId, job.setId);
            afterSet(QStringLiteral("lost"));
        });
}

void BrokerWorker::finishHeld(const QString& state, const QString& code, const QString& reason) {
    leaseTimer_.stop();
    const bool failure = state != QLatin1String("uploaded");
    QList<QByteArray> fields = stateFields(state);
    fields << "error_code" << code.toUtf8() << "reason" << reason.toUtf8();
    if (!failure)
        fields << "step"
               << ""
               << "total"
               << "";
    const QByteArray entryId = held_->entryId;
    if (failure)
        Q_EMIT note(QStringLiteral("set %1 failed: %2: %3").arg(held_->job.key(), code, reason));
    sendUntilDone(SetStream::finish(settings_.name, entryId, held_->job.key(), fields, failure),
                  [this, state](const RedisReply& reply) {
                      if (reply.integer == 0)
                          Q_EMIT note(QStringLiteral("set %1 is another worker's now: left to it")
                                          .arg(held_ ? held_->job.key() : QString()));
                      afterSet(state);
                  });
}

void BrokerWorker::release() {
    held_->releasing = true;
    leaseTimer_.stop();
    const BrokerSetJob job = held_->job;
    if (held_->queued) queue_->cancel(job.request.actionId, job.request.programId, job.setId);
    // One try: if the broker cannot be reached the lease hands the entry on anyway.
    redis_->send(
        SetStream::release(settings_.name, held_->entryId, job.key(), settings_.leaseMs),
        [this](const RedisReply&, const BrokerError*) { afterSet(QStringLiteral("released")); });
}

void BrokerWorker::afterSet(const QString& outcome) {
    if (!held_) return;
    const QString key = held_->job.key();
    // An uploaded set's files are in the bucket: the worker's folder does not keep a copy of
    // every set it ever made (its record stays in memory, so a redelivery is answered).
    if (outcome == QLatin1String("uploaded"))
        for (const SetRecord& r : queue_->sets(held_->job.request.actionId))
            if (isHeldRecord(r) && r.state == SetState::Uploaded && !r.dir.isEmpty())
                QDir(r.dir).removeRecursively();
    held_.reset();
    Q_EMIT setDone(key, outcome);
    if (stopping_) {
        started_ = false;
        Q_EMIT finished({});
        return;
    }
    poll();
}

void BrokerWorker::sendUntilDone(const QList<QByteArray>& command,
                                 std::function<void(const RedisReply&)> then) {
    redis_->send(command, [this, command, then](const RedisReply& reply, const BrokerError* e) {
        if (e && e->kind == BrokerError::Kind::Auth) {
            stopping_ = true;
            Q_EMIT finished(e->message);
            return;
        }
        if (e && e->kind != BrokerError::Kind::Server) {
            // The broker is away (restarting): the same command again once it is back. Every
            // command sent this way is safe to run twice.
            QTimer::singleShot(kRetryMs, this,
                               [this, command, then] { sendUntilDone(command, then); });
            return;
        }
        if (e) Q_EMIT note(QStringLiteral("broker: %1").arg(e->toString()));
        then(reply);
    });
}

void BrokerWorker::stop() {
    if (stopping_) return;
    stopping_ = true;
    if (!held_) {
        if (!polling_) {
            started_ = false;
            Q_EMIT finished({});
        }
        return;  // the read in flight ends it (and releases what it brings)
    }
    // A set being uploaded is finished; one still to generate goes back to the stream.
    for (const SetRecord& r : queue_->sets(held_->job.request.actionId)) {
        if (!isHeldRecord(r)) continue;
        if (r.state == SetState::Generated || r.state == SetState::Uploading) return;
    }
    release();
}

}  // namespace archival::adapters
