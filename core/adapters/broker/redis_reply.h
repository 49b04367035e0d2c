#pragma once
// One RESP reply as Qt values, copied out of hiredis's reader (redis_connection.h), and the
// broker's typed errors.

#include <QByteArray>
#include <QList>
#include <QString>

namespace archival::adapters {

struct RedisReply {
    enum class Type { Nil, Status, Error, Integer, String, Array };
    Type type = Type::Nil;
    QByteArray text;  // Status, Error, String
    qint64 integer = 0;
    QList<RedisReply> elements;

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
    QString toString() const { return QString::fromUtf8(text); }
};

struct BrokerError {
    enum class Kind {
        Refused,   // nothing answers at the address (or the name does not resolve)
        Auth,      // the server wants a password, or refused the one given
        Dropped,   // the connection closed or timed out: a command in flight may or may not
                   // have run
        Protocol,  // the bytes were not RESP, or not the reply a command has
        Tls,       // the TLS handshake or the server's certificate failed
        Server,    // the server answered with an error (its text is the message)
    };
    Kind kind = Kind::Dropped;
    QString message;  // for a person; never holds the password

    static QString kindName(Kind kind);  // "refused", "auth", ...
    QString toString() const { return kindName(kind) + QStringLiteral(": ") + message; }
};

}  // namespace archival::adapters
