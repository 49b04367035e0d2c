#include "model_locations_settings.h"

#include <QSettings>
#include <QVariantMap>

namespace archival::app {

pipeline::ModelLocations modelLocationsFromSettings() {
    QSettings settings;
    pipeline::ModelLocations loc;
    const QVariantMap paths = settings.value(QStringLiteral("models/explicitPaths")).toMap();
    for (auto it = paths.begin(); it != paths.end(); ++it)
        loc.explicitPaths.insert(it.key(), it.value().toString());
    loc.modelRoots = settings.value(QStringLiteral("models/roots")).toStringList();
    loc.huggingFaceHub = settings
                             .value(QStringLiteral("models/huggingFaceHub"),
                                    pipeline::ModelLocations::defaultHubCache())
                             .toString();
    return loc;
}

}  // namespace archival::app
