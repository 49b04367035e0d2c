#include "pipeline/program.h"

#include <QStringList>

#include "pipeline/python_random.h"

namespace archival::pipeline {

QString Program::applyTemplate(const QString& prompt) const {
    QString out = promptTemplate;
    return out.replace(QStringLiteral("{prompt}"), prompt);
}

QSize Program::sizeFor(std::optional<qint64> setId, quint64 seedValue) const {
    if (sizes.isEmpty()) return size;
    // Python's random.seed takes the absolute value of a negative integer.
    const quint64 key =
        setId ? (*setId < 0 ? quint64(0) - quint64(*setId) : quint64(*setId)) : seedValue;
    return sizes.at(PythonRandom(key).below(static_cast<int>(sizes.size())));
}

int Program::sizeMultiple() const {
    return family == QLatin1String("sd3") ? 16 : 8;
}

QSize Program::sizeMade(const QSize& asked) const {
    const int m = sizeMultiple();
    return QSize(asked.width() / m * m, asked.height() / m * m);
}
QString Program::sizeText() const {
    if (sizes.isEmpty()) return QStringLiteral("%1×%2").arg(size.width()).arg(size.height());
    QStringList parts;
    for (const QSize& s : sizes) parts << QStringLiteral("%1×%2").arg(s.width()).arg(s.height());
    return QStringLiteral("random: ") + parts.join(QStringLiteral(", "));
}

}  // namespace archival::pipeline
