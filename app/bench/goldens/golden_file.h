#pragma once
// A golden file of the fixtures: tensors of a safetensors file and its __metadata__. Qt-free,
// so that the engine's Qt tests and `archival-bench verify` (built where there is no Qt) read
// goldens the same way.

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"

namespace archival::goldens {

class GoldenFile {
  public:
    // Throws EngineError(ModelLoad/Storage) naming the file when it cannot be read.
    explicit GoldenFile(const std::string& path);
    const std::string& path() const { return checkpoint_.path(); }
    bool has(const std::string& name) const;
    // The stored tensor (F32 as float, I64 as long, U8 as byte), owned (copied). Throws
    // std::runtime_error naming the file and the tensor when it is absent.
    at::Tensor operator[](const std::string& name) const;
    // The __metadata__ value, parsed as JSON when it is JSON, else as a string; null if absent.
    nlohmann::json meta(const std::string& key) const;
    // The same as text ("" when absent; JSON values re-serialised).
    std::string metaText(const std::string& key) const;
    const engine::Checkpoint& checkpoint() const { return checkpoint_; }

    // Every case prefix P ("" for the main case, "odd_", "case2_", ...) for which the file
    // holds P + each of `names`, in name order. The first name decides what a case is.
    std::vector<std::string> casePrefixes(const std::vector<std::string>& names) const;

  private:
    engine::Checkpoint checkpoint_;
};

// The model folders a golden's `model` metadata names, relative to the fixtures: "models/x"
// (a pipeline folder or a component folder), or "unet: models/a, vae: models/b" when a loop
// mixes folders. `component` is "unet", "vae", "transformer": the folder that holds it (the
// named one, else model/component when that is a folder with a config.json, else model).
std::string componentFolder(const std::string& fixtures, const std::string& model,
                            const std::string& component);

// The engine's sampler name for a golden's resolved `scheduler_config` (its `_class_name`
// and options): "pndm", "dpmpp_2m_karras", "flowmatch_euler", ...; the class name itself
// when it is none of them (the engine's factory then names it in its error).
std::string samplerOfSchedulerConfig(const nlohmann::json& config);

}  // namespace archival::goldens
