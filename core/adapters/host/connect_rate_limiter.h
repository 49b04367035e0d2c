#pragma once
// New connections per client address: at most `maxConnects` within `windowMs`; more from
// that address are refused until its oldest one in the window ages out. Reconnecting in a
// loop costs the host a TLS and WebSocket handshake each time and churns the pools; this
// slows one address down without touching the others. It lives on one thread.
//
//   ConnectRateLimiter limiter(120, 10000);
//   if (!limiter.admit(address)) refuse();  // counted only when admitted

#include <QElapsedTimer>
#include <QHash>
#include <QHostAddress>
#include <QList>

namespace archival::adapters::host {

class ConnectRateLimiter {
  public:
    ConnectRateLimiter(int maxConnects, qint64 windowMs);

    // Whether `address` may connect now; if so, the connection counts. The `nowMs` overload
    // takes any monotonic clock (tests); the other uses the limiter's own.
    bool admit(const QHostAddress& address) { return admit(address, clock_.elapsed()); }
    bool admit(const QHostAddress& address, qint64 nowMs);

  private:
    void forgetExpired(qint64 nowMs);

    int maxConnects_;
    qint64 windowMs_;
    QElapsedTimer clock_;
    // Admitted connections' times inside the window, oldest first. IPv4-mapped IPv6
    // addresses are keyed as IPv4, so one host is one key.
    QHash<QString, QList<qint64>> recent_;
};

}  // namespace archival::adapters::host
