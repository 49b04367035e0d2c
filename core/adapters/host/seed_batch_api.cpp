#include "adapters/host/seed_batch_api.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QHostInfo>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimer>
#include <cmath>
#include <limits>

#include "adapters/batch/image_source.h"
#include "adapters/batch/path_id.h"
#include "adapters/batch/typed_json.h"
#include "adapters/broker/broker_set_queue.h"
#include "adapters/broker/broker_set_record.h"
#include "adapters/host/outgoing_text.h"

namespace archival::adapters::host {

namespace {

using Status = QHttpServerResponse::StatusCode;
constexpr int kMaxSets = 1000;
constexpr int kDefaultSets = 5;     // the reference's num_sets default
constexpr int kBrokerPollMs = 500;  // how often a request waiting on broker sets reads them

// The reference's number types: a duration of 2 s is 2.0 (typed_json.h).
QHttpServerResponse jsonResponse(const QJsonObject& body, Status status = Status::Ok) {
    return QHttpServerResponse("application/json", typedJson(body, seedFloatKeys(), false), status);
}

QString utcNow() {
    return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ssZ"));
}

// A request's fields with the reference's types. An absent field and JSON null are the same
// (Python callers send None); a field of the wrong type names itself in the error.
class RequestFields {
  public:
    explicit RequestFields(const QJsonObject& json) : json_(json) {}

    QString field;    // the first bad field
    QString problem;  // what it must be
    QString code = QStringLiteral("invalid_field");

    bool ok() const { return problem.isEmpty(); }

    std::optional<QString> text(const QString& name, bool required) {
        const QJsonValue v = json_.value(name);
        if (absent(v)) {
            if (required) fail(name, QStringLiteral("a string"));
            return std::nullopt;
        }
        if (!v.isString()) return fail(name, QStringLiteral("a string")), std::nullopt;
        return v.toString();
    }
    std::optional<qint64> integer(const QString& name, qint64 lo, qint64 hi, bool required) {
        const QJsonValue v = json_.value(name);
        const QString expected = QStringLiteral("a whole number from %1 to %2").arg(lo).arg(hi);
        if (absent(v)) {
            if (required) fail(name, expected);
            return std::nullopt;
        }
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || std::floor(d) != d || d < double(lo) || d > double(hi))
            return fail(name, expected), std::nullopt;
        return qint64(d);
    }
    // (lo, hi] when `openLow`, else [lo, hi].
    std::optional<double> number(const QString& name, double lo, double hi, bool openLow) {
        const QJsonValue v = json_.value(name);
        if (absent(v)) return std::nullopt;
        const double d = v.toDouble(std::nan(""));
        if (!v.isDouble() || !std::isfinite(d) || d > hi || d < lo || (openLow && d == lo))
            return fail(name, QStringLiteral("a number %1%2 to %3")
                                  .arg(openLow ? QStringLiteral("above ") : QStringLiteral("from "))
                                  .arg(lo)
                                  .arg(hi)),
                   std::nullopt;
        return d;
    }
    bool boolean(const QString& name, bool fallback) {
        const QJsonValue v = json_.value(name);
        if (absent(v)) return fallback;
        if (!v.isBool()) fail(name, QStringLiteral("true or false"));
        return v.toBool(fallback);
    }
    void fail(const QString& name, const QString& expected,
              const QString& why = QStringLiteral("invalid_field")) {
        if (!ok()) return;
        code = why;
        field = name;
        problem = QStringLiteral("field '%1' must be %2").arg(name, expected);
    }

