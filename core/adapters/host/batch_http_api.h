#pragma once
// Mode B over HTTP: the exhibition's preprocessor submits batch work to the host's HTTP
// server (PROTOCOL.md, "Batch API"), over the durable batch queue, with the host's token
// rules. JSON in and out; errors are {"error": {"code", "message", "field"?}} with an HTTP
// status that says what kind of failure it is.
//
//   POST   /api/v1/batch               {program, prompt, action_id, sets, parallel}
//   GET    /api/v1/batch/<action_id>   each set's state, object keys and error
//   DELETE /api/v1/batch/<action_id>   cancels the sets that have not run
//
// With a broker (setBroker, `serve --broker`) the sets go onto the broker's stream for its
// workers instead of the local queue, and the status reads the broker's states; the answers
// have the same shapes. A broker that is away: 503 "broker_unavailable", nothing queued.
// Cancelling is the local queue's only: 501 "not_supported" on a broker.

#include <QHttpServerResponse>
#include <QJsonObject>
#include <QString>
#include <functional>
#include <optional>

#include "adapters/batch/batch_queue.h"
#include "adapters/host/http_request_guard.h"

class QHttpServer;
class QHttpServerRequest;

namespace archival::adapters {
class BrokerSetQueue;
}

namespace archival::adapters::host {

class BatchHttpApi {
  public:
    // Whether a request carries what the host requires (token rules); checked per request.
    using Authorizer = std::function<bool(const QHttpServerRequest&)>;

    // Receives a line for the host's log (a failure's full message, local paths included).
    using Logger = std::function<void(const QString&)>;

    // Host, Origin, Content-Type and body checks (HttpRequestGuard); none: every request passes.
    using RequestCheck =
        std::function<std::optional<HttpRefusal>(const QHttpServerRequest&, bool write)>;

    // Messages to clients name no local path (outgoing_text.h); `log` gets the full ones.
    // `queue` may be null when a broker is set.
    BatchHttpApi(BatchQueue* queue, Authorizer authorize, Logger log = {});
    // Sets go to the broker instead: `naming` names their objects and URLs (the workers'
    // key settings), `caps` bound the broker's unfinished sets.
    void setBroker(BrokerSetQueue* broker, QueueSettings naming) {
        broker_ = broker;
        naming_ = std::move(naming);
    }
    // Adds the routes to `server` (before its missing-route handler applies).
    void addRoutes(QHttpServer* server);
    void setRequestCheck(RequestCheck check) { check_ = std::move(check); }
    // Longer prompts are refused before anything is queued (HostLimits::maxPromptChars).
    void setMaxPromptChars(int chars) { maxPromptChars_ = chars; }

    // The handlers, callable without a server (tests of the mapping). submit() answers
    // through `answer`: at once when the request is refused, else once the queue has
    // written the sets' records on its writer thread (BatchQueue::generateSetsInBackground).
    // Over the queue's caps: 429 "queue_full" (try again later) or 413 "queue_too_large"
    // (the request alone is larger than the queue holds).
    using Answer = std::function<void(QHttpServerResponse::StatusCode, const QJsonObject&)>;
    void submit(const QByteArray& body, Answer answer) const;
    QHttpServerResponse status(const QString& actionId) const;
    // The status of a broker's action (answers through `answer`).
    void brokerStatus(const QString& actionId, Answer answer) const;
    QHttpServerResponse cancel(const QString& actionId) const;

  private:
    QString forClient(const QString& message) const;
    void submitToBroker(const SetRequest& request, int sets, Answer answer) const;

    BatchQueue* queue_;
    BrokerSetQueue* broker_ = nullptr;
    QueueSettings naming_;
    Authorizer authorize_;
    Logger log_;
    RequestCheck check_;
    int maxPromptChars_ = HostLimits().maxPromptChars;
};

}  // namespace archival::adapters::host
