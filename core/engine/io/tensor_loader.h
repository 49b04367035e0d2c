#pragma once
// Turns checkpoint entries into libtorch tensors: the bytes are read from the mapping and
// cast to the run dtype on the target device (F16/BF16 on disk become F32 on CPU, etc.).

#include <ATen/ATen.h>

#include "engine/io/checkpoint.h"

namespace archival::engine {

at::ScalarType toScalarType(DType dtype);
// The safetensors dtype of a libtorch type; throws InvalidRequest for types it has none for.
DType fromScalarType(at::ScalarType type);

// A zero-copy view of the mapped bytes, in the file's dtype. The mapping is read-only: a
// write into it faults, so whoever changes weights in place (LoRA merging) first gives the
// tensor bytes of its own with ownStorage(). The view keeps the mapping alive for as long
// as the tensor (or any view of its storage) lives.
at::Tensor viewTensor(const Checkpoint::Entry& entry);

// Whether a view of `entry` can stand for loadTensor(entry, dtype, device): the same dtype,
// on the CPU, at an address aligned for the type.
bool canView(const Checkpoint::Entry& entry, at::ScalarType dtype, const at::Device& device);

// The tensor for a model parameter: a view of the mapping when canView(), else a fresh
// tensor cast to `dtype` on `device`.
at::Tensor viewOrLoadTensor(const Checkpoint::Entry& entry, at::ScalarType dtype,
                            const at::Device& device);

// Whether `t`'s bytes live in a file mapping (made by viewTensor).
bool viewsFile(const at::Tensor& t);

// Gives `t`'s storage a private, writable copy of its bytes (every tensor sharing the
// storage sees the copy) and returns the bytes it had, for restoreStorage().
at::DataPtr ownStorage(const at::Tensor& t);
// Puts back the bytes ownStorage() took away, freeing the copy.
void restoreStorage(const at::Tensor& t, at::DataPtr&& original);

// A fresh tensor owned by libtorch, cast to `dtype` on `device`.
at::Tensor loadTensor(const Checkpoint::Entry& entry, at::ScalarType dtype,
                      at::Device device = at::kCPU);

}  // namespace archival::engine
