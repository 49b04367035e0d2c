#pragma once
// Records what a GenerationService reports, per job, for the service tests.

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QThread>
#include <QtTest>

#include "pipeline/generation_service.h"

namespace archival::test {

using pipeline::JobId;

struct JobEvents {
    QList<int> queuedPositions;
    bool started = false;
    int lastStep = 0;
    int total = 0;
    int progressSignals = 0;
    int previews = 0;
    QList<int> steps;         // every progress signal's step, in arrival order
    QList<double> timesteps;  // and its timestep
    QStringList stages;
    std::optional<pipeline::JobResult> result;
    std::optional<pipeline::Error> error;
    bool cancelled = false;
    bool over() const { return result || error || cancelled; }
};

class ServiceRecorder : public QObject {
  public:
    explicit ServiceRecorder(pipeline::GenerationService* service) {
        using S = pipeline::GenerationService;
        connect(service, &S::queued, this,
                [this](JobId j, int p) { jobs[j].queuedPositions << p; });
        connect(service, &S::started, this, [this](JobId j) {
            jobs[j].started = true;
            startOrder << j;
        });
        connect(service, &S::stage, this,
                [this](JobId j, const QString& s, int, int) { jobs[j].stages << s; });
        connect(service, &S::progress, this,
                [this, service](JobId j, int step, int total, const QImage& p, double timestep) {
                    auto& e = jobs[j];
                    e.lastStep = step;
                    e.total = total;
                    ++e.progressSignals;
                    if (!p.isNull()) ++e.previews;
                    e.steps << step;
                    e.timesteps << timestep;
                    // A receiver stuck on the first step until the job has run to its end:
                    // every later step is made while nobody receives.
                    if (e.progressSignals == 1 && stallFirstStepUntilIdle) {
                        QElapsedTimer waited;
                        waited.start();
                        while (service->isBusy() && waited.elapsed() < 120000) QThread::msleep(10);
                    }
                });
        connect(service, &S::finished, this,
                [this](JobId j, const pipeline::JobResult& r) { jobs[j].result = r; });
        connect(service, &S::failed, this,
                [this](JobId j, const pipeline::Error& e) { jobs[j].error = e; });
        connect(service, &S::cancelled, this, [this](JobId j) { jobs[j].cancelled = true; });
    }

    // Waits (processing events) until the job has ended; false on timeout.
    bool waitFor(JobId job, int timeoutMs = 120000) {
        QElapsedTimer t;
        t.start();
        while (!jobs[job].over() && t.elapsed() < timeoutMs)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        return jobs[job].over();
    }

    QMap<JobId, JobEvents> jobs;
    QList<JobId> startOrder;
    bool stallFirstStepUntilIdle = false;
};

}  // namespace archival::test
