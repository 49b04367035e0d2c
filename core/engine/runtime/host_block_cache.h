#pragma once
// libtorch's CPU allocator with freed large blocks kept for the next tensor of their size.
//
// Why: a denoising step or a VAE decode allocates and frees the same large activations over
// and over (at 512² an fp32 VAE activation is 134–268 MB). glibc maps every block over its
// mmap threshold (at most 32 MB) fresh and unmaps it on free, and a worker thread's arena
// does the same for anything over 64 MB whatever the threshold, so every such tensor starts
// with page faults on zeroed pages: an out-of-place SiLU over 134 MB takes 40 ms, 7 ms of it
// the arithmetic. Here blocks of 1 MiB and more are mapped by the cache (those of 32 MiB and
// more on transparent huge pages where the system allows them) and, once freed, wait in a cache of
// bounded size for the next request of their size. Smaller blocks go to c10's own allocator.
//
// Memory: the cache never holds more than its capacity, so a process's resident memory is at
// most its tensors' peak plus that. Blocks waited longest are unmapped first when it is full;
// release() unmaps them all (the pipelines call it when components are released and the
// factory before it budgets).

#include <c10/core/Allocator.h>

#include <cstddef>
#include <list>
#include <map>
#include <mutex>

namespace archival::engine {

class HostBlockCache final : public c10::Allocator {
  public:
    static constexpr std::size_t kMinBlockBytes = std::size_t{1} << 20;    // smaller: c10's own
    static constexpr std::size_t kGranuleBytes = std::size_t{2} << 20;     // one huge page
    static constexpr std::size_t kHugeBlockBytes = std::size_t{32} << 20;  // huge pages from here

    explicit HostBlockCache(std::size_t capacityBytes);
    // Unmaps the cached blocks. Blocks still in tensors stay mapped (a tensor may outlive the
    // cache; its block is then unmapped when it is freed).
    ~HostBlockCache() override;
    HostBlockCache(const HostBlockCache&) = delete;
    HostBlockCache& operator=(const HostBlockCache&) = delete;

    c10::DataPtr allocate(std::size_t bytes) override;
    // One deleter for every block this allocator hands out, large or small.
    c10::DeleterFnPtr raw_deleter() const override;
    void copy_data(void* dest, const void* src, std::size_t count) const override;

    // Unmaps every cached block; returns the bytes given back.
    std::size_t release();
    std::size_t cachedBytes() const;
    std::size_t capacityBytes() const { return capacity_; }
    // Large requests served from the cache, and those that mapped new memory.
    std::size_t hits() const;
    std::size_t misses() const;

  private:
    struct Cached {
        void* data;
        std::size_t bytes;
    };
    static void deleteBlock(void* data);
    void recycle(void* data, std::size_t bytes);  // called with the registry's lock held
    void evictOldest();                           // called with the registry's lock held

    const std::size_t capacity_;
    std::size_t cached_ = 0;
    std::size_t hits_ = 0;
    std::size_t misses_ = 0;
    std::list<Cached> byAge_;  // oldest first
    std::multimap<std::size_t, std::list<Cached>::iterator> bySize_;
};

// Installs one cache as libtorch's CPU allocator, the first time it is called, and returns
// it; null when the cache is switched off. Its capacity is ARCHIVAL_HOST_CACHE (bytes, or a
// number with K, M or G; 0 switches it off), else a sixteenth of the machine's memory, at
// most 2 GiB. Throws EngineError(InvalidRequest) when ARCHIVAL_HOST_CACHE is not a size.
HostBlockCache* installHostBlockCache();
// Unmaps the installed cache's blocks; nothing when none is installed.
void releaseHostBlockCache();

}  // namespace archival::engine
