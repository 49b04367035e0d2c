#include "adapters/broker/redis_address.h"

#include <QUrl>
#include <QUrlQuery>

namespace archival::adapters {

QString RedisAddress::display() const {
    const QString shownHost =
        host.contains(QLatin1Char(':')) ? QStringLiteral("[%1]").arg(host) : host;
    return QStringLiteral("%1://%2:%3/%4")
        .arg(tls ? QStringLiteral("rediss") : QStringLiteral("redis"), shownHost)
        .arg(port)
        .arg(database);
}

std::variant<RedisAddress, QString> RedisAddress::parse(const QString& text) {
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    // Messages name the URL without its password.
    const QString shown = url.isValid() ? url.toString(QUrl::RemovePassword) : QStringLiteral("");
    if (!url.isValid() || url.host().isEmpty())
        return QStringLiteral(
                   "the broker URL %1is not redis://HOST:PORT/DB or "
                   "rediss://HOST:PORT/DB")
            .arg(shown.isEmpty() ? QString() : QStringLiteral("'%1' ").arg(shown));
    RedisAddress a;
    const QString scheme = url.scheme().toLower();
    if (scheme == QLatin1String("rediss"))
        a.tls = true;
    else if (scheme != QLatin1String("redis"))
        return QStringLiteral(
                   "the broker URL '%1' must start with redis:// or rediss://, "
                   "not %2://")
            .arg(shown, scheme);
    a.host = url.host();
    const int port = url.port(6379);
    if (port <= 0 || port > 65535)
        return QStringLiteral("the broker URL '%1' has no usable port").arg(shown);
    a.port = quint16(port);
    QString path = url.path();
    while (path.startsWith(QLatin1Char('/'))) path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        a.database = path.toInt(&ok);
        if (!ok || a.database < 0 || a.database > 15)
            return QStringLiteral("the broker URL '%1' names database '%2': a number 0..15")
                .arg(shown, path);
    }
    a.user = url.userName(QUrl::FullyDecoded);
    a.password = url.password(QUrl::FullyDecoded);
    const QUrlQuery query(url);
    for (const auto& [key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("ca") && a.tls)
            a.caFile = value;
        else
            return QStringLiteral(
                       "the broker URL '%1' has an unknown option '%2' (rediss:// "
                       "takes ca=FILE)")
                .arg(shown, key);
    }
    return a;
}

}  // namespace archival::adapters
