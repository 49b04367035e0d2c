#pragma once
// Cheap step previews: a linear latent→RGB projection of the model-space denoised
// estimate, at latent resolution (H/8 × W/8). Factors from ../shared/REFERENCE.md:
// SD 1.5 from stable-diffusion.cpp (MIT), SD 3/3.5 from Stability AI's sd3_impls.py (MIT).

#include <ATen/ATen.h>

#include "engine/generation.h"

namespace archival::engine {

enum class LatentFormat { SD15, SD3 };

// [C, 3] projection matrix and [3] bias (zeros for SD3) for a format.
at::Tensor previewFactors(LatentFormat format);
at::Tensor previewBias(LatentFormat format);

// x0: [B, C, h, w] model-space latents; returns [B, h, w, 3] uint8 on the CPU:
// clamp(x0ᵀF + b, −1, 1), (v + 1)·127.5, rounded.
at::Tensor projectLatentsToRgb(const at::Tensor& x0, LatentFormat format);

// [h, w, 3] uint8 (CPU, contiguous) to an Image.
Image toImage(const at::Tensor& hwcUint8);

}  // namespace archival::engine
