#pragma once
// `archival-studio serve`: the exhibition host without a window, for a GPU box behind the
// screens. One log line per event on stdout; SIGTERM / SIGINT stop it cleanly (jobs cancelled,
// or finished with --on-stop finish).
//
//   archival-studio serve [--listen ADDR:PORT] [--token T | --token-file F] [--programs FILE]
//                         [--http-port N] [--origin URL]... [--require-token]
//                         [--tls-cert PEM --tls-key PEM] [--limit NAME=VALUE]...
//                         [--on-stop cancel|finish] [--device D]

#include <QStringList>

namespace archival::app {

// `args` are the arguments after "serve". Needs a QCoreApplication. Returns the exit code.
int runServeCommand(const QStringList& args);

}  // namespace archival::app
