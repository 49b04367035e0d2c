#pragma once
// A JobRunner the test drives by hand: jobs are queued on submit and move on only when the
// test says so (start, step, finish, fail). Cancels end a job at once, like the service.

#include <QImage>
#include <QList>
#include <QTimer>

#include "adapters/host/job_runner.h"

namespace archival::test {

class ScriptedJobRunner : public adapters::host::JobRunner {
    Q_OBJECT
  public:
    using JobId = pipeline::JobId;

    QList<adapters::host::ProgramSummary> programs() const override { return programList; }

    JobId submit(const pipeline::JobRequest& request) override {
        const JobId id = nextId_++;
        requests.append(request);
        live.append(id);
        const int position = live.size() - 1;
        if (queuedInsideSubmit)
            Q_EMIT queued(id, position);
        else
            QTimer::singleShot(0, this, [this, id, position] { Q_EMIT queued(id, position); });
        return id;
    }

    bool cancel(JobId job) override {
        if (!live.removeOne(job)) return false;
        cancelledJobs.append(job);
        QTimer::singleShot(0, this, [this, job] { Q_EMIT cancelled(job); });
        return true;
    }

    int position(JobId job) const override { return int(live.indexOf(job)); }

    void start(JobId job) { Q_EMIT started(job); }
    void step(JobId job, int step, int total, const QImage& preview, double timestep = 0) {
        Q_EMIT progress(job, step, total, preview, timestep);
    }
    void finish(JobId job, const QImage& image, const QList<pipeline::LoraRef>& loras = {}) {
        live.removeOne(job);
        pipeline::JobResult result;
        result.job = job;
        result.images.append(image);
        pipeline::ImageMetadata metadata;
        metadata.programId = QStringLiteral("P0");
        metadata.promptTyped = QStringLiteral("machine learning summit");
        metadata.seed = 42;
        metadata.width = image.width();
        metadata.height = image.height();
        metadata.loras = loras;
        result.metadata.append(metadata);
        Q_EMIT finished(job, result);
    }
    void fail(JobId job, pipeline::ErrorCode code, const QString& message) {
        live.removeOne(job);
        Q_EMIT failed(job, pipeline::Error{code, message});
    }

    QList<adapters::host::ProgramSummary> programList = {
        {QStringLiteral("P0"), QStringLiteral("Summit stills"), QStringLiteral("text-to-image"), 4,
         64, 48},
        {QStringLiteral("P3"), QStringLiteral("Sketchbook"), QStringLiteral("text-to-image"), 4, 0,
         0}};
    bool queuedInsideSubmit = false;
    QList<pipeline::JobRequest> requests;
    QList<JobId> live;
    QList<JobId> cancelledJobs;

  private:
    JobId nextId_ = 1;
};

}  // namespace archival::test
