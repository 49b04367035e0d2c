#include "engine/preview/latent_preview.h"

#include <cstring>

#include "engine/errors.h"

namespace archival::engine {

at::Tensor previewFactors(LatentFormat format) {
    if (format == LatentFormat::SD15) {
        // stable-diffusion.cpp src/runtime/latent-preview.h (rows: latent channel; cols: R, G, B).
        static const float f[4][3] = {{0.337366f, 0.216344f, 0.257386f},
                                      {0.165636f, 0.386828f, 0.046994f},
                                      {-0.267803f, 0.237036f, 0.223517f},
                                      {-0.178022f, -0.200862f, -0.678514f}};
        return at::from_blob(const_cast<float*>(&f[0][0]), {4, 3}, at::kFloat).clone();
    }
    // Stability AI sd3.5/sd3_impls.py lines 284–313.
    static const float f[16][3] = {{-0.0645f, 0.0177f, 0.1052f},   {0.0028f, 0.0312f, 0.0650f},
                                   {0.1848f, 0.0762f, 0.0360f},    {0.0944f, 0.0360f, 0.0889f},
                                   {0.0897f, 0.0506f, -0.0364f},   {-0.0020f, 0.1203f, 0.0284f},
                                   {0.0855f, 0.0118f, 0.0283f},    {-0.0539f, 0.0658f, 0.1047f},
                                   {-0.0057f, 0.0116f, 0.0700f},   {-0.0412f, 0.0281f, -0.0039f},
                                   {0.1106f, 0.1171f, 0.1220f},    {-0.0248f, 0.0682f, -0.0481f},
                                   {0.0815f, 0.0846f, 0.1207f},    {-0.0120f, -0.0055f, -0.0867f},
                                   {-0.0749f, -0.0634f, -0.0456f}, {-0.1418f, -0.1457f, -0.1259f}};
    return at::from_blob(const_cast<float*>(&f[0][0]), {16, 3}, at::kFloat).clone();
}

at::Tensor previewBias(LatentFormat format) {
    if (format == LatentFormat::SD15) return at::tensor({-0.017478f, -0.055834f, -0.105825f});
    return at::zeros({3}, at::kFloat);
}

at::Tensor projectLatentsToRgb(const at::Tensor& x0, LatentFormat format) {
    const at::Tensor factors = previewFactors(format);
    if (x0.dim() != 4 || x0.size(1) != factors.size(0))
        throw EngineError(ErrorKind::Internal, "preview: latents with " +
                                                   std::to_string(x0.size(1)) +
                                                   " channels do not match the latent format");
    const at::Tensor f = factors.to(x0.device());
    const at::Tensor b = previewBias(format).to(x0.device());
    // [B, C, h, w] -> [B, h, w, C] @ [C, 3]
    at::Tensor rgb = at::matmul(x0.to(at::kFloat).permute({0, 2, 3, 1}), f) + b;
    rgb = (rgb.clamp(-1.0, 1.0) + 1.0) * 127.5;
    return rgb.round().to(at::kByte).to(at::kCPU).contiguous();
}

Image toImage(const at::Tensor& hwc) {
    const at::Tensor t = hwc.to(at::kCPU).to(at::kByte).contiguous();
    Image img;
    img.height = static_cast<int>(t.size(0));
    img.width = static_cast<int>(t.size(1));
    img.rgb.resize(static_cast<std::size_t>(t.numel()));
    std::memcpy(img.rgb.data(), t.data_ptr<std::uint8_t>(), img.rgb.size());
    return img;
}

}  // namespace archival::engine