  private:
    static bool absent(const QJsonValue& v) { return v.isUndefined() || v.isNull(); }
    const QJsonObject& json_;
};

// What a generate request asks for.
struct GenerateRequest {
    SetRequest sets;
    QList<int> setIds;
    bool parallel = true;
    bool uploadToR2 = true;
};

std::optional<GenerateRequest> parseGenerate(const QJsonObject& json, bool multiple,
                                             int maxPromptChars, RequestFields* f) {
    GenerateRequest g;
    g.sets.actionId = f->text(QStringLiteral("action_id"), true).value_or(QString());
    if (f->ok())
        if (const QString why = pathIdProblem(g.sets.actionId); !why.isEmpty())
            f->field = QStringLiteral("action_id"),
            f->problem = QStringLiteral("field 'action_id' %1").arg(why);
    if (multiple) {
        const int n =
            int(f->integer(QStringLiteral("num_sets"), 1, kMaxSets, false).value_or(kDefaultSets));
        for (int i = 0; i < n; ++i) g.setIds << i;  // the reference's set ids: 0 .. n-1
        g.parallel = f->boolean(QStringLiteral("parallel"), true);
    } else {
        g.setIds << int(f->integer(QStringLiteral("set_id"), 0, 999999, true).value_or(0));
    }
    g.sets.programId = f->text(QStringLiteral("program"), true).value_or(QString());
    if (f->ok() && g.sets.programId.isEmpty())
        f->fail(QStringLiteral("program"), QStringLiteral("a program id"));
    g.sets.prompt = f->text(QStringLiteral("prompt"), true).value_or(QString());
    // The reference treats an empty override as none.
    if (auto o = f->text(QStringLiteral("override_prompt"), false); o && !o->isEmpty())
        g.sets.overrides.prompt = *o;
    if (f->ok() && g.sets.prompt.trimmed().isEmpty() && !g.sets.overrides.prompt)
        f->fail(QStringLiteral("prompt"), QStringLiteral("a non-empty string"));
    // Checked before anything is queued: the prompt is copied into every set's record.
    const QString limit = QStringLiteral("a string of at most %1 characters").arg(maxPromptChars);
    const QString tooLong = QStringLiteral("prompt_too_long");
    if (g.sets.prompt.size() > maxPromptChars) f->fail(QStringLiteral("prompt"), limit, tooLong);
    if (g.sets.overrides.prompt && g.sets.overrides.prompt->size() > maxPromptChars)
        f->fail(QStringLiteral("override_prompt"), limit, tooLong);
    SetOverrides& o = g.sets.overrides;
    o.guidance = f->number(QStringLiteral("guidance_scale"), 0, 50, false);
    if (auto steps = f->integer(QStringLiteral("num_inference_steps"), 1, 500, false))
        o.steps = int(*steps);
    o.strength = f->number(QStringLiteral("strength"), 0, 1, true);
    if (auto w = f->integer(QStringLiteral("width"), 64, 4096, false)) o.width = int(*w);
    if (auto h = f->integer(QStringLiteral("height"), 64, 4096, false)) o.height = int(*h);
    g.uploadToR2 = f->boolean(QStringLiteral("upload_to_r2"), true);
    g.sets.uploadPreviews = f->boolean(QStringLiteral("upload_previews"), true);
    if (!f->ok()) return std::nullopt;
    return g;
}

bool sameRequest(const SetRecord& r, const SetRequest& s) {
    return r.programId == s.programId && r.prompt == s.prompt && r.overrides == s.overrides &&
           r.uploadPreviews == s.uploadPreviews && r.imageCount == s.imagesPerSet;
}

}  // namespace

struct SeedBatchApi::Waiting {
    Answer answer;
    std::function<bool()> connected;  // false once the caller has gone
    bool multiple = false;
    SetRequest request;
    QList<int> setIds;
    QStringList objectPrefixes;  // one per set id
    int firstRead = 0;           // broker: the first read of states that may answer it
    QElapsedTimer clock;
};

SeedBatchApi::SeedBatchApi(BatchQueue* queue, Authorizer authorize, Logger log, QObject* parent)
    : QObject(parent), queue_(queue), authorize_(std::move(authorize)), log_(std::move(log)) {
    if (!queue_) return;
    connect(queue_, &BatchQueue::setChanged, this, [this] { settle(); });
    connect(queue_, &BatchQueue::actionStopped, this, [this] { settle(); });
}

SeedBatchApi::~SeedBatchApi() = default;

void SeedBatchApi::setBroker(BrokerSetQueue* broker, QueueSettings naming) {
    broker_ = broker;
    naming_ = std::move(naming);
}

QString SeedBatchApi::forClient(const QString& message) const {
    return withoutLocalPaths(message, queue_ ? QStringList{queue_->root()} : QStringList{});
}

