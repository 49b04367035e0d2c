#pragma once
// The one generation core behind every way in. One worker thread per device runs jobs from
// a priority queue (interactive > display > batch, FIFO within a class); nothing generates
// on the GUI thread. Signals are delivered on the thread the service lives in.
//
//   GenerationService service(registry, factory);
//   JobId id = service.submit({.programId = "P3", .prompt = "painting of singapore"});
//   connect(&service, &GenerationService::finished, ...);

#include <QImage>
#include <QObject>
#include <QString>
#include <memory>

#include "pipeline/errors.h"
#include "pipeline/generation_job.h"
#include "pipeline/program_registry.h"

namespace archival::pipeline {

class PipelineFactory;

struct ServiceSettings {
    // Least time between two progress signals carrying a preview; steps in between still
    // report progress with a null image. 0: a preview every step.
    int previewIntervalMs = 0;
    bool previews = true;
};

class GenerationService : public QObject {
    Q_OBJECT
  public:
    GenerationService(ProgramRegistry registry, std::shared_ptr<PipelineFactory> factory,
                      QObject* parent = nullptr);
    ~GenerationService() override;  // cancels everything and joins the worker

    // Queues a job; every job ends with exactly one of finished / failed / cancelled.
    // A request that cannot run (unknown program, missing init image...) fails
    // asynchronously too, so callers handle one path.
    JobId submit(const JobRequest& request);
    // A queued job leaves the queue; a running one stops within one step. Both end with
    // `cancelled`. False when the job is unknown or already over.
    bool cancel(JobId job);
    // Cancels every queued and running job of one owner (a client, an adapter). Returns how
    // many were cancelled.
    int cancelOwner(const QString& owner);
    void cancelAll();

    // 0 = running, 1 = next, ...; -1 when not queued or running.
    int position(JobId job) const;
    int queuedCount() const;
    bool isBusy() const;  // a job is running or queued

    ProgramRegistry registry() const;
    void setRegistry(const ProgramRegistry& registry);  // for jobs submitted from now on
    PipelineFactory& factory() const;
    ServiceSettings settings() const;
    void setSettings(const ServiceSettings& settings);

  Q_SIGNALS:
    void queued(archival::pipeline::JobId job, int position);
    void started(archival::pipeline::JobId job);
    // Loading a model ("transformer", 3 of 7) or a stage ("text encoder", "VAE decode").
    void stage(archival::pipeline::JobId job, const QString& stage, int index, int count);
    // After each step (1-based `step`); `preview` is null when throttled away or previews are
    // off; `timestep` is the scheduler's value for the step (engine::StepProgress). A slow
    // receiver sees fewer steps unless the job asked for every step (JobRequest::everyStep).
    void progress(archival::pipeline::JobId job, int step, int total, const QImage& preview,
                  double timestep);
    void finished(archival::pipeline::JobId job, const archival::pipeline::JobResult& result);
    void failed(archival::pipeline::JobId job, const archival::pipeline::Error& error);
    void cancelled(archival::pipeline::JobId job);

  private:
    class Worker;
    std::unique_ptr<Worker> worker_;
    friend class Worker;
};

}  // namespace archival::pipeline
