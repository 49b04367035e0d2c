#pragma once
// The host's jobs and their delivery: every event of a job the host submitted (queued,
// started, progress, completed, failed, cancelled) goes to every session that watches it
// (subscription "all", or its own jobs), with one encoded frame shared by all. Back-pressure:
// a session whose send backlog is over the limit skips previews, so a slow display gets fewer
// previews rather than a longer queue; one still over it when a final is due is closed.

#include <QElapsedTimer>
#include <QHash>
#include <QImage>
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include "adapters/host/host_settings.h"
#include "adapters/host/job_runner.h"

namespace archival::adapters::host {

class ClientSession;

class JobFanOut : public QObject {
    Q_OBJECT
  public:
    // A job the host submitted, until it finishes, fails or is cancelled.
    struct Job {
        pipeline::JobId id = 0;
        QString ownerId;  // the session that asked; it may be gone by now
        QString program;
        QString prompt;
        QJsonValue requestId;
        bool running = false;
        bool queuedSent = false;
        QElapsedTimer clock;  // from `started`
    };

    // `sessions` is the host's list of attached sessions; it and `settings` must outlive this.
    JobFanOut(JobRunner* runner, const QList<ClientSession*>* sessions,
              const HostSettings& settings, QObject* parent = nullptr);
    ~JobFanOut() override;

    // Submits through the runner and follows the job from now on. `queued` is not sent yet:
    // announceQueued() does that, once the owner knows the job.
    pipeline::JobId submit(const pipeline::JobRequest& request, const QString& ownerId,
                           const QJsonValue& requestId);
    // Sends the job's `queued` now, before any later message of the owner is answered; the
    // runner's own `queued` for it is then ignored.
    void announceQueued(pipeline::JobId job);
    const Job* job(pipeline::JobId id) const { return jobs_.value(id); }
    QList<pipeline::JobId> jobIds() const { return jobs_.keys(); }
    // Jobs of every client, queued or running (max-display-jobs).
    int jobCount() const { return int(jobs_.size()); }
    // Cancels every job the host submitted; how many the runner accepted.
    int cancelAll();
    // The jobs of a session that has gone: queued ones are cancelled, and so is the running
    // one unless the settings keep it or another display still watches it.
    void release(const ClientSession& gone);

  Q_SIGNALS:
    // A job ended: its owner's job list is shorter.
    void jobsChanged();
    void logLine(const QString& line);

  private:
    void onQueued(pipeline::JobId job, int position);
    void onStarted(pipeline::JobId job);
    void onProgress(pipeline::JobId job, int step, int total, const QImage& preview,
                    double timestep);
    void onFinished(pipeline::JobId job, const pipeline::JobResult& result);
    void onFailed(pipeline::JobId job, const pipeline::Error& error);
    void onCancelled(pipeline::JobId job);

    void sendQueued(Job& job, int position);
    void endJob(pipeline::JobId job);
    // Sends `event` to every session watching the job; the owner also gets `ownerExtra`.
    void broadcast(const Job& job, const QJsonObject& event,
                   const QJsonObject& ownerExtra = QJsonObject());
    ClientSession* findSession(const QString& id) const;

    QPointer<JobRunner> runner_;
    const QList<ClientSession*>* sessions_;
    const HostSettings& settings_;
    QHash<pipeline::JobId, Job*> jobs_;
    QHash<pipeline::JobId, int> earlyQueuedPositions_;  // queued emitted inside submit()
};

}  // namespace archival::adapters::host
