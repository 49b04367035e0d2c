#pragma once
// AutoencoderKL, the VAE of Stable Diffusion 1.5 (4 latent channels, quant convs) and of
// SD 3 / 3.5 (16 channels, no quant convs, a shift factor), as diffusers v0.31 defines it
// (`models/autoencoders/autoencoder_kl.py`).
//
// encode/decode work on the *raw* latent z of the autoencoder. The diffusion models work on
// the scaled latent: toLatent(z) = (z - shift) * scale, fromLatent(l) = l / scale + shift.
// Both are kept out of encode/decode on purpose: the pipelines (and the goldens) apply them
// explicitly, in diffusers' order of operations.

#include <ATen/ATen.h>

#include <algorithm>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"
#include "engine/models/vae_blocks.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

// `vae/config.json`. Defaults are diffusers v0.31's where a key is absent.
struct AutoencoderKLConfig {
    std::int64_t inChannels = 3;
    std::int64_t outChannels = 3;
    std::int64_t latentChannels = 4;
    std::vector<std::int64_t> blockOutChannels{64};
    int layersPerBlock = 1;
    std::int64_t normNumGroups = 32;
    std::int64_t sampleSize = 32;  // pixels; diffusers' default tile size for tiling
    double scalingFactor = 0.18215;
    std::optional<double> shiftFactor;  // null for SD 1.5, 0.0609 for SD 3 / 3.5
    bool useQuantConv = true;
    bool usePostQuantConv = true;
    bool midBlockAddAttention = true;
    // The model card's advice to run this VAE in float32 even in a half-precision pipeline
    // (the SD 1.5 VAE overflows in fp16). Read and exposed; the pipeline decides.
    bool forceUpcast = true;

    // Throws EngineError(ModelLoad) naming `origin` and the key for a value of the wrong
    // type, or for a VAE this class cannot run (other block types, activation, latents
    // mean/std normalisation).
    static AutoencoderKLConfig fromJson(const nlohmann::json& json, const std::string& origin);
    static AutoencoderKLConfig fromFile(const std::string& path);

    // Image pixels per latent pixel: 2^(number of blocks - 1), 8 for every SD VAE.
    std::int64_t spatialScale() const { return std::int64_t(1) << (blockOutChannels.size() - 1); }
    // diffusers' tile for tiled decoding: `sample_size` pixels, in latent pixels (64 for
    // SD 1.5, 128 for SD 3); it overlaps tiles by a quarter of that.
    std::int64_t defaultTileLatent() const {
        return std::max<std::int64_t>(1, sampleSize / spatialScale());
    }
};

class AutoencoderKL {
  public:
    // The diagonal Gaussian posterior q(z | image).
    struct Posterior {
        at::Tensor mean, logvar, std;  // logvar clamped to [-30, 20], std = exp(logvar / 2)
        // From the encoder's 2*C moment channels (mean first, then log-variance).
        static Posterior fromMoments(const at::Tensor& moments);
        // mean + std * eps. `eps` comes from the caller (the pipeline draws it from the
        // job's seeded generator, so that a seed reproduces the image).
        at::Tensor sample(const at::Tensor& eps) const { return mean + std * eps; }
    };

    AutoencoderKL(const AutoencoderKLConfig& config, const Scope& scope);

    // Raw latent z [B, latent, h, w] -> image [B, 3, h*8, w*8], unclamped, about [-1, 1].
    // The input is moved to the weights' device and dtype. `trace` sees each module's output
    // by its diffusers path ("post_quant_conv", "decoder.up_blocks.0", ...).
    at::Tensor decode(const at::Tensor& z, const vae::Trace& trace = nullptr) const;
    // Image in [-1, 1], NCHW -> posterior over the raw latent [B, latent, ceil(H/8), ceil(W/8)].
    // `trace` also sees "quant_conv" (when present), the moments.
    Posterior encode(const at::Tensor& image, const vae::Trace& trace = nullptr) const;

    // The same, one overlapping tile at a time, for images too large to run at once (the
    // mid-block attention is quadratic in the number of latent pixels). Tiles are
    // `tileLatent` latent pixels square and overlap by `overlapLatent`; overlaps are blended
    // linearly, as diffusers' tiled_decode/tiled_encode do, so seams do not show. The result
    // is close to, not equal to, the untiled one: each tile's GroupNorm statistics and
    // attention see only that tile. A latent that fits in one tile is decoded untiled.
    // Throws InvalidRequest unless 0 <= overlapLatent < tileLatent.
    at::Tensor tiledDecode(const at::Tensor& z, int tileLatent = 64, int overlapLatent = 16) const;
    Posterior tiledEncode(const at::Tensor& image, int tileLatent = 64,
                          int overlapLatent = 16) const;

    // Raw VAE latent <-> the diffusion model's latent space (scaling_factor, shift_factor).
    at::Tensor toLatent(const at::Tensor& z) const;
    at::Tensor fromLatent(const at::Tensor& latent) const;

    const AutoencoderKLConfig& config() const { return config_; }

  private:
    at::Tensor decodeOnce(const at::Tensor& z, const vae::Trace& trace) const;
    at::Tensor momentsOnce(const at::Tensor& image, const vae::Trace& trace) const;
    at::Tensor prepare(const at::Tensor& x) const;  // to the weights' device and dtype

    AutoencoderKLConfig config_;
    vae::Encoder encoder_;
    vae::Decoder decoder_;
    nn::Conv2d quantConv_, postQuantConv_;  // undefined when the config has none
};

// Builds the model from a checkpoint in any layout this engine knows (diffusers, diffusers
// with the legacy attention names, the original LDM layout with or without the
// `first_stage_model.` prefix; attention weights as linear or 1x1 conv), strictly: every
// missing, unexpected or mis-shaped tensor is named in an EngineError(ModelLoad).
// `parameters`, when given, receives every weight by the model's names and shapes (to build
// a copy on another device for a stage).
AutoencoderKL loadAutoencoderKL(const Checkpoint& checkpoint, const AutoencoderKLConfig& config,
                                at::ScalarType dtype, at::Device device,
                                std::map<std::string, at::Tensor>* parameters = nullptr);
// A diffusers `vae/` folder: config.json and the weights beside it.
AutoencoderKL loadAutoencoderKL(const std::string& folder, at::ScalarType dtype, at::Device device,
                                std::map<std::string, at::Tensor>* parameters = nullptr);

}  // namespace archival::engine
