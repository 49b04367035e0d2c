#include "adapters/batch/object_key_template.h"

#include <QRegularExpression>
#include <QStringList>

namespace archival::adapters {

namespace {

// {name} or {set:0N}: the only fields a template may hold.
const QRegularExpression& fieldPattern() {
    static const QRegularExpression re(QStringLiteral("\\{([a-z]+)(?::0([1-9]))?\\}"));
    return re;
}

bool knownField(const QString& name) {
    return name == QLatin1String("prefix") || name == QLatin1String("action") ||
           name == QLatin1String("program") || name == QLatin1String("set");
}

}  // namespace

QString ObjectKeyTemplate::resolve(const QString& nameOrTemplate) {
    const QString t = nameOrTemplate.trimmed();
    if (t.isEmpty() || t == QLatin1String("seed")) return seed();
    if (t == QLatin1String("studio")) return studio();
    return t;
}

QString ObjectKeyTemplate::problem(const QString& text) {
    if (text.trimmed().isEmpty()) return QStringLiteral("the key template is empty");
    QString literal;
    bool hasAction = false, hasSet = false;
    qsizetype at = 0;
    auto it = fieldPattern().globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        literal += text.mid(at, m.capturedStart() - at);
        at = m.capturedEnd();
        const QString name = m.captured(1);
        if (!knownField(name))
            return QStringLiteral(
                       "the key template names an unknown field {%1} (known: {prefix}, "
                       "{action}, {program}, {set}, {set:03})")
                .arg(name);
        if (!m.captured(2).isEmpty() && name != QLatin1String("set"))
            return QStringLiteral("only {set} can be zero-padded ({set:03}), not {%1}").arg(name);
        hasAction = hasAction || name == QLatin1String("action");
        hasSet = hasSet || name == QLatin1String("set");
        literal += QLatin1Char('x');  // a field stands for one safe character below
    }
    literal += text.mid(at);
    static const QRegularExpression safe(QStringLiteral("^[A-Za-z0-9/._-]*$"));
    if (!safe.match(literal).hasMatch())
        return QStringLiteral(
                   "the key template \"%1\" holds a character other than letters, digits, '/', "
                   "'.', "
                   "'_', '-' and the fields {prefix} {action} {program} {set}")
            .arg(text);
    for (const QString& segment : text.split(QLatin1Char('/')))
        if (segment == QLatin1String(".") || segment == QLatin1String(".."))
            return QStringLiteral("the key template \"%1\" has a \"%2\" segment")
                .arg(text, segment);
    if (!hasAction || !hasSet)
        return QStringLiteral(
                   "the key template \"%1\" must name {action} and {set}, or sets would share "
                   "objects")
            .arg(text);
    return {};
}

QString ObjectKeyTemplate::expand(const QString& text, const ObjectKeyFields& fields) {
    QString out;
    qsizetype at = 0;
    auto it = fieldPattern().globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        out += text.mid(at, m.capturedStart() - at);
        at = m.capturedEnd();
        const QString name = m.captured(1);
        if (name == QLatin1String("prefix"))
            out += fields.prefix;
        else if (name == QLatin1String("action"))
            out += fields.action;
        else if (name == QLatin1String("program"))
            out += fields.program;
        else
            out +=
                QStringLiteral("%1").arg(fields.set, m.captured(2).toInt(), 10, QLatin1Char('0'));
    }
    out += text.mid(at);
    QStringList segments = out.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    return segments.join(QLatin1Char('/'));
}

bool ObjectKeyTemplate::namesProgram(const QString& text) {
    return text.contains(QLatin1String("{program}"));
}

}  // namespace archival::adapters
