#include "adapters/host/auth_failure_limiter.h"

#include "adapters/host/address_key.h"

namespace archival::adapters::host {

AuthFailureLimiter::AuthFailureLimiter(int maxFailures, qint64 windowMs)
    : maxFailures_(maxFailures), windowMs_(windowMs) {
    clock_.start();
}

QList<qint64> AuthFailureLimiter::recent(const QHostAddress& address, qint64 nowMs) const {
    QList<qint64> times = failures_.value(addressKey(address));
    while (!times.isEmpty() && nowMs - times.first() >= windowMs_) times.removeFirst();
    return times;
}

bool AuthFailureLimiter::allows(const QHostAddress& address, qint64 nowMs) const {
    return recent(address, nowMs).size() < maxFailures_;
}

void AuthFailureLimiter::recordFailure(const QHostAddress& address, qint64 nowMs) {
    if (failures_.size() > kAddressesBeforeSweep) forgetExpired(nowMs);
    QList<qint64> times = recent(address, nowMs);
    times.append(nowMs);
    // Only the last maxFailures count; older ones need not be kept.
    while (times.size() > maxFailures_) times.removeFirst();
    failures_.insert(addressKey(address), times);
}

void AuthFailureLimiter::forgetExpired(qint64 nowMs) {
    for (auto it = failures_.begin(); it != failures_.end();) {
        if (it.value().isEmpty() || nowMs - it.value().last() >= windowMs_)
            it = failures_.erase(it);
        else
            ++it;
    }
}

}  // namespace archival::adapters::host
