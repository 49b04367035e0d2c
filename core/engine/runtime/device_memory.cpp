// Device memory readings for the pipeline factory's budget and the studio's memory panel.
#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "engine/errors.h"
#include "engine/generation.h"
#include "engine/runtime/device.h"
#include "engine/runtime/host_block_cache.h"
#include "engine/runtime/host_memory.h"

// CUDA statistics need the CUDA headers next to a CUDA build of libtorch; a CPU-only build
// (or a machine without the toolkit) reports CPU memory only.
#if __has_include(<c10/cuda/CUDACachingAllocator.h>) && __has_include(<cuda_runtime_api.h>)
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#define ARCHIVAL_CUDA_STATS 1
#endif

namespace archival::engine {
namespace {

// /proc/meminfo values are in kB.
std::uint64_t meminfoBytes(const std::string& key) {
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, key.size() + 1, key + ":") != 0) continue;
        std::istringstream fields(line.substr(key.size() + 1));
        std::uint64_t kb = 0;
        fields >> kb;
        return kb * 1024;
    }
    return 0;
}

// A simulated budget caps what the device reports, so everything that budgets against
// deviceMemory() (the pipeline factory) sees the smaller machine.
DeviceMemory capped(DeviceMemory m) {
    if (const auto budget = simulatedDeviceBudget()) {
        m.totalBytes = m.totalBytes ? std::min(m.totalBytes, *budget) : *budget;
        m.freeBytes = std::min(m.freeBytes ? m.freeBytes : *budget, *budget);
    }
    return m;
}

DeviceMemory measuredDeviceMemory(const Device& asked);

}  // namespace

std::optional<std::uint64_t> byteSizeVariable(const char* name) {
    const char* text = std::getenv(name);
    if (!text || !*text) return std::nullopt;
    char* end = nullptr;
    const double value = std::strtod(text, &end);
    double unit = 1;
    if (end && *end) {
        switch (*end) {
            case 'K':
            case 'k':
                unit = 1024.0;
                break;
            case 'M':
            case 'm':
                unit = 1024.0 * 1024;
                break;
            case 'G':
            case 'g':
                unit = 1024.0 * 1024 * 1024;
                break;
            default:
                unit = 0;
        }
        if (unit != 0 && end[1] != '\0') unit = 0;
    }
    if (end == text || unit == 0 || !(value >= 0))
        throw EngineError(ErrorKind::InvalidRequest,
                          std::string(name) + " is not a size: " + text +
                              " (bytes, or a number followed by K, M or G)");
    return static_cast<std::uint64_t>(value * unit);
}

std::optional<std::uint64_t> simulatedDeviceBudget() {
    const auto budget = byteSizeVariable("ARCHIVAL_DEVICE_MEMORY_BUDGET");
    if (budget && *budget == 0)
        throw EngineError(ErrorKind::InvalidRequest,
                          "ARCHIVAL_DEVICE_MEMORY_BUDGET must be more than 0");
    return budget;
}

std::uint64_t physicalMemoryBytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long pageSize = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? static_cast<std::uint64_t>(pages) * pageSize : 0;
}

void returnFreedHostMemory() {
    releaseHostBlockCache();
    ::malloc_trim(0);
}

DeviceMemory deviceMemory(const Device& asked) {
    DeviceMemory m = measuredDeviceMemory(asked);
    try {
        return capped(m);
    } catch (const EngineError&) {
        return m;  // never throws (see generation.h); the pipeline reports the bad setting
    }
}

namespace {

DeviceMemory measuredDeviceMemory(const Device& asked) {
    DeviceMemory m;
    try {
        const at::Device device = resolveDevice(asked);
        m.device = publicDevice(device);
        if (device.is_cuda()) {
            m.cuda = true;
#ifdef ARCHIVAL_CUDA_STATS
            const auto index = device.has_index() ? device.index() : c10::cuda::current_device();
            using c10::CachingAllocator::StatType;
            const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(index);
            const auto all = static_cast<std::size_t>(StatType::AGGREGATE);
            m.allocatedBytes = stats.allocated_bytes[all].current;
            m.reservedBytes = stats.reserved_bytes[all].current;
            m.peakAllocatedBytes = stats.allocated_bytes[all].peak;
            std::size_t freeBytes = 0, totalBytes = 0;
            // The CUDA runtime libtorch itself loaded, found at run time: linking one here
            // could pull in a second, different runtime from the build machine's toolkit.
            using MemGetInfo = int (*)(std::size_t*, std::size_t*);
            const auto memGetInfo =
                reinterpret_cast<MemGetInfo>(::dlsym(RTLD_DEFAULT, "cudaMemGetInfo"));
            if (memGetInfo && memGetInfo(&freeBytes, &totalBytes) == 0) {
                m.totalBytes = totalBytes;
                // What torch holds but does not use is free for our purposes.
                m.freeBytes = freeBytes + (m.reservedBytes - m.allocatedBytes);
            }
#endif
            return m;
        }
    } catch (const std::exception&) {
        m.device = asked;
        return m;
    }
    m.totalBytes = meminfoBytes("MemTotal");
    m.freeBytes = meminfoBytes("MemAvailable");
    return m;
}

}  // namespace

void releaseCachedDeviceMemory() {
    releaseHostBlockCache();  // the CPU's counterpart: freed tensor blocks kept for reuse
#ifdef ARCHIVAL_CUDA_STATS
    if (at::hasCUDA()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

}  // namespace archival::engine
