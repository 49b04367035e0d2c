#include "engine/io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/errors.h"

namespace archival::engine {

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw EngineError(ErrorKind::Storage, "cannot open " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw EngineError(ErrorKind::Storage, "not a regular file: " + path);
    }
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->path_ = path;
    file->size_ = static_cast<std::uint64_t>(st.st_size);
    if (file->size_ > 0) {
        void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            throw EngineError(ErrorKind::Storage, "cannot map " + path + ": " + std::strerror(err));
        }
        file->data_ = static_cast<const std::byte*>(p);
        file->mapped_ = true;
    }
    file->fd_ = fd;  // the mapping does not need it; read() does
    return file;
}

std::shared_ptr<const MappedFile> MappedFile::fromBytes(std::string bytes, std::string name) {
    std::shared_ptr<MappedFile> file(new MappedFile());
    file->owned_ = std::move(bytes);
    file->path_ = std::move(name);
    file->size_ = file->owned_.size();
    file->data_ = reinterpret_cast<const std::byte*>(file->owned_.data());
    return file;
}

MappedFile::~MappedFile() {
    if (mapped_) ::munmap(const_cast<std::byte*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
}

void MappedFile::read(std::uint64_t offset, std::uint64_t size, void* dst) const {
    if (offset > size_ || size > size_ - offset)
        throw EngineError(ErrorKind::Internal, "read past the end of " + path_);
    if (fd_ < 0) {
        std::memcpy(dst, data_ + offset, size);
        return;
    }
    auto* out = static_cast<char*>(dst);
    while (size > 0) {
        const ssize_t n = ::pread(fd_, out, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw EngineError(
                ErrorKind::Storage,
                "cannot read " + path_ + ": " + (n < 0 ? std::strerror(errno) : "file shrank"));
        out += n;
        offset += static_cast<std::uint64_t>(n);
        size -= static_cast<std::uint64_t>(n);
    }
}

}  // namespace archival::engine
