#pragma once
// `batch --broker URL`: new sets go onto the broker's stream for the workers instead of the
// local queue, and `--status` lists every set the broker knows with its state, worker and
// error; `--retry` puts its failed sets on the stream again.

#include <QString>
#include <optional>

#include "adapters/batch/batch_queue.h"
#include "adapters/broker/redis_connection.h"

namespace archival::app {

// Queues `sets` sets of `request` (set ids after the action's highest on the broker). The
// seeds: `request.seed` counting up per set when given, else drawn per set. Prints the set
// ids queued; returns the exit code.
int queueOnBroker(adapters::RedisConnection& broker, const adapters::SetRequest& request, int sets);

// One line per set (action, set, program, state, worker, error); with `actionId` that
// action's sets only. Returns 0 (or the broker's exit code).
int brokerStatus(adapters::RedisConnection& broker, const QString& actionId);

// `--retry`: the failed sets (of `actionId`, or all) go onto the stream again, each with the
// seed it was queued with, as the local queue retries. Prints how many; returns the exit code.
int brokerRetry(adapters::RedisConnection& broker, const QString& actionId);

}  // namespace archival::app
