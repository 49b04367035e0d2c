#include "adapters/batch/content_digest.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QtEndian>

namespace archival::adapters {

namespace {

// The values that say when or how fast a file was made: they change every time a set is made,
// and nothing else does (the seed and the request fix everything else).
bool isTimingKey(const QString& key) {
    static const QStringList keys{
        QStringLiteral("timings"),        QStringLiteral("timestamp"),
        QStringLiteral("durations"),      QStringLiteral("duration"),
        QStringLiteral("total_duration"), QStringLiteral("generated_at"),
    };
    return keys.contains(key);
}

QJsonValue withoutTimings(const QJsonValue& value) {
    if (value.isObject()) {
        QJsonObject out;
        const QJsonObject in = value.toObject();
        for (auto it = in.begin(); it != in.end(); ++it)
            if (!isTimingKey(it.key())) out.insert(it.key(), withoutTimings(it.value()));
        return out;
    }
    if (value.isArray()) {
        QJsonArray out;
        for (const QJsonValue& v : value.toArray()) out.append(withoutTimings(v));
        return out;
    }
    return value;
}

// The JSON text without its timing values, in one canonical form (QJsonObject keeps keys
// sorted); the text itself when it is not a JSON object or array.
QByteArray canonicalJson(const QByteArray& text) {
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text, &error);
    if (error.error != QJsonParseError::NoError || !(doc.isObject() || doc.isArray())) return text;
    const QJsonValue stripped =
        withoutTimings(doc.isObject() ? QJsonValue(doc.object()) : QJsonValue(doc.array()));
    return stripped.isObject() ? QJsonDocument(stripped.toObject()).toJson(QJsonDocument::Compact)
                               : QJsonDocument(stripped.toArray()).toJson(QJsonDocument::Compact);
}

// Feeds every chunk of a PNG to `hash`, text chunks with their JSON values canonical (the
// studio writes its metadata as uncompressed tEXt / iTXt JSON). False when the bytes are not
// a whole PNG.
bool hashPng(const QByteArray& png, QCryptographicHash* hash) {
    if (!png.startsWith("\x89PNG\r\n\x1a\n")) return false;
    qsizetype at = 8;
    bool ended = false;
    while (at + 12 <= png.size()) {
        const quint32 length = qFromBigEndian<quint32>(png.constData() + at);
        if (length > quint32(png.size() - at - 12)) return false;
        const QByteArray type = png.mid(at + 4, 4);
        const QByteArray data = png.mid(at + 8, qsizetype(length));
        at += 12 + qsizetype(length);
        hash->addData(type);
        QByteArray content = data;
        const qsizetype nul = data.indexOf('\0');
        if (type == "tEXt" && nul > 0) {
            content = data.left(nul + 1) + canonicalJson(data.mid(nul + 1));
        } else if (type == "iTXt" && nul > 0 && nul + 2 < data.size() && data.at(nul + 1) == 0) {
            const qsizetype language = data.indexOf('\0', nul + 3);
            const qsizetype translated = language < 0 ? -1 : data.indexOf('\0', language + 1);
            if (translated >= 0)
                content = data.left(translated + 1) + canonicalJson(data.mid(translated + 1));
        }
        QByteArray size(8, '\0');
        qToBigEndian<quint64>(quint64(content.size()), size.data());
        hash->addData(size);
        hash->addData(content);
        if (type == "IEND") {
            ended = true;
            break;
        }
    }
    return ended;
}

}  // namespace

QByteArray contentDigest(const QString& fileName, const QByteArray& bytes) {
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const QString lower = fileName.toLower();
    if (lower.endsWith(QLatin1String(".png"))) {
        hash.addData(QByteArrayLiteral("png\n"));
        if (hashPng(bytes, &hash)) return hash.result().toHex();
        hash.reset();
    } else if (lower.endsWith(QLatin1String(".json"))) {
        hash.addData(QByteArrayLiteral("json\n"));
        hash.addData(canonicalJson(bytes));
        return hash.result().toHex();
    }
    hash.addData(QByteArrayLiteral("bytes\n"));
    hash.addData(bytes);
    return hash.result().toHex();
}

}  // namespace archival::adapters
