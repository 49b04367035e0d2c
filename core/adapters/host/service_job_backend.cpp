#include "adapters/host/service_job_backend.h"

#include "pipeline/generation_service.h"

namespace archival::adapters::host {

ServiceJobBackend::ServiceJobBackend(pipeline::GenerationService* service, QObject* parent)
    : JobBackend(parent), service_(service) {
    using S = pipeline::GenerationService;
    // Signals are forwarded, never re-ordered: the host relies on queued < started < ... .
    connect(service_, &S::queued, this, &JobBackend::queued);
    connect(service_, &S::started, this, &JobBackend::started);
    connect(service_, &S::progress, this, &JobBackend::progress);
    connect(service_, &S::finished, this, &JobBackend::finished);
    connect(service_, &S::failed, this, &JobBackend::failed);
    connect(service_, &S::cancelled, this, &JobBackend::cancelled);
}

QList<ProgramSummary> ServiceJobBackend::programs() const {
    QList<ProgramSummary> out;
    for (const auto& p : service_->registry().programs())
        out.append({p.id, p.title, p.kind, p.steps, p.size.width(), p.size.height()});
    return out;
}

pipeline::JobId ServiceJobBackend::submit(const pipeline::JobRequest& request) {
    return service_->submit(request);
}

bool ServiceJobBackend::cancel(pipeline::JobId job) {
    return service_->cancel(job);
}

int ServiceJobBackend::position(pipeline::JobId job) const {
    return service_->position(job);
}

}  // namespace archival::adapters::host
