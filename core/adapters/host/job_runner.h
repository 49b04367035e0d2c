#pragma once
// What the host needs from a generator: submit, cancel, and the job lifecycle as signals.
// ServiceJobRunner adapts the pipeline's GenerationService; tests use a scripted fake.
// Signals must be delivered on the host's thread (queued connections do that).

#include <QImage>
#include <QList>
#include <QObject>
#include <QString>

#include "pipeline/errors.h"
#include "pipeline/generation_job.h"

namespace archival::adapters::host {

// What a client is told about a program in `welcome`.
struct ProgramSummary {
    QString id;
    QString title;
    QString kind;  // "text-to-image", "image-to-image"
    int steps = 0;
    int width = 0;  // 0 when drawn per seed from a list
    int height = 0;
};

class JobRunner : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;
    ~JobRunner() override;

    virtual QList<ProgramSummary> programs() const = 0;
    // Every submitted job ends with exactly one of finished / failed / cancelled.
    virtual pipeline::JobId submit(const pipeline::JobRequest& request) = 0;
    // False when the job is unknown or already over.
    virtual bool cancel(pipeline::JobId job) = 0;
    // 0 = running, 1 = next, ...; -1 when not queued or running.
    virtual int position(pipeline::JobId job) const = 0;

  Q_SIGNALS:
    void queued(archival::pipeline::JobId job, int position);
    void started(archival::pipeline::JobId job);
    // After each step (1-based `step`); `preview` may be null; `timestep` is the scheduler's
    // value for the step (the live dialect's "t=").
    void progress(archival::pipeline::JobId job, int step, int total, const QImage& preview,
                  double timestep);
    void finished(archival::pipeline::JobId job, const archival::pipeline::JobResult& result);
    void failed(archival::pipeline::JobId job, const archival::pipeline::Error& error);
    void cancelled(archival::pipeline::JobId job);
};

}  // namespace archival::adapters::host
