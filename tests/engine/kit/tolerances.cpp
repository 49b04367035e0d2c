#include "tolerances.h"

#include <QCryptographicHash>
#include <QFile>

#include "test_support.h"

namespace archival::test {
namespace {

QString sha256Of(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return QString::fromLatin1(hash.result().toHex());
}

std::optional<MeasuredError> withQtSource(const std::optional<goldens::MeasuredError>& e,
                                          const QString& prefix) {
    if (!e) return std::nullopt;
    return MeasuredError{e->maxAbs, prefix + QString::fromStdString(e->source)};
}

}  // namespace

std::optional<MeasuredError> fixtureToleranceOf(const QString& file,
                                                const QString& comparisonPrefix,
                                                const QString& containing,
                                                const std::string& tensor) {
    const QString path = fixture(QStringLiteral("golden/") + file);
    return withQtSource(goldens::toleranceOf(path.toStdString(), comparisonPrefix.toStdString(),
                                             containing.toStdString(), tensor),
                        QStringLiteral("golden/%1 ").arg(file));
}

std::vector<MeasuredNoise> fixtureNoise(const QString& file) {
    return goldens::noiseOf(fixture(QStringLiteral("golden/") + file).toStdString());
}

std::optional<MeasuredError> peerBf16ErrorOf(const QString& golden, const std::string& tensor) {
    return withQtSource(goldens::peerBf16ErrorOf(
                            ARCHIVAL_SOURCE_DIR "/tests/data/bf16_peer_errors.json",
                            golden.toStdString(), tensor, sha256Of(fixture(golden)).toStdString()),
                        QString());
}

}  // namespace archival::test
