#include "model_locations_settings.h"

#include <QSettings>

#include "pipeline/studio_settings.h"

namespace archival::app {

pipeline::ModelLocations modelLocationsFromSettings() {
    return pipeline::modelLocationsFromSettings(QSettings());
}

}  // namespace archival::app
