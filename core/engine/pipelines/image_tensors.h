#pragma once
// Between pictures and tensors, exactly as the reference pipelines convert them.

#include <ATen/ATen.h>

#include <vector>

#include "engine/generation.h"

namespace archival::engine {

// Decoder output (about [-1, 1], NCHW) → [0, 1] (the reference's output_type "pt").
at::Tensor decodedToUnit(const at::Tensor& decoded);
// [0, 1] NCHW → NHWC uint8 on the CPU: round(x · 255) half to even, as numpy does.
at::Tensor unitToUint8(const at::Tensor& unit);
std::vector<Image> uint8ToImages(const at::Tensor& nhwc);

// An init image → [1, 3, height, width] in [-1, 1] (u8 / 255 · 2 − 1). A picture of another
// size is scaled to cover the target and centre-cropped (no distortion), with antialiased
// bicubic filtering. Throws InvalidRequest for an empty image.
at::Tensor initImageTensor(const Image& image, int width, int height);

}  // namespace archival::engine
