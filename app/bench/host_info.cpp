#include "host_info.h"

#include <ATen/Parallel.h>
#include <ATen/cpu/Utils.h>

#include <fstream>

namespace archival::bench {

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon != std::string::npos && colon + 2 <= line.size()) return line.substr(colon + 2);
    }
    return "unknown CPU";
}

std::string hostLine() {
    std::string bf16;
    if (at::cpu::is_amx_tile_supported()) bf16 += " AMX";
    if (at::cpu::is_avx512_bf16_supported()) bf16 += " AVX512-BF16";
    return cpuModel() + ", " + std::to_string(at::get_num_threads()) +
           " threads, bf16 hardware:" + (bf16.empty() ? std::string(" none") : bf16);
}

}  // namespace archival::bench
