#pragma once
// `archival-studio batch`: the durable batch queue from the command line.
//
//   batch --program P0 --prompt "ai conference" --action-id transcript_002 --sets 5
//         [--parallel] [--images-per-set N] [--programs FILE] [--endpoint URL]
//         [--account-id A] [--bucket B] [--prefix P] [--access-key-id K] [--queue DIR]
//   batch --resume | --status | --retry [--action-id X] | --cancel --action-id X
//   batch --test-connection
//   batch --broker redis://HOST:PORT/DB --program P --prompt T --action-id A --sets N [--seed S]
//   batch --broker redis://HOST:PORT/DB --status [--action-id A]
//
// The destination comes from the R2 settings, overridden by the options; the secret from
// ARCHIVAL_R2_SECRET when set, else the keychain.

#include <QStringList>

namespace archival::app {

// Exit codes: 0 every set uploaded (or --status/--cancel done); 2 usage; 3 invalid request;
// 4 model not loadable; 6 storage; 8 uploads refused by the store (credentials, bucket: the
// store's reason is printed); 9 some sets failed (network gave up, conflict); 10 no secret;
// 11 broker unreachable; 12 broker refused the password; 130 interrupted (the queue resumes with --resume). With --action-id the status is that
// action's alone: other actions' stops and failed sets in the queue are reported, not counted.
// `args` are the arguments after "batch". Needs a QCoreApplication.
int runBatchCommand(const QStringList& args);

}  // namespace archival::app
