#pragma once
// TAESD / TAESD3 decoder (madebyollin/taesd, MIT): a ~1.2 M-parameter distilled decoder for
// step previews, about 20x cheaper than the AutoencoderKL decoder.
//
// Structure (taesd.py `Decoder`, an nn.Sequential whose indices are the checkpoint keys):
//    0 Clamp: tanh(x / 3) * 3          (no weights)
//    1 conv 3x3 latent -> 64           2 ReLU
//    3-5 Block x3                      6 Upsample x2 (nearest)   7 conv 3x3, no bias
//    8-10 Block x3                     11 Upsample x2            12 conv 3x3, no bias
//    13-15 Block x3                    16 Upsample x2            17 conv 3x3, no bias
//    18 Block                          19 conv 3x3 64 -> 3
// Block(64, 64) = ReLU(conv.4(ReLU(conv.2(ReLU(conv.0(x))))) + x): `conv` is itself an
// nn.Sequential (conv, ReLU, conv, ReLU, conv) and the skip is the identity (equal channels).
// Keys therefore read `1.weight`, `3.conv.0.weight`, `7.weight`, `19.bias`.
//
// Input differs by family, as in the reference configs:
// - TAESD (SD 1.x) takes the diffusion model's latent (the space the UNet works in, i.e.
//   after AutoencoderKL::toLatent): its diffusers config has scaling_factor 1.0, and taesd.py
//   decodes the sampler's latents directly.
// - TAESD3 takes the VAE's own space (AutoencoderKL::fromLatent of the MMDiT's latent): its
//   diffusers config carries SD3's scaling and shift factors, which a pipeline undoes before
//   decoding.
// Output: RGB about [0, 1], not clamped (clamp before turning into pixels).

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

class TaesdDecoder {
  public:
    // 4 latent channels for TAESD (SD 1.x), 16 for TAESD3 (SD 3 / 3.5).
    TaesdDecoder(int latentChannels, const Scope& scope);

    // [B, latentChannels, h, w] -> [B, 3, 8h, 8w]. The input is moved to the weights'
    // device and dtype; throws EngineError(InvalidRequest) on a wrong shape.
    at::Tensor decode(const at::Tensor& latents) const;
    int latentChannels() const { return latentChannels_; }

  private:
    struct Block {
        nn::Conv2d conv0, conv2, conv4;
        explicit Block(const Scope& s);
        at::Tensor operator()(const at::Tensor& x) const;
    };
    // One stage: `blocks` Blocks, then (unless last) Upsample x2 and a bias-free conv.
    struct Stage {
        std::vector<Block> blocks;
        nn::Conv2d upConv;  // undefined in the last stage
    };

    int latentChannels_;
    nn::Conv2d convIn_;
    std::vector<Stage> stages_;
    nn::Conv2d convOut_;
};

// Loads `taesd_decoder.safetensors` / `taesd3_decoder.safetensors` strictly; the number of
// latent channels is read from the first conv's weight (key `1.weight`). Throws
// EngineError(ModelLoad) naming what is wrong.
TaesdDecoder loadTaesdDecoder(const std::string& path, at::ScalarType dtype, at::Device device);

}  // namespace archival::engine
