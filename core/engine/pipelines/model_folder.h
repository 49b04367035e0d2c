#pragma once
// A diffusers pipeline folder (the layout `huggingface-cli download` gives): which family
// it is and where each component lives, from model_index.json.

#include <map>
#include <string>

#include "engine/generation.h"

namespace archival::engine {

struct ModelFolder {
    std::string root;
    std::string pipelineClass;  // "StableDiffusionPipeline", ...
    Family family = Family::Sd15;
    std::map<std::string, std::string> components;  // name -> sub-folder, null entries skipped

    // Throws EngineError(ModelLoad) naming the folder when model_index.json is missing,
    // broken or names a pipeline this engine does not run.
    static ModelFolder open(const std::string& root);
    // The component's folder; throws ModelLoad naming it when absent.
    std::string path(const std::string& component) const;
    bool has(const std::string& component) const;
};

}  // namespace archival::engine