void SeedBatchApi::addRoutes(QHttpServer* server) {
    using Method = QHttpServerRequest::Method;
    auto unauthorized = [] {
        return QJsonObject{{"status", "error"},
                           {"success", false},
                           {"error_code", "unauthorized"},
                           {"error",
                            "this host needs its access token: 'Authorization: Bearer <token>' "
                            "or ?token=<token>"}};
    };
    // A request refused by the Host, Origin, Content-Type or body checks.
    auto refusal = [](const HttpRefusal& no) {
        return QJsonObject{{"status", "error"},
                           {"success", false},
                           {"error_code", no.code},
                           {"error", no.message}};
    };
    for (const bool multiple : {false, true}) {
        const QString path = multiple ? QStringLiteral("/generate_multiple_sets")
                                      : QStringLiteral("/generate_single_set");
        server->route(path, Method::Post,
                      [this, multiple, unauthorized, refusal](const QHttpServerRequest& request,
                                                              QHttpServerResponder&& responder) {
                          // Kept until the sets are done. Qt 6.4's responder holds a plain
                          // socket pointer, so the socket is watched and a caller that left
                          // gets nothing written.
                          auto held = std::make_shared<QHttpServerResponder>(std::move(responder));
                          const QPointer<QTcpSocket> socket = held->socket();
                          Answer answer = [held, socket](Status status, const QJsonObject& body) {
                              if (!socket || socket->state() != QAbstractSocket::ConnectedState)
                                  return;
                              jsonResponse(body, status).write(std::move(*held));
                          };
                          if (auto no = check_ ? check_(request, true) : std::nullopt) {
                              answer(no->status, refusal(*no));
                              return;
                          }
                          if (!authorize_(request)) {
                              answer(Status::Unauthorized, unauthorized());
                              return;
                          }
                          generate(request.body(), multiple, std::move(answer), [socket] {
                              return socket && socket->state() == QAbstractSocket::ConnectedState;
                          });
                      });
    }
    server->route(QStringLiteral("/health"), Method::Get,
                  [this, unauthorized, refusal](const QHttpServerRequest& request) {
                      if (auto no = check_ ? check_(request, false) : std::nullopt)
                          return jsonResponse(refusal(*no), no->status);
                      if (!authorize_(request))
                          return jsonResponse(unauthorized(), Status::Unauthorized);
                      return jsonResponse(health());
                  });
    server->route(QStringLiteral("/memory_stats"), Method::Get,
                  [this, unauthorized, refusal](const QHttpServerRequest& request) {
                      if (auto no = check_ ? check_(request, false) : std::nullopt)
                          return jsonResponse(refusal(*no), no->status);
                      if (!authorize_(request))
                          return jsonResponse(unauthorized(), Status::Unauthorized);
                      return memoryStats();
                  });
    server->route(QStringLiteral("/clear_cache"), Method::Post,
                  [this, unauthorized, refusal](const QHttpServerRequest& request) {
                      if (auto no = check_ ? check_(request, true) : std::nullopt)
                          return jsonResponse(refusal(*no), no->status);
                      if (!authorize_(request))
                          return jsonResponse(unauthorized(), Status::Unauthorized);
                      return clearCache();
                  });
}

namespace {

// A refused generate request: the answer's shape with success false, the error and its code.
QJsonObject refusalBody(const QJsonObject& json, bool multiple, const QString& code,
                        const QString& message, const QString& field = {}) {
    QJsonObject o{{"success", false},
                  {"action_id", json.value("action_id").toString()},
                  {"program", json.value("program").toString()},
                  {"total_duration", 0.0},
                  {"error", message},
                  {"error_code", code}};
    if (!field.isEmpty()) o.insert("field", field);
    if (multiple) {
        o.insert("total_sets", 0);
        o.insert("successful_sets", 0);
        o.insert("sets", QJsonArray());
    } else {
        o.insert("set_id",
                 json.value("set_id").isDouble() ? json.value("set_id").toInt() : QJsonValue());
        o.insert("preview_urls", QJsonArray());
        o.insert("final_url", QJsonValue());
        o.insert("metadata_url", QJsonValue());
    }
    return o;
}

}  // namespace

