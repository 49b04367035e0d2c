#pragma once
// A checkpoint = one safetensors file, or several shards listed by a
// `*.safetensors.index.json` (the layout of large Hugging Face models such as T5-XXL or
// the SD 3.5 transformer). Names are unique across shards.

#include <map>
#include <string>
#include <vector>

#include "engine/io/safetensors.h"

namespace archival::engine {

class Checkpoint {
  public:
    struct Entry {
        const SafetensorsFile* file = nullptr;
        const TensorInfo* info = nullptr;
    };

    // `path` is a .safetensors file, a *.safetensors.index.json, or a folder that holds
    // exactly one of those (full-precision files are preferred over `.fp16.` variants).
    // Throws EngineError(ModelLoad/Storage) naming the file and the problem.
    static Checkpoint open(const std::string& path);

    // Finds the weights file a folder holds, by the rules above; throws when there is none.
    static std::string locate(const std::string& folder);

    Checkpoint(Checkpoint&&) = default;
    Checkpoint& operator=(Checkpoint&&) = default;
    Checkpoint(const Checkpoint&) = delete;  // entries point into shards_
    Checkpoint& operator=(const Checkpoint&) = delete;

    const Entry* find(const std::string& name) const;
    const std::map<std::string, Entry>& entries() const { return entries_; }
    const std::vector<SafetensorsFile>& shards() const { return shards_; }
    const std::string& path() const { return path_; }
    std::uint64_t totalBytes() const;

  private:
    Checkpoint() = default;
    std::string path_;
    std::vector<SafetensorsFile> shards_;
    std::map<std::string, Entry> entries_;
};

}  // namespace archival::engine
