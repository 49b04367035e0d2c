#include "adapters/host/batch_http_api.h"

#include <QCoreApplication>
#include <QHostInfo>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QSet>
#include <QTcpSocket>
#include <cmath>
#include <memory>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/path_id.h"
#include "adapters/broker/broker_set_queue.h"
#include "adapters/broker/broker_set_record.h"
#include "adapters/host/outgoing_text.h"

namespace archival::adapters::host {

namespace {

using Status = QHttpServerResponse::StatusCode;
constexpr int kMaxSets = 1000;

QJsonObject errorBody(const QString& code, const QString& message, const QString& field = {}) {
    QJsonObject e{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
    if (!field.isEmpty()) e.insert(QStringLiteral("field"), field);
    return QJsonObject{{QStringLiteral("error"), e}};
}

QHttpServerResponse error(Status status, const QString& code, const QString& message,
                          const QString& field = {}) {
    return QHttpServerResponse(errorBody(code, message, field), status);
}

// `queueRoot`: named in no message (withoutLocalPaths).
QJsonObject setJson(const SetRecord& r, const QString& queueRoot) {
    QJsonArray keys;
    for (const QString& file : r.files()) keys.append(r.objectPrefix + QLatin1Char('/') + file);
    QJsonObject o{{QStringLiteral("id"), r.key()},
                  {QStringLiteral("program"), r.programId},
                  {QStringLiteral("set"), r.setNumber},
                  {QStringLiteral("state"), setStateName(r.state)},
                  {QStringLiteral("keys"), keys},
                  {QStringLiteral("uploaded"), QJsonArray::fromStringList(r.uploaded)}};
    o.insert(QStringLiteral("error"),
             r.state == SetState::Failed
                 ? QJsonValue(QJsonObject{
                       {QStringLiteral("code"), r.errorCode},
                       {QStringLiteral("message"), withoutLocalPaths(r.reason, {queueRoot})}})
                 : QJsonValue());
    return o;
}

}  // namespace

BatchHttpApi::BatchHttpApi(BatchQueue* queue, Authorizer authorize, Logger log)
    : queue_(queue), authorize_(std::move(authorize)), log_(std::move(log)) {}

QString BatchHttpApi::forClient(const QString& message) const {
    return withoutLocalPaths(message, queue_ ? QStringList{queue_->root()} : QStringList{});
}

void BatchHttpApi::addRoutes(QHttpServer* server) {
    using Method = QHttpServerRequest::Method;
    auto unauthorized = [] {
        return error(Status::Unauthorized, QStringLiteral("unauthorized"),
                     QStringLiteral("this host needs its access token: 'Authorization: Bearer "
                                    "<token>' or ?token=<token>"));
    };
    auto refused = [this](const QHttpServerRequest& request) -> std::optional<QHttpServerResponse> {
        if (!check_) return std::nullopt;
        const auto no = check_(request, request.method() != QHttpServerRequest::Method::Get);
        if (!no) return std::nullopt;
        return error(no->status, no->code, no->message);
    };
    server->route(QStringLiteral("/api/v1/batch"), Method::Post,
                  [this, unauthorized, refused](const QHttpServerRequest& request,
                                                QHttpServerResponder&& responder) {
                      if (auto no = refused(request)) return no->write(std::move(responder));
                      if (!authorize_(request)) return unauthorized().write(std::move(responder));
                      // Answered once the sets' records are written. Qt 6.4's responder
                      // holds a plain socket pointer: a caller gone by then gets nothing.
                      auto held = std::make_shared<QHttpServerResponder>(std::move(responder));
                      const QPointer<QTcpSocket> socket = held->socket();
                      submit(request.body(),
                             [held, socket](Status status, const QJsonObject& body) {
                                 if (!socket || socket->state() != QAbstractSocket::ConnectedState)
                                     return;
                                 QHttpServerResponse(body, status).write(std::move(*held));
                             });
                  });
    server->route(
        QStringLiteral("/api/v1/batch/<arg>"), Method::Get,
        [this, unauthorized, refused](const QString& id, const QHttpServerRequest& request,
                                      QHttpServerResponder&& responder) {
            if (auto no = refused(request)) return no->write(std::move(responder));
            if (!authorize_(request)) return unauthorized().write(std::move(responder));
            if (!broker_) return status(id).write(std::move(responder));
            // The broker answers later: as POST, the responder waits for it.
            auto held = std::make_shared<QHttpServerResponder>(std::move(responder));
            const QPointer<QTcpSocket> socket = held->socket();
            brokerStatus(id, [held, socket](Status status, const QJsonObject& body) {
                if (!socket || socket->state() != QAbstractSocket::ConnectedState) return;
                QHttpServerResponse(body, status).write(std::move(*held));
            });
        });
    server->route(
        QStringLiteral("/api/v1/batch/<arg>"), Method::Delete,
        [this, unauthorized, refused](const QString& id, const QHttpServerRequest& request) {
            if (auto no = refused(request)) return std::move(*no);
            if (!authorize_(request)) return unauthorized();
            return cancel(id);
        });
}

void BatchHttpApi::submit(const QByteArray& body, Answer answer) const {
    auto refuse = [&answer](Status status, const QString& code, const QString& message,
                            const QString& field = {}) {
        answer(status, errorBody(code, message, field));
    };
    auto invalid = [&refuse](const QString& field, const QString& expected) {
        refuse(Status::BadRequest, QStringLiteral("invalid_field"),
               QStringLiteral("field '%1' must be %2").arg(field, expected), field);
    };
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return refuse(Status::BadRequest, QStringLiteral("invalid_json"),
                      QStringLiteral("the body must be a JSON object"));
    const QJsonObject o = doc.object();
    const QJsonValue program = o.value(QStringLiteral("program"));
    const QJsonValue prompt = o.value(QStringLiteral("prompt"));
    const QJsonValue action = o.value(QStringLiteral("action_id"));
    const QJsonValue sets = o.value(QStringLiteral("sets"));
    const QJsonValue parallel = o.value(QStringLiteral("parallel"));
    if (!program.isString() || program.toString().isEmpty())
        return invalid(QStringLiteral("program"), QStringLiteral("a program id"));
    if (!prompt.isString() || prompt.toString().trimmed().isEmpty())
        return invalid(QStringLiteral("prompt"), QStringLiteral("a non-empty string"));
    // Checked before anything is queued: the prompt is copied into every set's record.
    if (const int chars = int(prompt.toString().size()); chars > maxPromptChars_)
        return refuse(Status::BadRequest, QStringLiteral("prompt_too_long"),
                      QStringLiteral("the prompt has %1 characters; at most %2 are allowed")
                          .arg(chars)
                          .arg(maxPromptChars_),
                      QStringLiteral("prompt"));
    if (!action.isString())
        return invalid(QStringLiteral("action_id"),
                       QStringLiteral("1-128 letters, digits, '.', '_' or '-'"));
    if (const QString why = pathIdProblem(action.toString()); !why.isEmpty())
        return refuse(Status::BadRequest, QStringLiteral("invalid_field"),
                      QStringLiteral("field 'action_id' %1").arg(why), QStringLiteral("action_id"));
    const double n = sets.isUndefined() ? 1.0 : sets.toDouble(-1);
    if (!(sets.isUndefined() || sets.isDouble()) || std::floor(n) != n || n < 1 || n > kMaxSets)
        return invalid(QStringLiteral("sets"),
                       QStringLiteral("a whole number from 1 to %1").arg(kMaxSets));
    if (!parallel.isUndefined() && !parallel.isBool())
        return invalid(QStringLiteral("parallel"), QStringLiteral("true or false"));

    const QString actionId = action.toString();
    const SetRequest request{
        program.toString(), prompt.toString().trimmed(), actionId, {}, false, 1};
    if (broker_) return submitToBroker(request, int(n), std::move(answer));
    const QList<int> setIds = queue_->nextSetIds(actionId, request.programId, int(n));
    if (const auto full = queue_->roomFor(request, setIds)) {
        const bool tooMany = full->kind == QueueFull::Kind::TooMany;
        return refuse(tooMany ? Status::TooManyRequests : Status::PayloadTooLarge,
                      tooMany ? QStringLiteral("queue_full") : QStringLiteral("queue_too_large"),
                      full->message);
    }
    // Sets of this request: the ones the queue did not hold before it. The records are
    // written on the queue's writer thread; the answer goes out once they are.
    QSet<QString> before;
    for (const SetRecord& r : queue_->sets(actionId)) before.insert(r.key());
    queue_->generateSetsInBackground(
        request, setIds, parallel.toBool(false),
        [queue = queue_, log = log_, actionId, before,
         answer = std::move(answer)](std::optional<pipeline::Error> failure) {
            if (failure) {
                const bool client = failure->code == pipeline::ErrorCode::InvalidRequest;
                if (!client && log)
                    log(QStringLiteral("batch action %1 refused: %2")
                            .arg(actionId, failure->toString()));
                answer(client ? Status::UnprocessableEntity : Status::InternalServerError,
                       errorBody(failure->codeName(),
                                 withoutLocalPaths(failure->message, {queue->root()})));
                return;
            }
            QJsonArray created;
            for (const SetRecord& r : queue->sets(actionId))
                if (!before.contains(r.key())) created.append(setJson(r, queue->root()));
            answer(Status::Created, QJsonObject{{QStringLiteral("action_id"), actionId},
                                                {QStringLiteral("sets"), created}});
        });
}

QHttpServerResponse BatchHttpApi::status(const QString& actionId) const {
    const auto action = queue_->action(actionId);
    if (!action)
        return error(Status::NotFound, QStringLiteral("unknown_action"),
                     QStringLiteral("no batch action '%1'").arg(actionId.left(128)));
    QJsonArray sets;
    for (const SetRecord& r : queue_->sets(actionId)) sets.append(setJson(r, queue_->root()));
    QJsonValue stopped;
    if (!action->stopCode.isEmpty())
        stopped = QJsonObject{{QStringLiteral("code"), action->stopCode},
                              {QStringLiteral("message"), forClient(action->stopMessage)}};
    return QHttpServerResponse(QJsonObject{{QStringLiteral("action_id"), actionId},
                                           {QStringLiteral("stopped"), stopped},
                                           {QStringLiteral("sets"), sets}});
}

void BatchHttpApi::submitToBroker(const SetRequest& request, int sets, Answer answer) const {
    BrokerSetQueue::Plan plan;
    plan.request = request;
    plan.count = sets;
    plan.caps = naming_.caps;
    plan.queuedBy = QHostInfo::localHostName() + QStringLiteral("/serve-") +
                    QString::number(QCoreApplication::applicationPid());
    broker_->enqueue(plan, [naming = naming_, log = log_, actionId = request.actionId,
                            answer = std::move(answer)](const BrokerSetQueue::Enqueued& o) {
        if (o.error) {
            if (log)
                log(QStringLiteral("batch action %1 refused: broker: %2")
                        .arg(actionId, o.error->toString()));
            return answer(Status::ServiceUnavailable,
                          errorBody(QStringLiteral("broker_unavailable"),
                                    QStringLiteral("the batch broker cannot be reached (%1); "
                                                   "nothing was queued: try again later")
                                        .arg(o.error->toString())));
        }
        if (o.full) {
            const bool tooMany = o.full->kind == QueueFull::Kind::TooMany;
            return answer(tooMany ? Status::TooManyRequests : Status::PayloadTooLarge,
                          errorBody(tooMany ? QStringLiteral("queue_full")
                                            : QStringLiteral("queue_too_large"),
                                    o.full->message));
        }
        if (!o.existing.isEmpty())
            return answer(Status::UnprocessableEntity,
                          errorBody(QStringLiteral("InvalidRequest"),
                                    QStringLiteral("set %1 is already on the broker (its objects "
                                                   "are written once); nothing was queued")
                                        .arg(o.existing)));
        QJsonArray created;
        for (const BrokerSetJob& job : o.jobs)
            created.append(setJson(setRecordOf(job, naming), QString()));
        answer(Status::Created, QJsonObject{{QStringLiteral("action_id"), actionId},
                                            {QStringLiteral("sets"), created}});
    });
}

void BatchHttpApi::brokerStatus(const QString& actionId, Answer answer) const {
    broker_->readStates([naming = naming_, actionId, answer = std::move(answer)](
                            const QList<BrokerSetState>& states, const BrokerError* e) {
        if (e)
            return answer(
                Status::ServiceUnavailable,
                errorBody(
                    QStringLiteral("broker_unavailable"),
                    QStringLiteral("the batch broker cannot be reached (%1)").arg(e->toString())));
        QJsonArray sets;
        for (const BrokerSetState& s : states)
            if (s.value(QStringLiteral("action")) == actionId)
                sets.append(setJson(setRecordOf(s, naming), QString()));
        if (sets.isEmpty())
            return answer(
                Status::NotFound,
                errorBody(QStringLiteral("unknown_action"),
                          QStringLiteral("no batch action '%1'").arg(actionId.left(128))));
        // A broker's action is never stopped as a whole: its sets fail one by one.
        answer(Status::Ok, QJsonObject{{QStringLiteral("action_id"), actionId},
                                       {QStringLiteral("stopped"), QJsonValue()},
                                       {QStringLiteral("sets"), sets}});
    });
}

QHttpServerResponse BatchHttpApi::cancel(const QString& actionId) const {
    if (broker_)
        return error(Status::NotImplemented, QStringLiteral("not_supported"),
                     QStringLiteral("sets on the batch broker are not cancelled from this host"));
    if (!queue_->action(actionId))
        return error(Status::NotFound, QStringLiteral("unknown_action"),
                     QStringLiteral("no batch action '%1'").arg(actionId.left(128)));
    QJsonArray cancelled;
    for (const SetRecord& r : queue_->sets(actionId))
        if (!r.isFinal()) cancelled.append(r.key());
    queue_->cancel(actionId);
    return QHttpServerResponse(QJsonObject{{QStringLiteral("action_id"), actionId},
                                           {QStringLiteral("cancelled"), cancelled}});
}

}  // namespace archival::adapters::host
