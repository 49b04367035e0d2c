#include "pipeline/asset_resolver.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace archival::pipeline {

QString AssetLocations::dataFolder() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/assets");
}

AssetLocations AssetLocations::besideProgramsFile(const QString& programsFile) {
    AssetLocations where;
    if (!programsFile.isEmpty())
        where.folders << QFileInfo(programsFile).absoluteDir().filePath(QStringLiteral("assets"));
    where.folders << dataFolder();
    return where;
}

QString AssetResolution::describe() const {
    if (found()) return QStringLiteral("%1: %2").arg(name, path);
    return QStringLiteral("%1 not found (looked in %2)")
        .arg(name, searched.join(QStringLiteral(", ")));
}

bool isAssetName(const QString& value) {
    return !value.isEmpty() && !value.contains(QLatin1Char('/')) &&
           !value.contains(QLatin1Char('\\')) && !value.contains(QLatin1Char('$')) &&
           !value.startsWith(QLatin1Char('~')) && value != QLatin1String(".") &&
           value != QLatin1String("..");
}

AssetResolution resolveAsset(const QString& nameOrPath, const AssetLocations& locations) {
    AssetResolution r;
    r.name = nameOrPath;
    auto tryFile = [&r](const QString& candidate) {
        r.searched << candidate;
        if (!QFileInfo(candidate).isFile()) return false;
        r.path = QFileInfo(candidate).absoluteFilePath();
        return true;
    };
    if (!isAssetName(nameOrPath)) {
        tryFile(nameOrPath);
        return r;
    }
    const QString explicitPath = locations.explicitPaths.value(nameOrPath);
    if (!explicitPath.isEmpty() && tryFile(explicitPath)) return r;
    for (const QString& folder : locations.folders)
        if (tryFile(QDir(folder).filePath(nameOrPath))) return r;
    return r;
}

}  // namespace archival::pipeline
