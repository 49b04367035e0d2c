#include "adapters/host/job_runner.h"

namespace archival::adapters::host {

JobRunner::~JobRunner() = default;

}  // namespace archival::adapters::host
