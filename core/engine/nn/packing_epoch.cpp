#include "engine/nn/packing_epoch.h"

#include <atomic>

namespace archival::engine::nn {
namespace {
std::atomic<std::uint64_t> gEpoch{1};
}  // namespace

void weightsWrittenInPlace() {
    gEpoch.fetch_add(1);
}

std::uint64_t packingEpoch() {
    return gEpoch.load();
}

}  // namespace archival::engine::nn
