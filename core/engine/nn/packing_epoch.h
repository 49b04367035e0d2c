#pragma once
// Packed copies of weights (packed_conv.h, packed_linear.h) are made once, from the model's
// weight, which stays the tensor LoRA writes into. A write made in place must call
// weightsWrittenInPlace(): every copy made before it is then made again on its next use.

#include <cstdint>

namespace archival::engine::nn {

void weightsWrittenInPlace();
// Counts the calls above; a copy made under another value is stale.
std::uint64_t packingEpoch();

}  // namespace archival::engine::nn
