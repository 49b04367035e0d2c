#include "engine/io/tensor_loader.h"

#include <c10/core/CPUAllocator.h>

#include <cstdint>
#include <memory>

#include "engine/errors.h"
#include "engine/io/mapped_file.h"

namespace archival::engine {
namespace {

// The context of a view's storage: it holds the mapping. Its deleter also marks the storage
// as file-backed, which is how viewsFile() recognises one.
using MappingHold = std::shared_ptr<const MappedFile>;
void releaseMappingHold(void* hold) {
    delete static_cast<MappingHold*>(hold);
}

}  // namespace

at::ScalarType toScalarType(DType dtype) {
    switch (dtype) {
        case DType::F64:
            return at::kDouble;
        case DType::F32:
            return at::kFloat;
        case DType::F16:
            return at::kHalf;
        case DType::BF16:
            return at::kBFloat16;
        case DType::I64:
            return at::kLong;
        case DType::I32:
            return at::kInt;
        case DType::I16:
            return at::kShort;
        case DType::I8:
            return at::kChar;
        case DType::U8:
            return at::kByte;
        case DType::Bool:
            return at::kBool;
    }
    throw EngineError(ErrorKind::Internal, "unhandled dtype");
}

DType fromScalarType(at::ScalarType type) {
    for (DType d : {DType::F64, DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32,
                    DType::I16, DType::I8, DType::U8, DType::Bool})
        if (toScalarType(d) == type) return d;
    throw EngineError(ErrorKind::InvalidRequest,
                      std::string("no safetensors dtype for ") + c10::toString(type));
}

at::Tensor viewTensor(const Checkpoint::Entry& entry) {
    void* data = const_cast<std::byte*>(entry.file->data(*entry.info));
    return at::for_blob(data, entry.info->shape)
        .context(new MappingHold(entry.file->mapping()), &releaseMappingHold)
        .options(at::TensorOptions().dtype(toScalarType(entry.info->dtype)))
        .make_tensor();
}

bool canView(const Checkpoint::Entry& entry, at::ScalarType dtype, const at::Device& device) {
    const auto type = toScalarType(entry.info->dtype);
    const auto address = reinterpret_cast<std::uintptr_t>(entry.file->data(*entry.info));
    return device.is_cpu() && type == dtype && address % c10::elementSize(type) == 0;
}

at::Tensor viewOrLoadTensor(const Checkpoint::Entry& entry, at::ScalarType dtype,
                            const at::Device& device) {
    return canView(entry, dtype, device) ? viewTensor(entry) : loadTensor(entry, dtype, device);
}

bool viewsFile(const at::Tensor& t) {
    return t.defined() && t.has_storage() &&
           t.storage().data_ptr().get_deleter() == &releaseMappingHold;
}

at::DataPtr ownStorage(const at::Tensor& t) {
    c10::StorageImpl* storage = t.storage().unsafeGetStorageImpl();
    const std::size_t bytes = storage->nbytes();
    const at::Device device = storage->device();
    at::DataPtr copy = c10::GetAllocator(device.type())->allocate(bytes);
    if (bytes > 0) {
        const auto asBytes = [&](void* p) {
            return at::from_blob(p, {static_cast<std::int64_t>(bytes)},
                                 at::TensorOptions().dtype(at::kByte).device(device));
        };
        asBytes(copy.get()).copy_(asBytes(const_cast<void*>(storage->data())));
    }
    return storage->set_data_ptr(std::move(copy));
}

void restoreStorage(const at::Tensor& t, at::DataPtr&& original) {
    t.storage().unsafeGetStorageImpl()->set_data_ptr_noswap(std::move(original));
}

at::Tensor loadTensor(const Checkpoint::Entry& entry, at::ScalarType dtype, at::Device device) {
    // Read the bytes into a fresh tensor (never aliasing the read-only mapping), then cast
    // and move; reading beats faulting the mapping in page by page.
    at::Tensor native =
        at::empty(entry.info->shape, at::TensorOptions().dtype(toScalarType(entry.info->dtype)));
    const SafetensorsFile& file = *entry.file;
    file.mapping()->read(file.headerSize() + entry.info->begin, entry.info->byteSize(),
                         native.data_ptr());
    if (native.scalar_type() == dtype && device.is_cpu()) return native;
    return native.to(device, dtype);
}

}  // namespace archival::engine
