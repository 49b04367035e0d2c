#pragma once
// The host's jobs on the pipeline's GenerationService (shared with the studio window and the
// batch queue, which have their own priorities).

#include "adapters/host/job_runner.h"

namespace archival::pipeline {
class GenerationService;
}

namespace archival::adapters::host {

class ServiceJobRunner : public JobRunner {
    Q_OBJECT
  public:
    // `service` must outlive this object.
    explicit ServiceJobRunner(pipeline::GenerationService* service, QObject* parent = nullptr);

    QList<ProgramSummary> programs() const override;
    pipeline::JobId submit(const pipeline::JobRequest& request) override;
    bool cancel(pipeline::JobId job) override;
    int position(pipeline::JobId job) const override;

  private:
    pipeline::GenerationService* service_;
};

}  // namespace archival::adapters::host
