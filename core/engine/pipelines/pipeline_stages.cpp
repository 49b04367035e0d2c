#include "engine/pipelines/pipeline_stages.h"

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/pipelines/image_tensors.h"
#include "engine/runtime/device.h"

namespace archival::engine {

void checkRequest(const GenerationRequest& req, int multiple) {
    if (req.width <= 0 || req.height <= 0 || req.width % multiple != 0 ||
        req.height % multiple != 0)
        throw EngineError(ErrorKind::InvalidRequest,
                          "width and height must be positive multiples of " +
                              std::to_string(multiple) + " (got " + std::to_string(req.width) +
                              "×" + std::to_string(req.height) + ")");
    if (req.steps < 1 || req.steps > 1000)
        throw EngineError(ErrorKind::InvalidRequest, "steps must be 1–1000");
    if (req.batch < 1 || req.batch > 64)
        throw EngineError(ErrorKind::InvalidRequest, "batch must be 1–64");
    if (req.initImage && !(req.strength > 0.0 && req.strength <= 1.0))
        throw EngineError(ErrorKind::InvalidRequest, "strength must be in (0, 1]");
}

std::vector<std::pair<LoraFileContents, double>> readLoraRequests(
    const std::vector<LoraRequest>& loras) {
    std::vector<std::pair<LoraFileContents, double>> files;
    for (const auto& l : loras) files.emplace_back(readLoraFile(l.path), l.scale);
    return files;
}

void reportUnmatchedLoras(const LoraApplyReport& report, GenerationResult& result) {
    if (report.unmatched.empty()) return;
    std::string list;
    for (std::size_t i = 0; i < report.unmatched.size() && i < 10; ++i)
        list += (i ? ", " : "") + report.unmatched[i];
    if (report.unmatched.size() > 10) list += ", ...";
    result.warnings.push_back(
        std::to_string(report.unmatched.size()) +
        " LoRA modules match nothing in this model and were not applied: " + list);
}

StartLatents imageToImageStart(const AutoencoderKL& vae, Scheduler& scheduler,
                               const GenerationRequest& req, Img2ImgStartRule rule,
                               at::Generator& gen, at::Device device, at::ScalarType dtype,
                               const PipelineTrace& trace) {
    const at::Tensor image =
        initImageTensor(*req.initImage, req.width, req.height).to(device, dtype);
    trace("init_image", image);
    // On the VAE's device, which is the host when the memory plan runs its stage there.
    const auto posterior = vae.encode(image);
    const at::Tensor eps =
        seededNoise(posterior.mean.sizes(), gen, device, dtype).to(posterior.mean.device());
    const at::Tensor imageLatents =
        vae.toLatent(posterior.sample(eps)).to(device).repeat({req.batch, 1, 1, 1});
    trace("image_latents", imageLatents);
    const at::Tensor noise = seededNoise(imageLatents.sizes(), gen, device, dtype);
    StartLatents out;
    out.beginIndex = img2imgStartIndex(req.steps, req.strength, rule) * scheduler.order();
    if (out.beginIndex >= scheduler.timesteps().size(0))
        throw EngineError(ErrorKind::InvalidRequest,
                          "strength " + std::to_string(req.strength) + " leaves no step to run");
    scheduler.setBeginIndex(out.beginIndex);
    out.latents = scheduler.addNoise(imageLatents, noise, out.beginIndex);
    return out;
}

std::uint64_t weightBytes(const std::map<std::string, at::Tensor>& weights) {
    std::uint64_t n = 0;
    for (const auto& [name, t] : weights) n += t.nbytes();
    return n;
}

std::uint64_t checkpointBytesAs(const std::string& path, at::ScalarType dtype) {
    const Checkpoint cp = Checkpoint::open(path);
    std::uint64_t n = 0;
    for (const auto& [name, e] : cp.entries())
        n += static_cast<std::uint64_t>(e.info->numel()) * c10::elementSize(dtype);
    return n;
}

std::vector<Image> decodeToImages(const AutoencoderKL& vae, const at::Tensor& latents,
                                  const PipelineTrace& trace) {
    const at::Tensor vaeInput = vae.fromLatent(latents);
    trace("vae_input", vaeInput);
    // Large pictures decode in tiles: a 1024² decode's full activations alone take several GB.
    const bool tiled = latents.size(2) * latents.size(3) > 128 * 128;
    const at::Tensor decoded = tiled ? vae.tiledDecode(vaeInput) : vae.decode(vaeInput);
    trace("vae_decoded", decoded);
    const at::Tensor unit = decodedToUnit(decoded);
    trace("image", unit);
    return uint8ToImages(unitToUint8(unit));
}

}  // namespace archival::engine
