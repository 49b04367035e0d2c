#include "adapters/cli/terminal_progress.h"

#include <unistd.h>

namespace archival::adapters {

TerminalProgress::TerminalProgress(std::FILE* out) : out_(out), tty_(::isatty(fileno(out)) == 1) {
    clock_.start();
}

void TerminalProgress::stage(const QString& text) {
    finish();
    std::fprintf(out_, "%s\n", text.toLocal8Bit().constData());
    std::fflush(out_);
}

void TerminalProgress::step(int step, int total) {
    const double seconds = double(clock_.elapsed()) / 1000.0;
    if (!tty_) {
        std::fprintf(out_, "step %d/%d %.1f s\n", step, total, seconds);
        std::fflush(out_);
        return;
    }
    constexpr int kWidth = 30;
    const int filled = total > 0 ? step * kWidth / total : 0;
    const QString bar =
        QString(filled, QLatin1Char('#')) + QString(kWidth - filled, QLatin1Char('.'));
    std::fprintf(out_, "\r[%s] step %d/%d  %.1f s", bar.toLatin1().constData(), step, total,
                 seconds);
    std::fflush(out_);
    open_ = true;
}

void TerminalProgress::finish() {
    if (open_) std::fprintf(out_, "\n");
    open_ = false;
    std::fflush(out_);
}

}  // namespace archival::adapters
