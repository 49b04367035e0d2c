#pragma once
// Mode B as the reference service speaks it (SEED-COMPAT.md, "Batch over HTTP"), on the
// host's HTTP port beside /api/v1/batch, over the same durable queue and token rules:
//
//   POST /generate_single_set     {action_id, set_id, program, prompt, override_prompt?,
//                                  guidance_scale?, num_inference_steps?, strength?, width?,
//                                  height?, upload_to_r2?, upload_previews?}
//   POST /generate_multiple_sets  {action_id, program, prompt, num_sets?, parallel?, ...}
//   GET  /health                  {status: "healthy", service, version, timestamp}
//   GET  /memory_stats            {status, memory_stats {allocated, reserved, max_allocated,
//                                  cached_pipelines, ...}, timestamp}
//   POST /clear_cache             {status, message, cached_pipelines, freed_bytes, timestamp}
//
// A generate request is answered when its sets are uploaded (or failed, or their action
// stopped). It waits without blocking anything: the route keeps the request's responder and
// answers from the queue's signals, so previews keep flowing to screens meanwhile. The sets
// are in the durable queue from the moment the request is accepted: a host killed
// mid-request finishes them on restart, and the same request sent again is answered from
// those sets (it attaches to them; a request for a set id that holds another request's sets
// is refused, as their objects are written once).
//
// With a broker (setBroker, `serve --broker`) the sets go onto the broker's stream for its
// workers instead; a waiting request reads the broker's set states every half second (on the
// event loop: nothing blocks) and is answered as from the local queue. A broker that is away
// when the request comes: 503 "broker_unavailable", nothing queued. A failed set asked for
// again is put on the stream again, with its seed, as the local queue retries it.

#include <QElapsedTimer>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTcpSocket>
#include <functional>
#include <list>
#include <memory>

#include "adapters/batch/batch_queue.h"
#include "adapters/host/http_request_guard.h"

class QHttpServer;
class QHttpServerRequest;

namespace archival::adapters {
class BrokerSetQueue;
}

namespace archival::adapters::host {

class SeedBatchApi : public QObject {
    Q_OBJECT
  public:
    using Authorizer = std::function<bool(const QHttpServerRequest&)>;
    using Logger = std::function<void(const QString&)>;

    // `queue` may be null (a host without a batch queue): the generate endpoints then answer
    // 503 with what to configure, and so do memory_stats and clear_cache (the queue's image
    // source owns the models).
    SeedBatchApi(BatchQueue* queue, Authorizer authorize, Logger log = {},
                 QObject* parent = nullptr);
    ~SeedBatchApi() override;

    // Sets go to the broker instead of `queue` (which may then be null): `naming` names their
    // objects and URLs (the workers' key settings), its caps bound the broker's unfinished
    // sets.
    void setBroker(BrokerSetQueue* broker, QueueSettings naming);

    void addRoutes(QHttpServer* server);
    // Host, Origin, Content-Type and body checks (HttpRequestGuard); none: every request passes.
    using RequestCheck =
        std::function<std::optional<HttpRefusal>(const QHttpServerRequest&, bool write)>;
    void setRequestCheck(RequestCheck check) { check_ = std::move(check); }
    // Longer prompts (and override prompts) are refused before anything is queued.
    void setMaxPromptChars(int chars) { maxPromptChars_ = chars; }

    // The handlers, callable without a server (tests of the mapping). `answer` receives the
    // status and body once the sets are done (at once for a refused request).
    // `connected` turns false once the caller has gone (its sets carry on in the queue).
    using Answer = std::function<void(QHttpServerResponse::StatusCode, const QJsonObject&)>;
    void generate(const QByteArray& body, bool multiple, Answer answer,
                  std::function<bool()> connected = {});
    QJsonObject health() const;
    QHttpServerResponse memoryStats() const;
    QHttpServerResponse clearCache();
    int waitingRequests() const { return int(waiting_.size()); }

  private:
    struct Waiting;

    // The request's new sets are written (or `failure` says why not): it waits for its sets.
    void startWaiting(const std::shared_ptr<Waiting>& w, const QJsonObject& json, int queuedNow,
                      const QList<int>& toRetry, const std::optional<pipeline::Error>& failure);
    void settle();
    void generateOnBroker(const std::shared_ptr<Waiting>& w, const QJsonObject& json);
    void retryThenWait(const std::shared_ptr<Waiting>& w, const QJsonObject& json,
                       const QStringList& failedKeys, int queuedNow);
    void waitOnBroker(const std::shared_ptr<Waiting>& w, int queuedNow);
    void refreshFromBroker();
    // The set behind a waiting request's index: the local queue's, or the broker's as read
    // last.
    std::optional<SetRecord> recordOf(const Waiting& w, int index) const;
    bool finished(const Waiting& w) const;
    QJsonObject setAnswer(const Waiting& w, int index, bool single) const;
    QJsonObject answerOf(const Waiting& w) const;
    QString forClient(const QString& message) const;

    QPointer<BatchQueue> queue_;
    Authorizer authorize_;
    Logger log_;
    std::list<std::shared_ptr<Waiting>> waiting_;
    RequestCheck check_;
    BrokerSetQueue* broker_ = nullptr;
    QueueSettings naming_;
    QMap<QString, SetRecord> brokerSets_;  // "action:set" -> record, as last read
    bool readingBroker_ = false;
    int readsStarted_ = 0;  // reads of the broker's states, numbered
    int readsDone_ = 0;     // the last one that answered
    int maxPromptChars_ = HostLimits().maxPromptChars;
};

}  // namespace archival::adapters::host
