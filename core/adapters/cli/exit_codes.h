#pragma once
// The exit codes the headless commands share (the man page's EXIT STATUS).

#include <QString>

namespace archival::adapters {

// 0 done; 2 usage; 3 InvalidRequest; 4 ModelLoad; 5 OutOfMemory; 6 Storage; 7 Internal;
// 130 cancelled (Ctrl-C, as a shell reports SIGINT). An unknown name counts as Internal.
int exitCodeForError(const QString& codeName);

constexpr int kCancelledExitCode = 130;

}  // namespace archival::adapters
