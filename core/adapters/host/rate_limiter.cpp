#include "adapters/host/rate_limiter.h"

namespace archival::adapters::host {

RateLimiter::RateLimiter(int perSecond, int floodFactor)
    : perSecond_(perSecond), floodFactor_(floodFactor) {}

RateLimiter::Verdict RateLimiter::admit(qint64 nowMs) {
    if (windowStartMs_ < 0 || nowMs - windowStartMs_ >= 1000) {
        windowStartMs_ = nowMs;
        count_ = 0;
    }
    ++count_;
    if (count_ <= perSecond_) return Verdict::Allowed;
    if (qint64(count_) > qint64(perSecond_) * floodFactor_) return Verdict::Flood;
    return Verdict::Limited;
}

}  // namespace archival::adapters::host
