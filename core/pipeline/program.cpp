#include "pipeline/program.h"

#include <QStringList>

namespace archival::pipeline {
namespace {

// SplitMix64 (Steele et al.): a well-mixed, platform-independent hash of the seed, so that
// neighbouring seeds do not pick neighbouring sizes.
quint64 splitmix64(quint64 x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

}  // namespace

QString Program::applyTemplate(const QString& prompt) const {
    QString out = promptTemplate;
    return out.replace(QStringLiteral("{prompt}"), prompt);
}

QSize Program::sizeForSeed(quint64 seedValue) const {
    if (sizes.isEmpty()) return size;
    return sizes.at(static_cast<int>(splitmix64(seedValue) % static_cast<quint64>(sizes.size())));
}

QString Program::sizeText() const {
    if (sizes.isEmpty()) return QStringLiteral("%1×%2").arg(size.width()).arg(size.height());
    QStringList parts;
    for (const QSize& s : sizes) parts << QStringLiteral("%1×%2").arg(s.width()).arg(s.height());
    return QStringLiteral("random: ") + parts.join(QStringLiteral(", "));
}

}  // namespace archival::pipeline
