#include "adapters/host/connect_rate_limiter.h"

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

ConnectRateLimiter::ConnectRateLimiter(int maxConnects, qint64 windowMs)
    : maxConnects_(maxConnects), windowMs_(windowMs) {
    clock_.start();
}

bool ConnectRateLimiter::admit(const QHostAddress& address, qint64 nowMs) {
    if (recent_.size() > kSweepAbove) forgetExpired(nowMs);
    QList<qint64>& times = recent_[keyOf(address)];
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
