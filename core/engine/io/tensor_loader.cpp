#include "engine/io/tensor_loader.h"

#include "engine/errors.h"

namespace archival::engine {

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
    auto keepAlive = entry.file->mapping();
    void* data = const_cast<std::byte*>(entry.file->data(*entry.info));
    return at::from_blob(
        data, entry.info->shape, [keepAlive](void*) mutable { keepAlive.reset(); },
        at::TensorOptions().dtype(toScalarType(entry.info->dtype)));
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
