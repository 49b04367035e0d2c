#include "engine/pipelines/loaded_pipeline.h"

#include "engine/runtime/device.h"

namespace archival::engine {

Device LoadedPipeline::device() const {
    return publicDevice(device_);
}

Dtype LoadedPipeline::dtype() const {
    return publicDtype(dtype_);
}

std::uint64_t LoadedPipeline::parameterBytes() const {
    std::uint64_t n = 0;
    for (const auto& c : residentComponents()) n += c.bytes;
    return n;
}

}  // namespace archival::engine
