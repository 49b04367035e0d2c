#pragma once
// Where the studio looks for models, from the user's settings (QSettings):
//   models/explicitPaths  map of model id -> folder or .safetensors file
//   models/roots          list of model root folders (<root>/ORG/NAME)
//   models/huggingFaceHub the hub cache (default: $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/...)

#include "pipeline/model_resolver.h"

namespace archival::app {

pipeline::ModelLocations modelLocationsFromSettings();

}  // namespace archival::app
