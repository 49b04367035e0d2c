#pragma once
// `archival-studio worker`: one machine's share of a batch queue held by a Redis broker.
//
//   worker --broker redis://HOST:PORT/DB [--name N] [--programs F] [--device D]
//          [--endpoint URL | --account-id ID] [--bucket B] [--prefix P] [--access-key-id K]
//          [--key-template T] [--public-url URL] [--queue DIR] [--lease-seconds S]
//
// Takes sets from the broker one at a time (adapters/broker/broker_worker.h), makes them
// through the generation service exactly as `batch` does, uploads them write-once to the
// destination of the R2 options (the secret from ARCHIVAL_R2_SECRET or the keychain) and
// acknowledges them. SIGTERM or SIGINT: no new set; the set being uploaded is finished, one
// being generated is handed back to the broker; then the worker exits 0.

#include <QStringList>

namespace archival::app {

// Exit codes: 0 stopped by a signal; 2 usage; 6 storage (its folder); 10 no R2 secret;
// 11 broker unreachable at start; 12 broker refused the password.
int runWorkerCommand(const QStringList& args);

}  // namespace archival::app
