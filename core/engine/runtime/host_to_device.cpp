#include "engine/runtime/host_to_device.h"

namespace archival::engine {

at::Tensor copyToDeviceAsync(const at::Tensor& host, const at::Device& device) {
    if (device.is_cpu()) return host;
    // The page-locked staging copy lives until the caching host allocator sees the copy
    // done (it records the stream), so it may go out of scope here.
    return host.pin_memory().to(device, /*non_blocking=*/true);
}

}  // namespace archival::engine
