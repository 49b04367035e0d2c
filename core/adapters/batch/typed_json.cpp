#include "adapters/batch/typed_json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <cmath>

namespace archival::adapters {

namespace {

struct Writer {
    const QSet<QString>& floatKeys;
    bool indented;
    QByteArray out;

    void write(const QJsonValue& value, bool floats, int depth);
    void newline(int depth);
};

void Writer::newline(int depth) {
    if (!indented) return;
    out += '\n';
    out += QByteArray(depth * 4, ' ');
}

QByteArray quoted(const QString& text) {
    // QJsonDocument's escaping, without the array around it.
    const QByteArray array = QJsonDocument(QJsonArray{text}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QByteArray number(const QJsonValue& value, bool asFloat) {
    const double d = value.toDouble();
    if (!std::isfinite(d)) return "null";  // JSON has no NaN or infinity
    if (!asFloat && std::floor(d) == d && std::abs(d) < 9007199254740992.0)
        return QByteArray::number(qint64(d));
    QByteArray text = QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
    if (!text.contains('.') && !text.contains('e')) text += ".0";
    return text;
}

void Writer::write(const QJsonValue& value, bool floats, int depth) {
    switch (value.type()) {
        case QJsonValue::Null:
        case QJsonValue::Undefined:
            out += "null";
            return;
        case QJsonValue::Bool:
            out += value.toBool() ? "true" : "false";
            return;
        case QJsonValue::Double:
            out += number(value, floats);
            return;
        case QJsonValue::String:
            out += quoted(value.toString());
            return;
        case QJsonValue::Array: {
            const QJsonArray array = value.toArray();
            if (array.isEmpty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (qsizetype i = 0; i < array.size(); ++i) {
                if (i > 0) out += ',';
                newline(depth + 1);
                write(array[i], floats, depth + 1);
            }
            newline(depth);
            out += ']';
            return;
        }
        case QJsonValue::Object: {
            const QJsonObject object = value.toObject();
            if (object.isEmpty()) {
                out += "{}";
                return;
            }
            out += '{';
            bool first = true;
            for (auto it = object.begin(); it != object.end(); ++it) {
                if (!first) out += ',';
                first = false;
                newline(depth + 1);
                out += quoted(it.key());
                out += indented ? ": " : ":";
                write(it.value(), floats || floatKeys.contains(it.key()), depth + 1);
            }
            newline(depth);
            out += '}';
            return;
        }
    }
}

}  // namespace

QByteArray typedJson(const QJsonObject& object, const QSet<QString>& floatKeys, bool indented) {
    Writer writer{floatKeys, indented, {}};
    writer.write(object, false, 0);
    if (indented) writer.out += '\n';
    return writer.out;
}

const QSet<QString>& seedFloatKeys() {
    static const QSet<QString> keys{QStringLiteral("total_duration"), QStringLiteral("duration"),
                                    QStringLiteral("durations"), QStringLiteral("guidance_scale"),
                                    QStringLiteral("strength")};
    return keys;
}

}  // namespace archival::adapters
