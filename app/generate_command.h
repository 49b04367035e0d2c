#pragma once
// `archival-studio generate`: one job through the generation service, a progress bar on the
// terminal, the images written next to their metadata. Ctrl-C cancels cleanly.

#include <QStringList>

namespace archival::app {

// Exit codes: 0 done; 2 usage; 3 InvalidRequest; 4 ModelLoad; 5 OutOfMemory; 6 Storage;
// 7 Internal; 130 cancelled (Ctrl-C). `args` are the command's arguments after "generate".
// Needs a QCoreApplication.
int runGenerateCommand(const QStringList& args);

}  // namespace archival::app
