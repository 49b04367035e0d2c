#include "adapters/host/auth_failure_limiter.h"

namespace archival::adapters::host {

namespace {

// Addresses remembered before expired ones are swept: bounds the table under a scan from
// many addresses.
constexpr int kSweepAbove = 1024;

QString keyOf(const QHostAddress& address) {
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4).toString() : address.toString();
}

}  // namespace

AuthFailureLimiter::AuthFailureLimiter(int maxFailures, qint64 windowMs)
    : maxFailures_(maxFailures), windowMs_(windowMs) {
    clock_.start();
}

QList<qint64> AuthFailureLimiter::recent(const QHostAddress& address, qint64 nowMs) const {
    QList<qint64> times = failures_.value(keyOf(address));
    while (!times.isEmpty() && nowMs - times.first() >= windowMs_) times.removeFirst();
    return times;
}

bool AuthFailureLimiter::allows(const QHostAddress& address, qint64 nowMs) const {
    return recent(address, nowMs).size() < maxFailures_;
}

void AuthFailureLimiter::recordFailure(const QHostAddress& address, qint64 nowMs) {
    if (failures_.size() > kSweepAbove) forgetExpired(nowMs);
    QList<qint64> times = recent(address, nowMs);
    times.append(nowMs);
    // Only the last maxFailures count; older ones need not be kept.
    while (times.size() > maxFailures_) times.removeFirst();
    failures_.insert(keyOf(address), times);
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