void SeedBatchApi::generate(const QByteArray& body, bool multiple, Answer answer,
                            std::function<bool()> connected) {
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    const QJsonObject json = doc.object();
    auto refuse = [&](Status status, const QString& code, const QString& message,
                      const QString& field = {}) {
        answer(status, refusalBody(json, multiple, code, message, field));
    };
    if (!doc.isObject())
        return refuse(Status::BadRequest, QStringLiteral("invalid_json"),
                      QStringLiteral("the body must be a JSON object"));
    RequestFields fields(json);
    const auto parsed = parseGenerate(json, multiple, maxPromptChars_, &fields);
    if (!parsed) return refuse(Status::BadRequest, fields.code, fields.problem, fields.field);
    if (!parsed->uploadToR2)
        return refuse(Status::UnprocessableEntity, QStringLiteral("invalid_field"),
                      QStringLiteral("upload_to_r2 false is not served: this host keeps every "
                                     "set in its durable queue and answers with the uploaded "
                                     "objects' URLs; leave upload_to_r2 out or true"),
                      QStringLiteral("upload_to_r2"));
    if (!broker_ && (!queue_ || !queue_->uploader())) {
        const QString why =
            !queue_ ? QStringLiteral("this host has no batch destination")
                    : QStringLiteral("this host cannot upload (%1)").arg(queue_->uploaderProblem());
        return refuse(
            Status::ServiceUnavailable, QStringLiteral("no_destination"),
            forClient(why + QStringLiteral(": start serve with --endpoint URL (or --account-id "
                                           "ID), --bucket NAME and --access-key-id ID, and "
                                           "the secret in the keychain or "
                                           "ARCHIVAL_R2_SECRET")));
    }

    auto w = std::make_shared<Waiting>();
    w->multiple = multiple;
    w->request = parsed->sets;
    w->setIds = parsed->setIds;
    w->clock.start();
    if (broker_) {
        w->answer = std::move(answer);
        w->connected = std::move(connected);
        return generateOnBroker(w, json);
    }
    const QString& actionId = w->request.actionId;
    const QString& programId = w->request.programId;

    // Sets already queued under these objects (the same request sent again, after a restart
    // say) are waited for; anything else there is refused, as their objects are written once.
    QList<int> toQueue;
    QList<int> toRetry;
    for (int id : w->setIds) {
        const QString prefix = queue_->objectPrefixFor(actionId, programId, id);
        w->objectPrefixes << prefix;
        const auto existing = queue_->setAt(prefix);
        if (!existing) {
            toQueue << id;
            continue;
        }
        if (!sameRequest(*existing, w->request))
            return refuse(Status::Conflict, QStringLiteral("set_exists"),
                          QStringLiteral("set %1 of action %2 already holds another request "
                                         "(program %3, prompt \"%4\"); its objects are written "
                                         "once: use another action id or set id")
                              .arg(id)
                              .arg(actionId, existing->programId, existing->prompt.left(80)));
        const auto action = queue_->action(actionId);
        if (existing->state == SetState::Failed || (action && !action->stopCode.isEmpty()))
            toRetry << existing->setNumber;
    }
    if (!toQueue.isEmpty())
        if (const auto full = queue_->roomFor(w->request, toQueue)) {
            const bool tooMany = full->kind == QueueFull::Kind::TooMany;
            return refuse(
                tooMany ? Status::TooManyRequests : Status::PayloadTooLarge,
                tooMany ? QStringLiteral("queue_full") : QStringLiteral("queue_too_large"),
                full->message);
        }
    w->answer = std::move(answer);
    w->connected = std::move(connected);
    // The new sets' records are written on the queue's writer thread; the request waits for
    // its sets once they are (or is refused when writing them failed).
    auto queued = [self = QPointer<SeedBatchApi>(this), w, json, toQueue,
                   toRetry](std::optional<pipeline::Error> failure) {
        if (self) self->startWaiting(w, json, int(toQueue.size()), toRetry, failure);
    };
    if (toQueue.isEmpty()) return queued(std::nullopt);
    const SetRequest request = w->request;
    queue_->generateSetsInBackground(request, toQueue, parsed->parallel, std::move(queued));
}

void SeedBatchApi::startWaiting(const std::shared_ptr<Waiting>& w, const QJsonObject& json,
                                int queuedNow, const QList<int>& toRetry,
                                const std::optional<pipeline::Error>& failure) {
    const QString& actionId = w->request.actionId;
    if (failure) {
        const bool client = failure->code == pipeline::ErrorCode::InvalidRequest;
        if (!client && log_)
            log_(QStringLiteral("batch action %1 refused: %2").arg(actionId, failure->toString()));
        w->answer(client ? Status::UnprocessableEntity : Status::InternalServerError,
                  refusalBody(json, w->multiple, failure->codeName(), forClient(failure->message)));
        return;
    }
    if (!queue_) return;
    for (int id : toRetry) queue_->retry(actionId, w->request.programId, id);
    if (log_)
        log_(QStringLiteral("batch request: action %1, %2 set(s) of %3 (%4 queued now)")
                 .arg(actionId)
                 .arg(w->setIds.size())
                 .arg(w->request.programId)
                 .arg(queuedNow));
    waiting_.push_back(w);
    settle();  // sets already uploaded answer at once
}

