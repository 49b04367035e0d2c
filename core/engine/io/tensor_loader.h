#pragma once
// Turns checkpoint entries into libtorch tensors: the bytes are read from the mapping and
// cast to the run dtype on the target device (F16/BF16 on disk become F32 on CPU, etc.).

#include <ATen/ATen.h>

#include "engine/io/checkpoint.h"

namespace archival::engine {

at::ScalarType toScalarType(DType dtype);
// The safetensors dtype of a libtorch type; throws InvalidRequest for types it has none for.
DType fromScalarType(at::ScalarType type);

// A zero-copy view of the mapped bytes. Read-only: never write into it. It keeps the
// mapping alive for as long as the tensor lives.
at::Tensor viewTensor(const Checkpoint::Entry& entry);

// A fresh tensor owned by libtorch, cast to `dtype` on `device`.
at::Tensor loadTensor(const Checkpoint::Entry& entry, at::ScalarType dtype,
                      at::Device device = at::kCPU);

}  // namespace archival::engine
