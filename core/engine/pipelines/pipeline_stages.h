#pragma once
// The stages both model families share around their own text encoding and denoiser:
// request checks, LoRA loading, image-to-image start latents, and decoding to pictures.

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/generation.h"
#include "engine/lora/lora_patcher.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/schedulers/scheduler.h"

namespace archival::engine {

// Intermediate tensors of one run, for tests that compare against the reference step by step.
struct PipelineTrace {
    std::function<void(const std::string& name, const at::Tensor& value)> record;
    void operator()(const std::string& name, const at::Tensor& value) const {
        if (record) record(name, value);
    }
};

// Throws InvalidRequest for sizes not divisible by `pixelMultiple`, steps or batch out of
// range, or an image-to-image strength outside (0, 1].
void checkRequest(const GenerationRequest& request, int pixelMultiple);

std::vector<std::pair<LoraFileContents, double>> readLoraRequests(
    const std::vector<LoraRequest>& loras);
// Adds a warning naming the LoRA modules that matched nothing (never dropped silently).
void reportUnmatchedLoras(const LoraApplyReport& report, GenerationResult& result);

struct StartLatents {
    at::Tensor latents;
    int beginIndex = 0;
};

// Image-to-image: encode the init image, draw the posterior's eps and then the noise from
// `generator` (the reference's order), and noise the latents to the first step run.
StartLatents imageToImageStart(const AutoencoderKL& vae, Scheduler& scheduler,
                               const GenerationRequest& request, Img2ImgStartRule rule,
                               at::Generator& generator, at::Device device, at::ScalarType dtype,
                               const PipelineTrace& trace);

// Bytes of a set of weights, and of a checkpoint's weights once cast to `dtype` (for parts
// whose loader keeps no named list, e.g. the VAE).
std::uint64_t weightBytes(const std::map<std::string, at::Tensor>& weights);
std::uint64_t checkpointBytesAs(const std::string& path, at::ScalarType dtype);

// Final latents → pictures (VAE decode, tiled for large images).
std::vector<Image> decodeToImages(const AutoencoderKL& vae, const at::Tensor& latents,
                                  const PipelineTrace& trace);

}  // namespace archival::engine