void SeedBatchApi::generateOnBroker(const std::shared_ptr<Waiting>& w, const QJsonObject& json) {
    auto unavailable = [w, json](const BrokerError& e) {
        w->answer(Status::ServiceUnavailable,
                  refusalBody(json, w->multiple, QStringLiteral("broker_unavailable"),
                              QStringLiteral("the batch broker cannot be reached (%1); nothing "
                                             "was queued: try again later")
                                  .arg(e.toString())));
    };
    auto conflict = [w, json](int id, const SetRecord& existing) {
        w->answer(Status::Conflict,
                  refusalBody(
                      json, w->multiple, QStringLiteral("set_exists"),
                      QStringLiteral("set %1 of action %2 already holds another request "
                                     "(program %3, prompt \"%4\"); its objects are "
                                     "written once: use another action id or set id")
                          .arg(id)
                          .arg(w->request.actionId, existing.programId, existing.prompt.left(80))));
    };
    broker_->readStates([self = QPointer<SeedBatchApi>(this), w, json, unavailable, conflict](
                            const QList<BrokerSetState>& states, const BrokerError* e) {
        if (!self) return;
        if (e) return unavailable(*e);
        // Sets already on the broker under these ids (the same request sent again) are
        // waited for; another request's are refused, as their objects are written once.
        QMap<QString, SetRecord> known;
        for (const BrokerSetState& s : states) {
            const SetRecord r = setRecordOf(s, self->naming_);
            known.insert(BrokerSetJob::key(r.actionId, r.setNumber), r);
        }
        QList<int> toQueue;
        QStringList toRetry;  // failed before: made again (as the local queue retries them)
        for (int id : w->setIds) {
            const auto it = known.constFind(BrokerSetJob::key(w->request.actionId, id));
            if (it == known.constEnd())
                toQueue << id;
            else if (!sameRequest(*it, w->request))
                return conflict(id, *it);
            else if (it->state == SetState::Failed)
                toRetry << BrokerSetJob::key(w->request.actionId, id);
        }
        if (toQueue.isEmpty()) return self->retryThenWait(w, json, toRetry, 0);
        BrokerSetQueue::Plan plan;
        plan.request = w->request;
        plan.setIds = toQueue;
        plan.caps = self->naming_.caps;
        plan.queuedBy = QHostInfo::localHostName() + QStringLiteral("/serve-") +
                        QString::number(QCoreApplication::applicationPid());
        self->broker_->enqueue(plan, [self, w, json, unavailable, conflict, toRetry,
                                      n = int(toQueue.size())](const BrokerSetQueue::Enqueued& o) {
            if (!self) return;
            if (o.error) {
                if (self->log_)
                    self->log_(QStringLiteral("batch action %1 refused: broker: %2")
                                   .arg(w->request.actionId, o.error->toString()));
                return unavailable(*o.error);
            }
            if (o.full) {
                const bool tooMany = o.full->kind == QueueFull::Kind::TooMany;
                return w->answer(tooMany ? Status::TooManyRequests : Status::PayloadTooLarge,
                                 refusalBody(json, w->multiple,
                                             tooMany ? QStringLiteral("queue_full")
                                                     : QStringLiteral("queue_too_large"),
                                             o.full->message));
            }
            // Queued by another request since the states were read.
            if (!o.existing.isEmpty())
                return conflict(o.existingState.value(QStringLiteral("set")).toInt(),
                                setRecordOf(o.existingState, self->naming_));
            self->retryThenWait(w, json, toRetry, n);
        });
    });
}

void SeedBatchApi::retryThenWait(const std::shared_ptr<Waiting>& w, const QJsonObject& json,
                                 const QStringList& failedKeys, int queuedNow) {
    if (failedKeys.isEmpty()) return waitOnBroker(w, queuedNow);
    broker_->requeueFailed(failedKeys, [self = QPointer<SeedBatchApi>(this), w, json, queuedNow](
                                           int, const BrokerError* e) {
        if (!self) return;
        if (e)
            return w->answer(
                Status::ServiceUnavailable,
                refusalBody(json, w->multiple, QStringLiteral("broker_unavailable"),
                            QStringLiteral("the batch broker cannot be reached (%1); the failed "
                                           "sets were not queued again: try again later")
                                .arg(e->toString())));
        self->waitOnBroker(w, queuedNow);
    });
}

