#include "pipeline/studio_settings.h"

#include <QDateTime>
#include <QStandardPaths>
#include <QVariantMap>

namespace archival::pipeline {

ModelLocations modelLocationsFromSettings(const QSettings& settings) {
    ModelLocations loc;
    const QVariantMap paths = settings.value(QStringLiteral("models/explicitPaths")).toMap();
    for (auto it = paths.begin(); it != paths.end(); ++it)
        loc.explicitPaths.insert(it.key(), it.value().toString());
    loc.modelRoots = settings.value(QStringLiteral("models/roots")).toStringList();
    loc.huggingFaceHub =
        settings.value(QStringLiteral("models/huggingFaceHub"), ModelLocations::defaultHubCache())
            .toString();
    return loc;
}

QMap<QString, QString> assetPathsFromSettings(const QSettings& settings) {
    QMap<QString, QString> out;
    const QVariantMap paths = settings.value(QStringLiteral("assets/explicitPaths")).toMap();
    for (auto it = paths.begin(); it != paths.end(); ++it)
        out.insert(it.key(), it.value().toString());
    return out;
}

FactorySettings factorySettingsFromSettings(const QSettings& settings) {
    FactorySettings f;
    f.device = settings.value(QStringLiteral("engine/device"), f.device).toString();
    f.dtype = settings.value(QStringLiteral("engine/dtype"), f.dtype).toString();
    f.memoryBudgetBytes =
        settings.value(QStringLiteral("engine/memoryBudgetMiB"), 0).toULongLong() * 1024ULL *
        1024ULL;
    f.loadT5 = settings.value(QStringLiteral("engine/loadT5"), f.loadT5).toBool();
    f.releaseTextEncoders =
        settings.value(QStringLiteral("engine/releaseTextEncoders"), f.releaseTextEncoders)
            .toBool();
    f.locations = modelLocationsFromSettings(settings);
    return f;
}

ServiceSettings serviceSettingsFromSettings(const QSettings& settings) {
    ServiceSettings s;
    s.previewIntervalMs =
        settings.value(QStringLiteral("engine/previewIntervalMs"), s.previewIntervalMs).toInt();
    s.previews = settings.value(QStringLiteral("engine/previews"), s.previews).toBool();
    return s;
}

void saveFactorySettings(QSettings& settings, const FactorySettings& f) {
    settings.setValue(QStringLiteral("engine/device"), f.device);
    settings.setValue(QStringLiteral("engine/dtype"), f.dtype);
    settings.setValue(QStringLiteral("engine/memoryBudgetMiB"),
                      f.memoryBudgetBytes / (1024ULL * 1024ULL));
    settings.setValue(QStringLiteral("engine/loadT5"), f.loadT5);
    settings.setValue(QStringLiteral("engine/releaseTextEncoders"), f.releaseTextEncoders);
    QVariantMap paths;
    for (auto it = f.locations.explicitPaths.begin(); it != f.locations.explicitPaths.end(); ++it)
        paths.insert(it.key(), it.value());
    settings.setValue(QStringLiteral("models/explicitPaths"), paths);
    settings.setValue(QStringLiteral("models/roots"), f.locations.modelRoots);
    settings.setValue(QStringLiteral("models/huggingFaceHub"), f.locations.huggingFaceHub);
}

void saveServiceSettings(QSettings& settings, const ServiceSettings& s) {
    settings.setValue(QStringLiteral("engine/previewIntervalMs"), s.previewIntervalMs);
    settings.setValue(QStringLiteral("engine/previews"), s.previews);
}

QString outputFolderFromSettings(const QSettings& settings) {
    const QString configured = settings.value(QStringLiteral("output/folder")).toString();
    if (!configured.isEmpty()) return configured;
    return QStandardPaths::writableLocation(QStandardPaths::PicturesLocation) +
           QStringLiteral("/Archival Studio");
}

QString imageFileName(const QString& programId, const QDateTime& when, quint64 seed, int index) {
    return QStringLiteral("%1_%2_%3_%4.png")
        .arg(programId, when.toLocalTime().toString(QStringLiteral("yyyyMMdd-HHmmss")))
        .arg(seed)
        .arg(index);
}

}  // namespace archival::pipeline
