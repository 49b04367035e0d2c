#include "adapters/batch/path_id.h"

#include <QRegularExpression>

namespace archival::adapters {

namespace {

// A character as a person can read it in a message, control characters included.
QString shown(QChar c) {
    if (c.isPrint() && !c.isSpace()) return QStringLiteral("'%1'").arg(c);
    return QStringLiteral("U+%1").arg(c.unicode(), 4, 16, QLatin1Char('0')).toUpper();
}

bool isReservedDeviceName(const QString& id) {
    // Windows reserves these names with any extension ("nul.txt" is the null device too).
    static const QRegularExpression reserved(
        QStringLiteral("\\A(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\\..*)?\\z"),
        QRegularExpression::CaseInsensitiveOption | QRegularExpression::DotMatchesEverythingOption);
    return reserved.match(id).hasMatch();
}

}  // namespace

QString pathIdProblem(const QString& id) {
    if (id.isEmpty()) return QStringLiteral("is empty");
    if (id.size() > kMaxPathIdLength)
        return QStringLiteral("is %1 characters long (at most %2)")
            .arg(id.size())
            .arg(kMaxPathIdLength);
    const QChar first = id.front();
    const bool firstOk = first.unicode() < 128 && first.isLetterOrNumber();
    if (!firstOk)
        return QStringLiteral("must start with a letter or digit, not %1").arg(shown(first));
    for (const QChar c : id) {
        const bool ok = (c.unicode() < 128 && c.isLetterOrNumber()) || c == QLatin1Char('.') ||
                        c == QLatin1Char('_') || c == QLatin1Char('-');
        if (!ok)
            return QStringLiteral("may only use letters, digits, '.', '_' and '-', not %1")
                .arg(shown(c));
    }
    if (id.endsWith(QLatin1Char('.')))
        return QStringLiteral("must not end with a dot (Windows drops it from folder names)");
    if (isReservedDeviceName(id))
        return QStringLiteral(
            "is a reserved device name on Windows (CON, PRN, AUX, NUL, "
            "COM1-9, LPT1-9, with or without an extension)");
    return {};
}

QString caseTwin(const QString& id, const QStringList& existing) {
    for (const QString& other : existing)
        if (other != id && other.compare(id, Qt::CaseInsensitive) == 0) return other;
    return {};
}

}  // namespace archival::adapters
