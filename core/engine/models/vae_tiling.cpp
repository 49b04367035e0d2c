#include "engine/models/vae_tiling.h"

#include <algorithm>

namespace archival::engine::vae {
namespace {

// Cross-fade over the first `extent` rows (dim 2) or columns (dim 3) of `current`, from the
// matching last rows/columns of `previous`: diffusers blend_v / blend_h.
at::Tensor blend(const at::Tensor& previous, const at::Tensor& current, std::int64_t extent,
                 int dim) {
    extent = std::min({extent, previous.size(dim), current.size(dim)});
    if (extent <= 0) return current;
    std::vector<std::int64_t> shape(4, 1);
    shape[dim] = extent;
    const at::Tensor w =
        (at::arange(extent, current.options()) / static_cast<double>(extent)).view(shape);
    const at::Tensor tail = previous.narrow(dim, previous.size(dim) - extent, extent);
    at::Tensor out = current.clone();
    out.narrow(dim, 0, extent).copy_(tail * (1 - w) + current.narrow(dim, 0, extent) * w);
    return out;
}

}  // namespace

std::vector<std::int64_t> tileStarts(std::int64_t size, std::int64_t tile, std::int64_t stride) {
    std::vector<std::int64_t> starts{0};
    while (starts.back() + tile < size) starts.push_back(starts.back() + stride);
    return starts;
}

at::Tensor runTiled(const at::Tensor& input, const TileLayout& layout,
                    const std::function<at::Tensor(const at::Tensor&)>& run) {
    const auto rows = tileStarts(input.size(2), layout.tile, layout.stride);
    const auto cols = tileStarts(input.size(3), layout.tile, layout.stride);
    // Only the previous row of tiles is kept: memory stays at about two rows of output
    // tiles plus the result.
    std::vector<at::Tensor> above, stitchedRows;
    for (size_t r = 0; r < rows.size(); ++r) {
        const bool lastRow = r + 1 == rows.size();
        std::vector<at::Tensor> raw, current, cropped;
        for (size_t c = 0; c < cols.size(); ++c) {
            const bool lastCol = c + 1 == cols.size();
            const at::Tensor piece =
                input.narrow(2, rows[r], std::min(layout.tile, input.size(2) - rows[r]))
                    .narrow(3, cols[c], std::min(layout.tile, input.size(3) - cols[c]));
            raw.push_back(run(piece));
            // Vertical fade from the tile above as it came out of `run`, then horizontal fade
            // from the left tile as stitched (its right edge carries the same vertical fade).
            // Where four tiles overlap this is bilinear interpolation between them. diffusers
            // fades from the tile above *after* its own horizontal fade, which applies the
            // horizontal ramp twice in those corners (twice as steep); elsewhere the two agree.
            at::Tensor out = raw.back();
            if (r > 0) out = blend(above[c], out, layout.blendExtent, 2);
            if (c > 0) out = blend(current[c - 1], out, layout.blendExtent, 3);
            current.push_back(out);
            at::Tensor crop = out;
            if (!lastRow) crop = crop.narrow(2, 0, std::min(layout.outStride, crop.size(2)));
            if (!lastCol) crop = crop.narrow(3, 0, std::min(layout.outStride, crop.size(3)));
            cropped.push_back(crop);
        }
        stitchedRows.push_back(at::cat(cropped, 3));
        above = std::move(raw);
    }
    return at::cat(stitchedRows, 2);
}

}  // namespace archival::engine::vae
