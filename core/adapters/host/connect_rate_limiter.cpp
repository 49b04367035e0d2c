#include "adapters/host/connect_rate_limiter.h"

#include "adapters/host/address_key.h"

namespace archival::adapters::host {

ConnectRateLimiter::ConnectRateLimiter(int maxConnects, qint64 windowMs)
    : maxConnects_(maxConnects), windowMs_(windowMs) {
    clock_.start();
}

bool ConnectRateLimiter::admit(const QHostAddress& address, qint64 nowMs) {
    if (recent_.size() > kAddressesBeforeSweep) forgetExpired(nowMs);
    QList<qint64>& times = recent_[addressKey(address)];
    while (!times.isEmpty() && nowMs - times.first() >= windowMs_) times.removeFirst();
    if (times.size() >= maxConnects_) return false;
    times.append(nowMs);
    return true;
}

void ConnectRateLimiter::forgetExpired(qint64 nowMs) {
    for (auto it = recent_.begin(); it != recent_.end();) {
        if (it.value().isEmpty() || nowMs - it.value().last() >= windowMs_)
            it = recent_.erase(it);
        else
            ++it;
    }
}

}  // namespace archival::adapters::host
