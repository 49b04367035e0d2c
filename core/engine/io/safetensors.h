#pragma once
// Reader for the safetensors format (https://github.com/huggingface/safetensors):
// 8-byte little-endian header length, a JSON header, then the raw tensor bytes.
// The file is memory-mapped and tensors are exposed as views into the mapping.
//
// The reader treats every file as hostile: a header that lies about its length, offsets
// outside the data area or overlapping, a shape that does not match the byte range, an
// unknown dtype or a duplicated name is rejected with an EngineError(ModelLoad) that
// names the file and the problem. No byte outside the file is ever read.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/io/mapped_file.h"

namespace archival::engine {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool };

// The safetensors spelling ("F32", "BF16", ...).
const char* dtypeName(DType dtype);
std::optional<DType> dtypeFromName(std::string_view name);
std::size_t dtypeSize(DType dtype);
bool isFloatingPoint(DType dtype);

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0;  // byte offsets relative to the start of the data area
    std::uint64_t end = 0;

    std::int64_t numel() const;
    std::uint64_t byteSize() const { return end - begin; }
};

class SafetensorsFile {
  public:
    // Opens and validates a file. Throws EngineError (Storage or ModelLoad).
    static SafetensorsFile open(const std::string& path);
    // Validates bytes already mapped (used by open() and by the fuzz test).
    static SafetensorsFile parse(std::shared_ptr<const MappedFile> file);

    const std::string& path() const { return file_->path(); }
    // Sorted by name.
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const TensorInfo* find(std::string_view name) const;
    // The optional "__metadata__" block (string to string).
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    // Pointer to a tensor's first byte inside the mapping.
    const std::byte* data(const TensorInfo& info) const;
    const std::shared_ptr<const MappedFile>& mapping() const { return file_; }
    std::uint64_t headerSize() const { return dataStart_; }

  private:
    std::shared_ptr<const MappedFile> file_;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::string> metadata_;
    std::uint64_t dataStart_ = 0;
};

// Writes a safetensors header for the given tensors (offsets assigned contiguously in the
// order given) and returns the bytes of the 8-byte length + JSON header. Used to build
// synthetic checkpoints and test files; the data area follows it.
std::string makeSafetensorsHeader(std::vector<TensorInfo>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

}  // namespace archival::engine
