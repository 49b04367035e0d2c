#include <filesystem>

#include "engine/errors.h"
#include "engine/generation.h"
#include "engine/pipelines/model_folder.h"
#include "engine/pipelines/sd15_pipeline.h"
#include "engine/pipelines/sd3_pipeline.h"
#include "engine/runtime/host_block_cache.h"

namespace archival::engine {

std::unique_ptr<ImagePipeline> openPipeline(const std::string& path,
                                            const PipelineOptions& options) {
    namespace fs = std::filesystem;
    installHostBlockCache();  // before the first tensor: a step's activations reuse their blocks
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
        if (path.size() < 12 || path.compare(path.size() - 12, 12, ".safetensors") != 0)
            throw EngineError(ErrorKind::ModelLoad,
                              path + " is neither a model folder nor a .safetensors checkpoint");
        return Sd15Pipeline::open(path, options);  // single files: SD 1.x (original layout)
    }
    if (!fs::is_directory(path, ec))
        throw EngineError(ErrorKind::ModelLoad, "model not found: " + path);
    const ModelFolder folder = ModelFolder::open(path);
    if (folder.family == Family::Sd3) return Sd3Pipeline::open(path, options);
    return Sd15Pipeline::open(path, options);
}

}  // namespace archival::engine
