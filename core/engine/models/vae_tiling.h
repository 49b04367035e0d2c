#pragma once
// Overlapping tiles with linear cross-fades: how AutoencoderKL decodes and encodes images
// too large to run at once (diffusers AutoencoderKL.tiled_decode / tiled_encode, with
// blend_v / blend_h). Kept apart from the model so that the stitching can be checked on
// its own, with functions whose exact tiled result is known.

#include <ATen/ATen.h>

#include <functional>
#include <vector>

namespace archival::engine::vae {

// Start offsets of the tiles along one axis: every `stride`, up to the first tile that
// reaches the end. The last tile may be shorter than `tile`, but it always overlaps its
// neighbour by the full `tile - stride`: no tile lies inside another (diffusers keeps
// stepping until the start passes the end, which can add such redundant slivers).
std::vector<std::int64_t> tileStarts(std::int64_t size, std::int64_t tile, std::int64_t stride);

struct TileLayout {
    std::int64_t tile = 0;         // tile side, in input pixels
    std::int64_t stride = 0;       // tile - overlap, in input pixels
    std::int64_t outStride = 0;    // the stride in output pixels
    std::int64_t blendExtent = 0;  // the overlap in output pixels
};

// Runs `run` on each square tile of `input` (NCHW) in row-major order and stitches the
// outputs. Across each overlap the output fades linearly from one tile to the next over
// `blendExtent` rows/columns (weight of the new tile y/extent at offset y, as diffusers'
// blend_v/blend_h), bilinearly where four tiles overlap; each tile is cropped to `outStride`
// except in the last row/column. Every output pixel is thus a convex combination of the
// outputs of the tiles that cover it, and where one tile alone covers it, it is that tile's
// output exactly.
at::Tensor runTiled(const at::Tensor& input, const TileLayout& layout,
                    const std::function<at::Tensor(const at::Tensor&)>& run);

}  // namespace archival::engine::vae
