#include "adapters/host/service_job_runner.h"

#include "pipeline/generation_service.h"

namespace archival::adapters::host {

ServiceJobRunner::ServiceJobRunner(pipeline::GenerationService* service, QObject* parent)
    : JobRunner(parent), service_(service) {
    using S = pipeline::GenerationService;
    // Signals are forwarded, never re-ordered: the host relies on queued < started < ... .
    connect(service_, &S::queued, this, &JobRunner::queued);
    connect(service_, &S::started, this, &JobRunner::started);
    connect(service_, &S::progress, this, &JobRunner::progress);
    connect(service_, &S::finished, this, &JobRunner::finished);
    connect(service_, &S::failed, this, &JobRunner::failed);
    connect(service_, &S::cancelled, this, &JobRunner::cancelled);
}

QList<ProgramSummary> ServiceJobRunner::programs() const {
    QList<ProgramSummary> out;
    // registry() returns a copy: it must outlive the loop (a range-for over a member of a
    // temporary reads the list after the temporary is gone).
    const pipeline::ProgramRegistry registry = service_->registry();
    for (const auto& p : registry.programs())
        out.append({p.id, p.title, p.kind, p.steps, p.size.width(), p.size.height()});
    return out;
}

pipeline::JobId ServiceJobRunner::submit(const pipeline::JobRequest& request) {
    return service_->submit(request);
}

bool ServiceJobRunner::cancel(pipeline::JobId job) {
    return service_->cancel(job);
}

int ServiceJobRunner::position(pipeline::JobId job) const {
    return service_->position(job);
}

}  // namespace archival::adapters::host
