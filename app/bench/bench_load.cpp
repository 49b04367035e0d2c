// `archival-bench load FILE`: how fast a checkpoint becomes tensors, next to the speed of a
// plain sequential read of the same bytes (the ceiling the loader can approach).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/io/tensor_loader.h"
#include "host_info.h"

namespace archival::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// Reads every shard file front to back in 8 MiB chunks.
std::uint64_t plainRead(const engine::Checkpoint& cp) {
    std::vector<char> buffer(8u << 20);
    std::uint64_t total = 0;
    for (const auto& shard : cp.shards()) {
        const int fd = ::open(shard.path().c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw engine::EngineError(engine::ErrorKind::Storage, "cannot open " + shard.path());
        ssize_t n;
        while ((n = ::read(fd, buffer.data(), buffer.size())) > 0)
            total += static_cast<std::uint64_t>(n);
        ::close(fd);
    }
    return total;
}

}  // namespace

int runLoad(const std::vector<std::string>& args) {
    if (args.size() != 1) {
        std::cerr << "usage: archival-bench load FILE|FOLDER|INDEX.json\n";
        return 2;
    }
    // Note: the first pass warms the page cache; both passes below read from it, so the
    // figures compare the loader's overhead against memory bandwidth, not the disk.
    auto t0 = Clock::now();
    const auto cp = engine::Checkpoint::open(args[0]);
    auto t1 = Clock::now();
    const std::uint64_t readBytes = plainRead(cp);
    auto t2 = Clock::now();
    const std::uint64_t readBytes2 = plainRead(cp);
    auto t3 = Clock::now();

    std::uint64_t loadedNative = 0;
    auto t4 = Clock::now();
    for (const auto& [name, entry] : cp.entries()) {
        auto t = engine::loadTensor(entry, engine::toScalarType(entry.info->dtype));
        loadedNative += t.nbytes();
    }
    auto t5 = Clock::now();
    std::uint64_t loadedF32 = 0;
    for (const auto& [name, entry] : cp.entries()) {
        if (!engine::isFloatingPoint(entry.info->dtype)) continue;
        auto t = engine::loadTensor(entry, at::kFloat);
        loadedF32 += entry.info->byteSize();
    }
    auto t6 = Clock::now();

    const double gb = 1e9;
    std::printf("host: %s\n", hostLine().c_str());
    std::printf("checkpoint      %s\n", cp.path().c_str());
    std::printf("shards          %zu, tensors %zu, data %.3f GB\n", cp.shards().size(),
                cp.entries().size(), cp.totalBytes() / gb);
    std::printf("open+header     %.4f s\n", seconds(t0, t1));
    std::printf("plain read      %.3f GB/s (cold %.3f GB/s)\n", readBytes2 / gb / seconds(t2, t3),
                readBytes / gb / seconds(t1, t2));
    std::printf("load (as is)    %.3f GB/s\n", loadedNative / gb / seconds(t4, t5));
    std::printf("load (to F32)   %.3f GB/s of file bytes\n", loadedF32 / gb / seconds(t5, t6));
    std::printf("threads         %d\n", at::get_num_threads());
    return 0;
}

}  // namespace archival::bench
