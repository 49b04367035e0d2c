#include "engine/runtime/host_block_cache.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "engine/runtime/host_memory.h"

namespace archival::engine {
namespace {

// Every large block handed out, by address, with the cache it goes back to. One registry for
// all caches, because the deleter libtorch calls gets only the address. Never destroyed:
// tensors freed during static destruction still find it.
struct Registry {
    std::mutex mutex;
    struct Live {
        HostBlockCache* owner;  // null once its cache is gone
        std::size_t bytes;
    };
    std::unordered_map<void*, Live> live;
};

Registry& registry() {
    static Registry* const r = new Registry;
    return *r;
}

std::size_t roundUp(std::size_t bytes, std::size_t granule) {
    return (bytes + granule - 1) / granule * granule;
}

// The size a request is mapped and cached at. Large blocks take whole huge pages, the rest
// whole 64 KiB: the cache matches sizes, and a tail no tensor touches costs no memory, but a
// huge page is resident as soon as one byte of it is.
std::size_t blockBytes(std::size_t bytes) {
    return roundUp(bytes, bytes >= HostBlockCache::kHugeBlockBytes ? HostBlockCache::kGranuleBytes
                                                                   : std::size_t{64} << 10);
}

// A mapping of `bytes` (a multiple of 64 KiB); a large one starts on a huge-page boundary so
// that the kernel can back it with transparent huge pages (fewer faults on first touch, fewer
// TLB misses after). Null when the system has no memory for it.
void* mapBlock(std::size_t bytes) {
    const bool huge = bytes >= HostBlockCache::kHugeBlockBytes;
    const std::size_t slack = huge ? HostBlockCache::kGranuleBytes : 0;
    void* raw =
        ::mmap(nullptr, bytes + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    if (!huge) return raw;
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = roundUp(start, slack);
    if (aligned > start) ::munmap(raw, aligned - start);
    const std::uintptr_t end = start + bytes + slack;
    if (end > aligned + bytes)
        ::munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
    void* block = reinterpret_cast<void*>(aligned);
    ::madvise(block, bytes, MADV_HUGEPAGE);  // advice only: without THP the pages stay small
    return block;
}

}  // namespace

HostBlockCache::HostBlockCache(std::size_t capacityBytes) : capacity_(capacityBytes) {}

HostBlockCache::~HostBlockCache() {
    std::lock_guard<std::mutex> lock(registry().mutex);
    for (auto& [data, live] : registry().live)
        if (live.owner == this) live.owner = nullptr;
    for (const Cached& c : byAge_) ::munmap(c.data, c.bytes);
}

c10::DataPtr HostBlockCache::allocate(std::size_t bytes) {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (bytes < kMinBlockBytes) {
        void* data = c10::alloc_cpu(bytes);
        return {data, data, &deleteBlock, cpu};
    }
    const std::size_t rounded = blockBytes(bytes);
    Registry& r = registry();
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        // A cached block up to an eighth larger serves too: shapes of one model differ by
        // little, and the unused tail of a block is never touched (costs no memory).
        const auto it = bySize_.lower_bound(rounded);
        if (it != bySize_.end() && it->first <= rounded + rounded / 8) {
            const Cached c = *it->second;
            byAge_.erase(it->second);
            bySize_.erase(it);
            cached_ -= c.bytes;
            ++hits_;
            r.live[c.data] = {this, c.bytes};
            return {c.data, c.data, &deleteBlock, cpu};
        }
        ++misses_;
    }
    void* data = mapBlock(rounded);
    if (!data) {
        release();  // the cached blocks may be what the system lacks
        data = mapBlock(rounded);
    }
    TORCH_CHECK_WITH(OutOfMemoryError, data != nullptr, "CPU out of memory: could not map ",
                     rounded, " bytes for a tensor");
    std::lock_guard<std::mutex> lock(r.mutex);
    r.live[data] = {this, rounded};
    return {data, data, &deleteBlock, cpu};
}

c10::DeleterFnPtr HostBlockCache::raw_deleter() const {
    return &deleteBlock;
}

void HostBlockCache::copy_data(void* dest, const void* src, std::size_t count) const {
    default_copy_data(dest, src, count);
}

void HostBlockCache::deleteBlock(void* data) {
    if (!data) return;
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const auto it = r.live.find(data);
    if (it == r.live.end()) {
        c10::free_cpu(data);  // a small block: c10's own
        return;
    }
    const Registry::Live live = it->second;
    r.live.erase(it);
    if (live.owner)
        live.owner->recycle(data, live.bytes);
    else
        ::munmap(data, live.bytes);
}

void HostBlockCache::recycle(void* data, std::size_t bytes) {
    if (bytes > capacity_) {
        ::munmap(data, bytes);
        return;
    }
    while (cached_ + bytes > capacity_) evictOldest();
    byAge_.push_back({data, bytes});
    bySize_.emplace(bytes, std::prev(byAge_.end()));
    cached_ += bytes;
}

void HostBlockCache::evictOldest() {
    const Cached c = byAge_.front();
    auto range = bySize_.equal_range(c.bytes);
    for (auto it = range.first; it != range.second; ++it)
        if (it->second == byAge_.begin()) {
            bySize_.erase(it);
            break;
        }
    byAge_.pop_front();
    cached_ -= c.bytes;
    ::munmap(c.data, c.bytes);
}

std::size_t HostBlockCache::release() {
    std::lock_guard<std::mutex> lock(registry().mutex);
    const std::size_t freed = cached_;
    while (!byAge_.empty()) evictOldest();
    return freed;
}

std::size_t HostBlockCache::cachedBytes() const {
    std::lock_guard<std::mutex> lock(registry().mutex);
    return cached_;
}

std::size_t HostBlockCache::hits() const {
    std::lock_guard<std::mutex> lock(registry().mutex);
    return hits_;
}

std::size_t HostBlockCache::misses() const {
    std::lock_guard<std::mutex> lock(registry().mutex);
    return misses_;
}

namespace {
std::mutex gInstallMutex;
HostBlockCache* gInstalled = nullptr;
bool gDecided = false;
}  // namespace

HostBlockCache* installHostBlockCache() {
    std::lock_guard<std::mutex> lock(gInstallMutex);
    if (gDecided) return gInstalled;
    const std::optional<std::uint64_t> asked = byteSizeVariable(kHostCacheVariable);
    const std::uint64_t capacity =
        asked ? *asked
              : std::min<std::uint64_t>(physicalMemoryBytes() / 16, std::uint64_t{2} << 30);
    gDecided = true;
    if (capacity == 0) return nullptr;
    // Never deleted: tensors it served may be freed at any time until the process ends.
    gInstalled = new HostBlockCache(static_cast<std::size_t>(capacity));
    // Above c10's own CPU allocator (registered at priority 0).
    c10::SetCPUAllocator(gInstalled, /*priority=*/1);
    return gInstalled;
}

void releaseHostBlockCache() {
    HostBlockCache* cache = nullptr;
    {
        std::lock_guard<std::mutex> lock(gInstallMutex);
        cache = gInstalled;
    }
    if (cache) cache->release();
}

}  // namespace archival::engine
