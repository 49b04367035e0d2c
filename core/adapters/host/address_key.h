#pragma once
// The per-address tables of the host's limiters (failed tokens, reconnects) key an address
// the same way: an IPv4 address reached over an IPv6 socket (::ffff:a.b.c.d) is the same
// client as over IPv4.
#include <QHostAddress>
#include <QString>

namespace archival::adapters::host {

// Addresses a limiter remembers before it sweeps the expired ones: bounds its table under a
// scan from many addresses.
inline constexpr int kAddressesBeforeSweep = 1024;

inline QString addressKey(const QHostAddress& address) {
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4).toString() : address.toString();
}

}  // namespace archival::adapters::host
