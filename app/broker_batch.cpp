#include "broker_batch.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <QRandomGenerator>
#include <QTextStream>
#include <algorithm>

#include "adapters/batch/path_id.h"
#include "adapters/broker/set_stream.h"
#include "adapters/cli/exit_codes.h"
#include "batch_messages.h"
#include "broker_options.h"

namespace archival::app {

using namespace archival::adapters;

namespace {

using batch_messages::err;
using batch_messages::fail;

// Every set hash the broker lists.
std::optional<BrokerError> listStates(RedisConnection& broker, QList<BrokerSetState>* out) {
    RedisReply keys;
    if (auto e = broker.sendNow(SetStream::listKeys(), &keys)) return e;
    for (const RedisReply& key : keys.elements) {
        RedisReply hash;
        if (auto e = broker.sendNow(SetStream::readState(key.text), &hash)) return e;
        if (!hash.elements.isEmpty()) *out << SetStream::stateFromHash(hash);
    }
    std::sort(out->begin(), out->end(), [](const BrokerSetState& a, const BrokerSetState& b) {
        return std::make_pair(a.value("action"), a.value("set").toInt()) <
               std::make_pair(b.value("action"), b.value("set").toInt());
    });
    return std::nullopt;
}

}  // namespace

int queueOnBroker(RedisConnection& broker, const SetRequest& request, int sets) {
    for (const QString& id : {request.actionId, request.programId})
        if (const QString why = pathIdProblem(id); !why.isEmpty())
            return fail(QStringLiteral("\"%1\" %2").arg(id, why),
                        exitCodeForError(QStringLiteral("InvalidRequest")));
    if (request.prompt.trimmed().isEmpty())
        return fail(QStringLiteral("the prompt is empty"),
                    exitCodeForError(QStringLiteral("InvalidRequest")));
    if (sets <= 0 || sets > 10000) return fail(QStringLiteral("--sets takes 1..10000"), 2);
    RedisReply reply;
    if (auto e = broker.sendNow(SetStream::createGroup(), &reply);
        e && !(e->kind == BrokerError::Kind::Server && SetStream::groupExists(reply)))
        return fail(e->toString(), exitCodeForBrokerError(*e));
    QList<BrokerSetState> known;
    if (auto e = listStates(broker, &known)) return fail(e->toString(), exitCodeForBrokerError(*e));
    // After the action's highest set id, whatever the program (set ids name the objects).
    int next = 0;
    for (const BrokerSetState& s : known)
        if (s.value("action") == request.actionId)
            next = std::max(next, s.value("set").toInt() + 1);
    const QString queuedBy = QHostInfo::localHostName() + QLatin1Char('/') +
                             QString::number(QCoreApplication::applicationPid());
    QStringList queued;
    for (int i = 0; i < sets; ++i) {
        BrokerSetJob job;
        job.request = request;
        job.setId = next + i;
        // One set per pass, as the local queue without --parallel: set i's seed is the
        // first seed + i, or one drawn for it.
        job.seed =
            request.seed ? *request.seed + quint64(i) : QRandomGenerator::global()->generate();
        job.queuedBy = queuedBy;
        if (auto e = broker.sendNow(SetStream::enqueue(job), &reply))
            return fail(QStringLiteral("%1 (queued before it: %2)")
                            .arg(e->toString(), queued.isEmpty() ? QStringLiteral("none")
                                                                 : queued.join(QLatin1Char(' '))),
                        exitCodeForBrokerError(*e));
        if (reply.isNil())
            return fail(QStringLiteral("set %1 of action %2 is already on the broker (its objects "
                                       "are written once)")
                            .arg(job.setId)
                            .arg(request.actionId),
                        exitCodeForError(QStringLiteral("InvalidRequest")));
        queued << QString::number(job.setId);
    }
    QTextStream(stdout) << "queued on " << broker.address().display() << ": action "
                        << request.actionId << " program " << request.programId << " sets "
                        << queued.join(QLatin1Char(' ')) << '\n';
    return 0;
}

int brokerStatus(RedisConnection& broker, const QString& actionId) {
    QList<BrokerSetState> states;
    if (auto e = listStates(broker, &states))
        return fail(e->toString(), exitCodeForBrokerError(*e));
    QString out;
    QTextStream s(&out);
    bool failed = false;
    for (const BrokerSetState& st : states) {
        if (!actionId.isEmpty() && st.value("action") != actionId) continue;
        s << st.value("action") << "  set " << st.value("set") << "  " << st.value("program")
          << "  " << st.value("state");
        if (!st.value("worker").isEmpty()) s << "  worker " << st.value("worker");
        if (!st.value("total").isEmpty())
            s << "  step " << st.value("step") << '/' << st.value("total");
        if (st.value("state") == QLatin1String("failed")) {
            failed = true;
            s << "  " << st.value("error_code") << ": " << st.value("reason");
        }
        s << '\n';
    }
    s.flush();
    QTextStream(stdout) << out;
    // As the local --status: listing is not failing (the states say which sets failed).
    Q_UNUSED(failed);
    return 0;
}

}  // namespace archival::app
