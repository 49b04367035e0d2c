#pragma once
// Failed token guesses per client address: after `maxFailures` failures within `windowMs`,
// an address is refused until its oldest failure in the window ages out, and its tokens are
// not even compared. One limiter per listening surface (WebSocket, HTTP) or one shared by
// both; it lives on one thread.
//
//   AuthFailureLimiter limiter(5, 60000);
//   if (!limiter.allows(address)) refuse();                        // token not compared
//   else if (!tokensEqual(...)) limiter.recordFailure(address);

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QList>

namespace archival::adapters::host {

class AuthFailureLimiter {
  public:
    AuthFailureLimiter(int maxFailures, qint64 windowMs);

    // Whether `address` may try a token now. The `nowMs` overloads take any monotonic clock
    // (tests); the others use the limiter's own.
    bool allows(const QHostAddress& address) const { return allows(address, clock_.elapsed()); }
    bool allows(const QHostAddress& address, qint64 nowMs) const;
    // One wrong or missing token from `address`.
    void recordFailure(const QHostAddress& address) { recordFailure(address, clock_.elapsed()); }
    void recordFailure(const QHostAddress& address, qint64 nowMs);

  private:
    // Failures inside the window (older ones dropped), oldest first.
    QList<qint64> recent(const QHostAddress& address, qint64 nowMs) const;
    void forgetExpired(qint64 nowMs);

    int maxFailures_;
    qint64 windowMs_;
    QElapsedTimer clock_;
    // IPv4-mapped IPv6 addresses are keyed as IPv4, so one host is one key.
    QHash<QString, QList<qint64>> failures_;
};

}  // namespace archival::adapters::host
