#include "engine/pipelines/model_folder.h"

#include <filesystem>

#include "engine/errors.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace fs = std::filesystem;

ModelFolder ModelFolder::open(const std::string& root) {
    ModelFolder f;
    f.root = root;
    const nlohmann::json index = readJsonFile((fs::path(root) / "model_index.json").string());
    f.pipelineClass = jsonValue<std::string>(index, "_class_name", "");
    if (f.pipelineClass.rfind("StableDiffusion3", 0) == 0)
        f.family = Family::Sd3;
    else if (f.pipelineClass == "StableDiffusionPipeline" ||
             f.pipelineClass == "StableDiffusionImg2ImgPipeline")
        f.family = Family::Sd15;
    else
        throw EngineError(ErrorKind::ModelLoad,
                          root + "/model_index.json names pipeline '" + f.pipelineClass +
                              "', which is neither Stable Diffusion 1.x nor 3.x");
    for (const auto& [key, value] : index.items()) {
        if (key.empty() || key[0] == '_' || !value.is_array() || value.size() != 2) continue;
        if (value[0].is_null() || value[1].is_null())
            continue;  // e.g. safety_checker: [null, null]
        f.components[key] = (fs::path(root) / key).string();
    }
    return f;
}

bool ModelFolder::has(const std::string& component) const {
    auto it = components.find(component);
    return it != components.end() && fs::is_directory(it->second);
}

std::string ModelFolder::path(const std::string& component) const {
    if (!has(component))
        throw EngineError(ErrorKind::ModelLoad,
                          "model folder " + root + " has no " + component + "/");
    return components.at(component);
}

}  // namespace archival::engine
