#include "adapters/host/job_backend.h"

namespace archival::adapters::host {

JobBackend::~JobBackend() = default;

}  // namespace archival::adapters::host
