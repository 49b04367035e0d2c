#pragma once
// What machine a figure came from: every benchmark prints it, since figures from different
// CPUs or thread counts are not comparable.
#include <string>

namespace archival::bench {

// The CPU's model name (/proc/cpuinfo), or "unknown CPU".
std::string cpuModel();
// "<cpu model>, N threads[, bf16: AMX AVX512-BF16]": the line benchmarks print first.
std::string hostLine();

}  // namespace archival::bench