void SeedBatchApi::waitOnBroker(const std::shared_ptr<Waiting>& w, int queuedNow) {
    if (log_)
        log_(QStringLiteral("batch request: action %1, %2 set(s) of %3 (%4 queued on the broker "
                            "now)")
                 .arg(w->request.actionId)
                 .arg(w->setIds.size())
                 .arg(w->request.programId)
                 .arg(queuedNow));
    // Answered from a read that starts after this: one in flight may predate a set queued
    // again just now.
    w->firstRead = readsStarted_ + 1;
    waiting_.push_back(w);
    refreshFromBroker();
}

void SeedBatchApi::refreshFromBroker() {
    if (readingBroker_ || waiting_.empty()) return;
    readingBroker_ = true;
    const int read = ++readsStarted_;
    // The waiting requests' sets only (the broker keeps every set it ever had).
    QStringList keys;
    for (const auto& w : waiting_)
        for (int id : w->setIds) keys << BrokerSetJob::key(w->request.actionId, id);
    keys.removeDuplicates();
    broker_->readStates(keys, [self = QPointer<SeedBatchApi>(this), read](
                                  const QList<BrokerSetState>& states, const BrokerError* e) {
        if (!self) return;
        self->readingBroker_ = false;
        if (!e) self->readsDone_ = read;
        // A broker away for a while: the requests wait on (their sets are on it).
        if (!e) {
            self->brokerSets_.clear();
            for (const BrokerSetState& s : states) {
                const SetRecord r = setRecordOf(s, self->naming_);
                self->brokerSets_.insert(BrokerSetJob::key(r.actionId, r.setNumber), r);
            }
            self->settle();
        }
        if (!self->waiting_.empty())
            QTimer::singleShot(kBrokerPollMs, self, &SeedBatchApi::refreshFromBroker);
    });
}

std::optional<SetRecord> SeedBatchApi::recordOf(const Waiting& w, int index) const {
    if (broker_) {
        const auto it =
            brokerSets_.constFind(BrokerSetJob::key(w.request.actionId, w.setIds.value(index)));
        if (it == brokerSets_.constEnd()) return std::nullopt;
        return *it;
    }
    return queue_->setAt(w.objectPrefixes.value(index));
}

bool SeedBatchApi::finished(const Waiting& w) const {
    if (broker_ && w.firstRead > readsDone_) return false;
    if (!broker_) {
        const auto action = queue_->action(w.request.actionId);
        if (action && !action->stopCode.isEmpty()) return true;
    }
    for (int i = 0; i < w.setIds.size(); ++i) {
        const auto r = recordOf(w, i);
        if (!r || !r->isFinal()) return false;
    }
    return true;
}

QJsonObject SeedBatchApi::setAnswer(const Waiting& w, int index, bool single) const {
    const auto r = recordOf(w, index);
    const bool ok = r && r->state == SetState::Uploaded;
    QJsonArray previews;
    QJsonValue error;
    if (ok) {
        for (int step : r->previewSteps)
            previews.append(r->publicUrl(SetRecord::previewFile(step)));
    } else if (r && r->state == SetState::Failed) {
        error = forClient(QStringLiteral("%1: %2").arg(r->errorCode, r->reason));
    } else {
        const auto action = queue_ ? queue_->action(w.request.actionId) : std::nullopt;
        error = forClient(QStringLiteral("the action stopped: %1")
                              .arg(action ? action->stopMessage : QStringLiteral("unknown")));
    }
    // The single answer's duration is the request's; a set among several gives its own
    // generation time.
    const double seconds = single ? w.clock.elapsed() / 1000.0 : (r ? r->generationSeconds : 0.0);
    return QJsonObject{
        {"success", ok},
        {"action_id", w.request.actionId},
        {"set_id", w.setIds.value(index)},
        {"program", w.request.programId},
        {"total_duration", seconds},
        {"preview_urls", previews},
        {"final_url", ok ? QJsonValue(r->publicUrl(r->imageFiles().value(0))) : QJsonValue()},
        {"metadata_url", ok ? QJsonValue(r->publicUrl(r->metadataFile())) : QJsonValue()},
        {"error", error},
    };
}

