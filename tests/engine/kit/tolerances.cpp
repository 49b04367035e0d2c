#include "tolerances.h"

#include <QCryptographicHash>
#include <QFile>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace archival::test {
namespace {

nlohmann::json readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return nullptr;
    return nlohmann::json::parse(f.readAll().toStdString(), nullptr, /*allow_exceptions=*/false);
}

QString sha256Of(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(&f);
    return QString::fromLatin1(hash.result().toHex());
}

}  // namespace

std::optional<MeasuredError> fixtureToleranceOf(const QString& file,
                                                const QString& comparisonPrefix,
                                                const QString& containing,
                                                const std::string& tensor) {
    const QString path = fixture(QStringLiteral("golden/") + file);
    const nlohmann::json j = readJson(path);
    if (!j.is_object() || !j.contains("comparisons")) return std::nullopt;
    std::optional<MeasuredError> found;
    for (const auto& [name, tensors] : j["comparisons"].items()) {
        const QString n = QString::fromStdString(name);
        if (!n.startsWith(comparisonPrefix) || !n.contains(containing)) continue;
        if (!tensors.contains(tensor) || !tensors[tensor].contains("max_abs")) continue;
        const double v = tensors[tensor]["max_abs"].get<double>();
        if (!found || v > found->maxAbs)
            found = MeasuredError{
                v,
                QStringLiteral("golden/%1 \"%2\" %3").arg(file, n, QString::fromStdString(tensor))};
    }
    return found;
}

std::vector<MeasuredNoise> fixtureNoise(const QString& file) {
    const nlohmann::json j = readJson(fixture(QStringLiteral("golden/") + file));
    std::vector<MeasuredNoise> out;
    if (!j.is_object()) return out;
    for (const auto& [section, body] : j.items()) {
        if (!body.is_object() || !body.contains("diff")) continue;
        for (const auto& [golden, tensors] : body["diff"].items())
            for (const auto& [tensor, d] : tensors.items())
                if (d.is_object() && d.contains("max_abs") && d.contains("peak"))
                    out.push_back({section, golden, tensor, d["max_abs"].get<double>(),
                                   d["peak"].get<double>()});
    }
    return out;
}

std::optional<MeasuredError> peerBf16ErrorOf(const QString& golden, const std::string& tensor) {
    const QString path = QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/data/bf16_peer_errors.json");
    const nlohmann::json j = readJson(path);
    if (!j.is_object() || !j.contains("goldens")) return std::nullopt;
    const auto& goldens = j["goldens"];
    const std::string key = golden.toStdString();
    if (!goldens.contains(key)) return std::nullopt;
    const auto& entry = goldens[key];
    if (QString::fromStdString(entry.value("sha256", std::string())) != sha256Of(fixture(golden)))
        return std::nullopt;  // measured on another fixture set
    const auto& bf16 = entry["max_abs"]["bfloat16"];
    if (!bf16.contains(tensor)) return std::nullopt;
    return MeasuredError{
        bf16[tensor].get<double>(),
        QStringLiteral("tests/data/bf16_peer_errors.json (%1) %2 %3")
            .arg(QString::fromStdString(j["peer"].dump()), golden, QString::fromStdString(tensor))};
}

}  // namespace archival::test
