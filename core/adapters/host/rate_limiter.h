#pragma once
// Counts one client's messages per second (fixed one-second windows on a monotonic clock):
// enough to tell a busy client (over the rate) from a flood (far over it).

#include <QElapsedTimer>

namespace archival::adapters::host {

class RateLimiter {
  public:
    enum class Verdict { Allowed, Limited, Flood };

    RateLimiter(int perSecond, int floodFactor);
    // Counts a message arriving at `nowMs` (milliseconds on any monotonic clock).
    Verdict admit(qint64 nowMs);

  private:
    int perSecond_;
    int floodFactor_;
    qint64 windowStartMs_ = -1;
    int count_ = 0;
};

}  // namespace archival::adapters::host
