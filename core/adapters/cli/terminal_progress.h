#pragma once
// A one-line progress bar on a terminal (redrawn in place), or plain lines when stderr is
// not a terminal (logs, tests), so scripts can follow progress too.

#include <QElapsedTimer>
#include <QString>
#include <cstdio>

namespace archival::adapters {

class TerminalProgress {
  public:
    explicit TerminalProgress(std::FILE* out = stderr);
    void stage(const QString& text);
    void step(int step, int total);
    void finish();  // ends the bar's line

  private:
    std::FILE* out_;
    bool tty_;
    bool open_ = false;  // a bar is drawn on the current line
    QElapsedTimer clock_;
};

}  // namespace archival::adapters
