#include "engine/pipelines/image_tensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/errors.h"

namespace archival::engine {

at::Tensor decodedToUnit(const at::Tensor& decoded) {
    return (decoded.to(at::kFloat) / 2 + 0.5).clamp(0.0, 1.0);
}

at::Tensor unitToUint8(const at::Tensor& unit) {
    // at::round rounds half to even, like numpy's round in the reference.
    return (unit.permute({0, 2, 3, 1}).to(at::kCPU, at::kFloat) * 255)
        .round()
        .to(at::kByte)
        .contiguous();
}

std::vector<Image> uint8ToImages(const at::Tensor& nhwc) {
    std::vector<Image> out;
    for (std::int64_t b = 0; b < nhwc.size(0); ++b) {
        const at::Tensor one = nhwc[b].contiguous();
        Image img;
        img.height = static_cast<int>(one.size(0));
        img.width = static_cast<int>(one.size(1));
        img.rgb.resize(static_cast<std::size_t>(one.numel()));
        std::memcpy(img.rgb.data(), one.data_ptr<std::uint8_t>(), img.rgb.size());
        out.push_back(std::move(img));
    }
    return out;
}

at::Tensor initImageTensor(const Image& image, int width, int height) {
    if (image.empty() || image.width <= 0 || image.height <= 0 ||
        image.rgb.size() != static_cast<std::size_t>(image.width) * image.height * 3)
        throw EngineError(ErrorKind::InvalidRequest, "the init image is empty or malformed");
    at::Tensor t = at::from_blob(const_cast<std::uint8_t*>(image.rgb.data()),
                                 {image.height, image.width, 3}, at::kByte)
                       .permute({2, 0, 1})
                       .unsqueeze(0)
                       .to(at::kFloat);
    if (image.width != width || image.height != height) {
        // Scale to cover, then centre-crop: the picture keeps its proportions.
        const double scale = std::max(static_cast<double>(width) / image.width,
                                      static_cast<double>(height) / image.height);
        const auto sw = static_cast<std::int64_t>(std::ceil(image.width * scale - 1e-9));
        const auto sh = static_cast<std::int64_t>(std::ceil(image.height * scale - 1e-9));
        t = at::_upsample_bicubic2d_aa(
                t, {std::max<std::int64_t>(sh, height), std::max<std::int64_t>(sw, width)},
                /*align_corners=*/false)
                .clamp(0.0, 255.0);
        const std::int64_t top = (t.size(2) - height) / 2, left = (t.size(3) - width) / 2;
        t = t.slice(2, top, top + height).slice(3, left, left + width).contiguous();
    }
    return t / 255.0 * 2.0 - 1.0;
}

}  // namespace archival::engine