QJsonObject SeedBatchApi::answerOf(const Waiting& w) const {
    if (!w.multiple) return setAnswer(w, 0, true);
    QJsonArray sets;
    int successful = 0;
    for (int i = 0; i < w.setIds.size(); ++i) {
        const QJsonObject set = setAnswer(w, i, false);
        successful += set["success"].toBool() ? 1 : 0;
        sets.append(set);
    }
    return QJsonObject{{"success", successful == w.setIds.size()},
                       {"action_id", w.request.actionId},
                       {"program", w.request.programId},
                       {"total_sets", int(w.setIds.size())},
                       {"successful_sets", successful},
                       {"total_duration", w.clock.elapsed() / 1000.0},
                       {"sets", sets}};
}

void SeedBatchApi::settle() {
    if (!queue_ && !broker_) return;
    for (auto it = waiting_.begin(); it != waiting_.end();) {
        Waiting& w = **it;
        if (w.connected && !w.connected()) {
            it = waiting_.erase(it);  // the caller left; its sets carry on in the queue
            continue;
        }
        if (!finished(w)) {
            ++it;
            continue;
        }
        const std::shared_ptr<Waiting> done = std::move(*it);
        it = waiting_.erase(it);
        done->answer(Status::Ok, answerOf(*done));
    }
}

QJsonObject SeedBatchApi::health() const {
    return QJsonObject{{"status", "healthy"},
                       {"service", "archival-studio"},
                       {"version", QCoreApplication::applicationVersion()},
                       {"timestamp", utcNow()}};
}

QHttpServerResponse SeedBatchApi::memoryStats() const {
    if (!queue_)
        return jsonResponse(
            QJsonObject{
                {"status", "error"},
                {"error_code", "no_destination"},
                {"error", broker_ ? "this host puts its sets on a batch broker: the models are "
                                    "its workers', each on its own machine"
                                  : "this host runs no batch queue (its models are the queue's): "
                                    "start serve with the R2 options or --batch-queue"},
                {"timestamp", utcNow()}},
            Status::ServiceUnavailable);
    const pipeline::MemoryStats s = queue_->source()->memoryStats();
    quint64 weights = 0;
    QJsonArray models;
    for (const auto& c : s.cached) {
        weights += c.bytes;
        models.append(QJsonObject{{"model", c.modelId},
                                  {"family", c.family},
                                  {"device", c.device},
                                  {"dtype", c.dtype},
                                  {"bytes", qint64(c.bytes)},
                                  {"in_use", c.inUse}});
    }
    // The reference's fields are CUDA's allocator counters. On the CPU the closest truths are
    // the weights the studio holds, the process's resident memory and its peak.
    QJsonObject stats{
        {"allocated", qint64(s.cuda ? s.cudaAllocatedBytes : weights)},
        {"reserved", qint64(s.cuda ? s.cudaReservedBytes : s.rssBytes)},
        {"max_allocated", qint64(s.cuda ? s.cudaPeakBytes : s.peakRssBytes)},
        {"cached_pipelines", int(s.cached.size())},
        {"device", s.cuda ? "cuda" : "cpu"},
        // An unlimited budget is the largest 64-bit number: -1 says "none" in JSON.
        {"budget", s.budgetBytes > quint64(std::numeric_limits<qint64>::max())
                       ? qint64(-1)
                       : qint64(s.budgetBytes)},
        {"models", models},
    };
    if (!s.cuda)
        stats.insert("note",
                     "cpu: allocated is the bytes of model weights the studio holds, reserved "
                     "the process's resident memory, max_allocated its peak");
    return jsonResponse(
        QJsonObject{{"status", "success"}, {"memory_stats", stats}, {"timestamp", utcNow()}});
}

QHttpServerResponse SeedBatchApi::clearCache() {
    if (!queue_) return memoryStats();  // the same "no queue" answer
    ImageSource* source = queue_->source();
    const int before = int(source->memoryStats().cached.size());
    const quint64 freed = source->clearUnusedModels();
    const int after = int(source->memoryStats().cached.size());
    if (log_)
        log_(QStringLiteral("clear_cache: %1 pipeline(s) dropped, %2 bytes")
                 .arg(before - after)
                 .arg(freed));
    return jsonResponse(QJsonObject{
        {"status", "success"},
        {"message", QStringLiteral("dropped %1 cached pipeline(s) not in use; %2 in use kept")
                        .arg(before - after)
                        .arg(after)},
        {"cached_pipelines", after},
        {"freed_bytes", qint64(freed)},
        {"timestamp", utcNow()}});
}

}  // namespace archival::adapters::host
