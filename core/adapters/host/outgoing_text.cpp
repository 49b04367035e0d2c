#include "adapters/host/outgoing_text.h"

#include <QDir>
#include <QRegularExpression>

namespace archival::adapters::host {

QString escapeControlCharacters(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        const bool control = u < 0x20 || (u >= 0x7f && u <= 0x9f);
        if (!control) {
            out += c;
        } else if (u == '\n') {
            out += QLatin1String("\\n");
        } else if (u == '\r') {
            out += QLatin1String("\\r");
        } else if (u == '\t') {
            out += QLatin1String("\\t");
        } else {
            out += QStringLiteral("\\x%1").arg(uint(u), 2, 16, QLatin1Char('0'));
        }
    }
    return out;
}

QString withoutLocalPaths(const QString& message, const QStringList& folders) {
    QString out = message;
    for (const QString& folder : folders) {
        const QString clean = QDir::cleanPath(folder);
        if (clean.isEmpty() || !QDir::isAbsolutePath(clean)) continue;
        const QString name = QDir(clean).dirName();
        out.replace(QDir::toNativeSeparators(clean), name);
        out.replace(clean, name);
    }
    // What is left of an absolute path: from a '/' (or "C:\") that starts a word to the next
    // white space, quote or bracket; punctuation that ends a sentence or separates a list
    // ("looked in /a, /b.") stays outside the path.
    static const QRegularExpression absolute(
        QStringLiteral("(?<![\\w.~:/\\\\])(?:/|[A-Za-z]:[\\\\/"
                       "])(?:[^\\s'\"()\\[\\]<>]*[^\\s'\"()\\[\\]<>,;:.])?"));
    out.replace(absolute, QStringLiteral("<local path>"));
    return out;
}

}  // namespace archival::adapters::host
