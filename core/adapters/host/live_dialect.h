#pragma once
// The exhibition client's live dialect on one connection (PROTOCOL.md, "Live dialect"): plain
// text commands in (live_command.h), and per generation, in this order, the text "ready",
// for each step "p:s=<step from 0>:t=<timestep>" and a bare JPEG (no header: the client wraps
// every binary message as image/jpeg), the final image as one bare PNG, then "done"; on
// failure "error:<message>". The client cannot tell two generations apart, so its commands run
// one after another in arrival order: one job with the service at a time, the rest wait here.
//
// The ClientSession owns this once the connection's first message on /ws is not a JSON
// object; it lives and dies with the session. Its jobs are submitted through the JobFanOut,
// so displays watching all jobs see them too and a disconnect cancels them
// (JobFanOut::release). Commands still waiting here die with it.

#include <QImage>
#include <QObject>
#include <QPointer>
#include <QQueue>
#include <QString>
#include <optional>

#include "adapters/host/job_runner.h"
#include "adapters/host/live_command.h"

namespace archival::adapters::host {

class ClientSession;
class JobFanOut;

class LiveDialect : public QObject {
    Q_OBJECT
  public:
    // `session` (which owns this), `runner` and `jobs` must outlive it.
    LiveDialect(ClientSession* session, JobRunner* runner, JobFanOut* jobs,
                QObject* parent = nullptr);

    // One text message of the client.
    void handle(const QString& text);
    // Tells the client why a message was not taken ("error:<why>").
    void refuse(const QString& why);

    // Commands accepted and not yet over (the running one included).
    int pending() const { return int(waiting_.size()) + (current_ ? 1 : 0); }

  Q_SIGNALS:
    void logLine(const QString& line);

  private:
    void submitNext();
    void onStarted(pipeline::JobId job);
    void onProgress(pipeline::JobId job, int step, int total, const QImage& preview,
                    double timestep);
    void onFinished(pipeline::JobId job, const pipeline::JobResult& result);
    void onFailed(pipeline::JobId job, const pipeline::Error& error);
    void onCancelled(pipeline::JobId job);
    // The running job is over (done, failed or cancelled): the next command may start.
    void endCurrent();
    bool isCurrent(pipeline::JobId job) const { return current_ && *current_ == job; }

    ClientSession* const session_;
    QPointer<JobRunner> runner_;
    JobFanOut* const fanOut_;
    QQueue<LiveCommand> waiting_;
    std::optional<pipeline::JobId> current_;
};

}  // namespace archival::adapters::host
