#pragma once
// `archival-studio serve`: the exhibition host without a window, for a GPU box behind the
// screens. One log line per event on stdout; SIGTERM / SIGINT stop it cleanly (jobs cancelled,
// or finished with --on-stop finish).
//
//   archival-studio serve [--listen ADDR:PORT] [--token T | --token-file F] [--programs FILE]
//                         [--http-port N] [--origin URL]... [--allowed-host NAME]...
//                         [--require-token]
//                         [--tls-cert PEM --tls-key PEM] [--limit NAME=VALUE]...
//                         [--on-stop cancel|finish] [--device D] [--batch-queue DIR]
//                         [--endpoint URL | --account-id ID] [--bucket B] [--prefix P]
//                         [--access-key-id K] [--key-template T] [--public-url URL]
//
// With R2 options (or --batch-queue) the HTTP port also serves batch work: the reference
// service's generate_single_set / generate_multiple_sets and /api/v1/batch, uploaded through
// the durable queue.

#include <QStringList>

namespace archival::app {

// `args` are the arguments after "serve". Needs a QCoreApplication. Returns the exit code.
int runServeCommand(const QStringList& args);

}  // namespace archival::app
