#include "broker_batch.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHostInfo>
#include <QTextStream>

#include "adapters/batch/path_id.h"
#include "adapters/broker/broker_set_queue.h"
#include "adapters/cli/exit_codes.h"
#include "batch_messages.h"
#include "broker_options.h"

namespace archival::app {

using namespace archival::adapters;

namespace {

using batch_messages::fail;

// The command line waits for the broker's answer: a local event loop until `start` has
// called the function it is given.
void waitFor(const std::function<void(std::function<void()>)>& start) {
    QEventLoop loop;
    bool done = false;
    start([&] {
        done = true;
        loop.quit();
    });
    if (!done) loop.exec();
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
    BrokerSetQueue queue(&broker);
    BrokerSetQueue::Plan plan;
    plan.request = request;
    plan.count = sets;
    plan.queuedBy = QHostInfo::localHostName() + QLatin1Char('/') +
                    QString::number(QCoreApplication::applicationPid());
    BrokerSetQueue::Enqueued outcome;
    waitFor([&](std::function<void()> quit) {
        queue.enqueue(plan, [&outcome, quit](const BrokerSetQueue::Enqueued& o) {
            outcome = o;
            quit();
        });
    });
    if (outcome.error)
        return fail(outcome.error->toString() + QStringLiteral(" (nothing queued)"),
                    exitCodeForBrokerError(*outcome.error));
    if (!outcome.existing.isEmpty())
        return fail(QStringLiteral("set %1 is already on the broker (its objects are written "
                                   "once); nothing queued")
                        .arg(outcome.existing),
                    exitCodeForError(QStringLiteral("InvalidRequest")));
    QStringList queued;
    for (const BrokerSetJob& job : outcome.jobs) queued << QString::number(job.setId);
    QTextStream(stdout) << "queued on " << broker.address().display() << ": action "
                        << request.actionId << " program " << request.programId << " sets "
                        << queued.join(QLatin1Char(' ')) << '\n';
    return 0;
}

namespace {

// Every set the broker knows, waited for; nullopt (after saying why) when the broker failed.
std::optional<QList<BrokerSetState>> readAllStates(RedisConnection& broker, int& exitCode) {
    QList<BrokerSetState> states;
    std::optional<BrokerError> error;
    waitFor([&](std::function<void()> quit) {
        BrokerSetQueue(&broker).readStates(
            [&states, &error, quit](const QList<BrokerSetState>& s, const BrokerError* e) {
                if (e) error = *e;
                states = s;
                quit();
            });
    });
    if (!error) return states;
    exitCode = fail(error->toString(), exitCodeForBrokerError(*error));
    return std::nullopt;
}

}  // namespace

int brokerStatus(RedisConnection& broker, const QString& actionId) {
    int exitCode = 0;
    const auto read = readAllStates(broker, exitCode);
    if (!read) return exitCode;
    const QList<BrokerSetState>& states = *read;
    QString out;
    QTextStream s(&out);
    for (const BrokerSetState& st : states) {
        if (!actionId.isEmpty() && st.value("action") != actionId) continue;
        s << st.value("action") << "  set " << st.value("set") << "  " << st.value("program")
          << "  " << st.value("state");
        if (!st.value("worker").isEmpty()) s << "  worker " << st.value("worker");
        if (!st.value("total").isEmpty())
            s << "  step " << st.value("step") << '/' << st.value("total");
        if (st.value("state") == QLatin1String("failed"))
            s << "  " << st.value("error_code") << ": " << st.value("reason");
        s << '\n';
    }
    s.flush();
    // As the local --status: listing is not failing (the states say which sets failed).
    QTextStream(stdout) << out;
    return 0;
}

int brokerRetry(RedisConnection& broker, const QString& actionId) {
    int exitCode = 0;
    const auto states = readAllStates(broker, exitCode);
    if (!states) return exitCode;
    QStringList failed;
    for (const BrokerSetState& st : *states)
        if ((actionId.isEmpty() || st.value("action") == actionId) &&
            st.value("state") == QLatin1String("failed"))
            failed << st.value("action") + QLatin1Char(':') + st.value("set");
    int requeued = 0;
    std::optional<BrokerError> error;
    waitFor([&](std::function<void()> quit) {
        BrokerSetQueue(&broker).requeueFailed(
            failed, [&requeued, &error, quit](int n, const BrokerError* e) {
                requeued = n;
                if (e) error = *e;
                quit();
            });
    });
    // Sets requeued before a failure stay requeued: say how many, then the failure.
    QTextStream(stdout) << "requeued on " << broker.address().display() << ": " << requeued
                        << " failed set(s)" << '\n';
    if (error) return fail(error->toString(), exitCodeForBrokerError(*error));
    return 0;
}

}  // namespace archival::app
