#pragma once
// A read-only memory mapping of a whole file. Tensors loaded from safetensors point into
// it without copying; whoever holds a shared_ptr keeps the mapping alive.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace archival::engine {

class MappedFile {
  public:
    // Throws EngineError(Storage) naming the file when it cannot be opened or mapped.
    static std::shared_ptr<const MappedFile> open(const std::string& path);
    // Wraps bytes already in memory (tests, fuzzing): the buffer is copied.
    static std::shared_ptr<const MappedFile> fromBytes(std::string bytes, std::string name);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::byte* data() const { return data_; }
    // Copies `size` bytes at `offset` into `dst` with pread(): for bulk loads this beats
    // touching the mapping, whose first access costs a page fault per 4 KiB page.
    // Throws EngineError(Storage) on a read error or a short file.
    void read(std::uint64_t offset, std::uint64_t size, void* dst) const;
    std::uint64_t size() const { return size_; }
    const std::string& path() const { return path_; }

  private:
    MappedFile() = default;
    const std::byte* data_ = nullptr;
    std::uint64_t size_ = 0;
    std::string path_;
    bool mapped_ = false;  // false: data_ points into owned_
    int fd_ = -1;          // kept open for read()
    std::string owned_;
};

}  // namespace archival::engine
