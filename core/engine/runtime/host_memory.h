#pragma once
// Host memory the engine hands back and the budget it plans against.

#include <cstdint>
#include <optional>

namespace archival::engine {

// Returns heap pages freed by released components to the system. glibc keeps freed chunks
// below its mmap threshold (most weights under 32 MB) mapped, so without this a process's
// resident memory does not shrink when a component is dropped.
// Also unmaps the blocks the tensor block cache holds.
void returnFreedHostMemory();

// The machine's physical memory (0 when the system does not say).
std::uint64_t physicalMemoryBytes();

// A device memory budget set from outside to simulate a smaller machine or card
// (ARCHIVAL_DEVICE_MEMORY_BUDGET: bytes, or a number with K, M or G for KiB, MiB, GiB);
// none when unset. Throws EngineError(InvalidRequest) when it is set but not a size.
std::optional<std::uint64_t> simulatedDeviceBudget();

// The size an environment variable holds: bytes, or a number followed by K, M or G (KiB,
// MiB, GiB); none when unset or empty. Throws EngineError(InvalidRequest) naming the variable
// when it is set but not a size (or negative).
std::optional<std::uint64_t> byteSizeVariable(const char* name);

// The capacity of the cache of freed tensor blocks (runtime/host_block_cache.h); 0 switches it
// off.
inline constexpr const char* kHostCacheVariable = "ARCHIVAL_HOST_CACHE";

}  // namespace archival::engine
