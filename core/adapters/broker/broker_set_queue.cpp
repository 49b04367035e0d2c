#include "adapters/broker/broker_set_queue.h"

#include <QRandomGenerator>
#include <QSet>
#include <algorithm>
#include <memory>

namespace archival::adapters {

bool BrokerSetQueue::isFinal(const BrokerSetState& state) {
    const QString s = state.value(QStringLiteral("state"));
    return s == QLatin1String("uploaded") || s == QLatin1String("failed");
}

QueueLoad BrokerSetQueue::unfinishedLoad(const QList<BrokerSetState>& states) {
    QueueLoad load;
    QSet<QString> actions;
    for (const BrokerSetState& s : states) {
        if (isFinal(s)) continue;
        ++load.sets;
        actions.insert(s.value(QStringLiteral("action")));
        // What the broker holds for the set: its hash's fields (the entry has the same).
        for (auto it = s.begin(); it != s.end(); ++it)
            load.bytes += it.key().toUtf8().size() + it.value().toUtf8().size();
    }
    load.actions = int(actions.size());
    return load;
}

int BrokerSetQueue::nextSetId(const QList<BrokerSetState>& states, const QString& actionId) {
    int next = 0;
    for (const BrokerSetState& s : states)
        if (s.value(QStringLiteral("action")) == actionId)
            next = std::max(next, s.value(QStringLiteral("set")).toInt() + 1);
    return next;
}

std::optional<BrokerError> BrokerSetQueue::away() const {
    if (redis_->isReady()) return std::nullopt;
    return BrokerError{BrokerError::Kind::Refused,
                       QStringLiteral("the broker at %1 is not connected (trying again)")
                           .arg(redis_->address().display())};
}

void BrokerSetQueue::readStates(StatesDone done) const {
    readWith(SetStream::readAllStates(), std::move(done));
}

void BrokerSetQueue::readStates(const QStringList& setKeys, StatesDone done) const {
    readWith(SetStream::readStates(setKeys), std::move(done));
}

void BrokerSetQueue::readWith(const QList<QByteArray>& command, StatesDone done) const {
    if (const auto e = away()) return done({}, &*e);
    redis_->send(command,
                 [done = std::move(done)](const RedisReply& reply, const BrokerError* error) {
                     if (error) return done({}, error);
                     QList<BrokerSetState> states = SetStream::statesFromAll(reply);
                     std::sort(states.begin(), states.end(),
                               [](const BrokerSetState& a, const BrokerSetState& b) {
                                   return std::make_pair(a.value(QStringLiteral("action")),
                                                         a.value(QStringLiteral("set")).toInt()) <
                                          std::make_pair(b.value(QStringLiteral("action")),
                                                         b.value(QStringLiteral("set")).toInt());
                               });
                     done(states, nullptr);
                 });
}

void BrokerSetQueue::requeueFailed(const QStringList& setKeys, RequeueDone done) const {
    if (const auto e = away()) return done(0, &*e);
    if (setKeys.isEmpty()) return done(0, nullptr);
    // One script per set, sent together: RESP answers in order, so the last answer ends it.
    auto count = std::make_shared<int>(0);
    auto failure = std::make_shared<std::optional<BrokerError>>();
    for (int i = 0; i < setKeys.size(); ++i) {
        const bool last = i == setKeys.size() - 1;
        redis_->send(SetStream::requeueFailed(setKeys[i]),
                     [count, failure, last, done](const RedisReply& reply, const BrokerError* e) {
                         if (e && !*failure) *failure = *e;
                         if (!e && !reply.isNil()) ++*count;
                         if (last) done(*count, *failure ? &**failure : nullptr);
                     });
    }
}

void BrokerSetQueue::enqueue(const Plan& plan, EnqueueDone done) const {
    if (const auto e = away()) {
        Enqueued out;
        out.error = *e;
        return done(out);
    }
    // The group first (from the stream's start, so sets queued before any worker are read
    // too); "it exists" is fine. Then the states the set ids and the caps go by.
    redis_->send(SetStream::createGroup(), [this, plan, done = std::move(done)](
                                               const RedisReply& reply, const BrokerError* e) {
        if (e && !(e->kind == BrokerError::Kind::Server && SetStream::groupExists(reply))) {
            Enqueued out;
            out.error = *e;
            return done(out);
        }
        readStates(
            [this, plan, done](const QList<BrokerSetState>& states, const BrokerError* error) {
                if (error) {
                    Enqueued out;
                    out.error = *error;
                    return done(out);
                }
                enqueueKnowing(plan, states, done);
            });
    });
}

void BrokerSetQueue::enqueueKnowing(const Plan& plan, const QList<BrokerSetState>& states,
                                    EnqueueDone done) const {
    QList<int> setIds = plan.setIds;
    if (setIds.isEmpty()) {
        const int first = nextSetId(states, plan.request.actionId);
        for (int i = 0; i < plan.count; ++i) setIds << first + i;
    }
    QList<BrokerSetJob> jobs;
    for (int i = 0; i < setIds.size(); ++i) {
        BrokerSetJob job;
        job.request = plan.request;
        job.setId = setIds[i];
        // One set per pass, as the local queue without --parallel: set i's seed is the
        // first seed + i, or one drawn for it.
        job.seed = plan.request.seed ? *plan.request.seed + quint64(i)
                                     : QRandomGenerator::global()->generate();
        job.queuedBy = plan.queuedBy;
        jobs << job;
    }
    if (plan.caps) {
        QueueLoad adding;
        adding.sets = int(jobs.size());
        bool actionUnfinished = false;
        for (const BrokerSetState& s : states)
            actionUnfinished |=
                !isFinal(s) && s.value(QStringLiteral("action")) == plan.request.actionId;
        adding.actions = actionUnfinished ? 0 : 1;
        for (const BrokerSetJob& job : jobs)
            for (const QByteArray& f : job.toFields()) adding.bytes += f.size();
        if (auto full = queueCapProblem(*plan.caps, unfinishedLoad(states), adding)) {
            Enqueued out;
            out.full = *full;
            return done(out);
        }
    }
    redis_->send(SetStream::enqueueAll(jobs), [jobs, states, done](const RedisReply& reply,
                                                                   const BrokerError* error) {
        Enqueued out;
        if (error) {
            out.error = *error;
        } else if (reply.elements.size() >= 2 && reply.elements[0].integer == 0) {
            const QString hash = reply.elements[1].toString();
            out.existing = hash.mid(int(qstrlen(SetStream::kSetPrefix)));
            for (const BrokerSetState& s : states)
                if (BrokerSetJob::key(s.value(QStringLiteral("action")),
                                      s.value(QStringLiteral("set")).toInt()) == out.existing)
                    out.existingState = s;
        } else if (reply.elements.size() == jobs.size() + 1) {
            out.jobs = jobs;
        } else {
            out.error = BrokerError{BrokerError::Kind::Protocol,
                                    QStringLiteral("the enqueue script answered %1 elements for "
                                                   "%2 sets")
                                        .arg(reply.elements.size())
                                        .arg(jobs.size())};
        }
        done(out);
    });
}

}  // namespace archival::adapters
