#pragma once
// Where the broker is: a Redis URL as Redis clients write it.
//
//   redis://HOST:PORT/DB            plain TCP (port 6379 and database 0 when left out)
//   redis://:PASSWORD@HOST:PORT/DB  a password in the URL (better: ARCHIVAL_BROKER_PASSWORD
//                                   or the keychain, so it is not in shell histories)
//   redis://USER:PASSWORD@...       an ACL user (Redis 6+)
//   rediss://HOST:PORT/DB?ca=FILE   TLS; the server's certificate checked against the system's
//                                   CAs, or against FILE's when given
//
// display() is what logs and messages show: never the password.

#include <QString>
#include <optional>
#include <variant>

namespace archival::adapters {

struct RedisAddress {
    QString host;
    quint16 port = 6379;
    int database = 0;
    bool tls = false;
    QString caFile;    // rediss: a PEM file of CAs to trust instead of the system's
    QString user;      // empty: the default user
    QString password;  // from the URL; empty: none given there

    // "redis://HOST:PORT/DB" (rediss for TLS): no user, no password.
    QString display() const;

    // The URL read, or why it cannot be used.
    static std::variant<RedisAddress, QString> parse(const QString& url);
};

}  // namespace archival::adapters
