#include "engine/models/autoencoder_kl.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/models/ldm_vae_names.h"
#include "engine/models/vae_tiling.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace {

[[noreturn]] void badConfig(const std::string& origin, const std::string& what) {
    throw EngineError(ErrorKind::ModelLoad, "VAE config " + origin + ": " + what);
}

// jsonValue with the file and key named when the value has the wrong type.
template <typename T>
T field(const nlohmann::json& json, const char* key, const T& fallback, const std::string& origin) {
    try {
        return jsonValue<T>(json, key, fallback);
    } catch (const nlohmann::json::exception&) {
        badConfig(origin,
                  std::string("'") + key + "' has the wrong type (" + json.at(key).dump() + ")");
    }
}

vae::CoderShape encoderShape(const AutoencoderKLConfig& c) {
    return {c.inChannels,     c.latentChannels, c.blockOutChannels,
            c.layersPerBlock, c.normNumGroups,  c.midBlockAddAttention};
}

vae::CoderShape decoderShape(const AutoencoderKLConfig& c) {
    return {c.latentChannels, c.outChannels,   c.blockOutChannels,
            c.layersPerBlock, c.normNumGroups, c.midBlockAddAttention};
}

// A 4-D NCHW tensor with the expected channel count and a non-empty picture.
void checkInput(const at::Tensor& x, std::int64_t channels, const char* what) {
    if (!x.defined() || x.dim() != 4 || x.size(1) != channels || x.size(0) < 1 || x.size(2) < 1 ||
        x.size(3) < 1) {
        std::string shape = "undefined";
        if (x.defined()) {
            shape = "[";
            for (int64_t i = 0; i < x.dim(); ++i)
                shape += (i ? ", " : "") + std::to_string(x.size(i));
            shape += "]";
        }
        throw EngineError(ErrorKind::InvalidRequest,
                          std::string("the VAE expects a ") + what + " of shape [batch, " +
                              std::to_string(channels) + ", height, width], got " + shape);
    }
}

void checkTiling(int tile, int overlap) {
    if (tile < 1 || overlap < 0 || overlap >= tile)
        throw EngineError(ErrorKind::InvalidRequest,
                          "VAE tiling needs 0 <= overlap < tile size; got tile " +
                              std::to_string(tile) + ", overlap " + std::to_string(overlap));
}

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::fromJson(const nlohmann::json& json,
                                                  const std::string& origin) {
    if (!json.is_object()) badConfig(origin, "not a JSON object");
    AutoencoderKLConfig c;
    const std::string cls = field<std::string>(json, "_class_name", "AutoencoderKL", origin);
    if (cls != "AutoencoderKL")
        badConfig(origin, "_class_name is '" + cls + "', expected 'AutoencoderKL'");
    c.inChannels = field(json, "in_channels", c.inChannels, origin);
    c.outChannels = field(json, "out_channels", c.outChannels, origin);
    c.latentChannels = field(json, "latent_channels", c.latentChannels, origin);
    c.blockOutChannels = field(json, "block_out_channels", c.blockOutChannels, origin);
    c.layersPerBlock = field(json, "layers_per_block", c.layersPerBlock, origin);
    c.normNumGroups = field(json, "norm_num_groups", c.normNumGroups, origin);
    c.scalingFactor = field(json, "scaling_factor", c.scalingFactor, origin);
    if (json.contains("shift_factor") && !json["shift_factor"].is_null())
        c.shiftFactor = field(json, "shift_factor", 0.0, origin);
    c.useQuantConv = field(json, "use_quant_conv", c.useQuantConv, origin);
    c.usePostQuantConv = field(json, "use_post_quant_conv", c.usePostQuantConv, origin);
    c.midBlockAddAttention = field(json, "mid_block_add_attention", c.midBlockAddAttention, origin);
    c.forceUpcast = field(json, "force_upcast", c.forceUpcast, origin);
    // sample_size may be an int or [height, width]; diffusers tiles with the first entry.
    if (json.contains("sample_size") && json["sample_size"].is_array()) {
        const auto sizes = field(json, "sample_size", std::vector<std::int64_t>{}, origin);
        if (!sizes.empty()) c.sampleSize = sizes.front();
    } else {
        c.sampleSize = field(json, "sample_size", c.sampleSize, origin);
    }

    const auto blocks = c.blockOutChannels.size();
    if (blocks == 0) badConfig(origin, "block_out_channels is empty");
    auto checkBlockTypes = [&](const char* key, const char* expected) {
        const auto types = field(json, key, std::vector<std::string>(blocks, expected), origin);
        if (types.size() != blocks)
            badConfig(origin, std::string(key) + " has " + std::to_string(types.size()) +
                                  " entries for " + std::to_string(blocks) + " blocks");
        for (const auto& t : types)
            if (t != expected)
                badConfig(origin, std::string(key) + " holds '" + t + "'; only '" + expected +
                                      "' is supported");
    };
    checkBlockTypes("down_block_types", "DownEncoderBlock2D");
    checkBlockTypes("up_block_types", "UpDecoderBlock2D");
    const std::string act = field<std::string>(json, "act_fn", "silu", origin);
    if (act != "silu") badConfig(origin, "act_fn '" + act + "' is not supported (only 'silu')");
    // Some VAEs normalise latents per channel with latents_mean/latents_std instead of a
    // single scaling factor; the SD 1.5 and SD 3.5 VAEs do not, and this class cannot.
    for (const char* key : {"latents_mean", "latents_std"})
        if (json.contains(key) && !json[key].is_null())
            badConfig(origin, std::string(key) +
                                  " is set; per-channel latent normalisation "
                                  "is not supported");
    if (c.layersPerBlock < 1) badConfig(origin, "layers_per_block must be at least 1");
    if (c.normNumGroups < 1) badConfig(origin, "norm_num_groups must be at least 1");
    for (auto ch : c.blockOutChannels)
        if (ch < 1 || ch % c.normNumGroups != 0)
            badConfig(origin, "block_out_channels entry " + std::to_string(ch) +
                                  " is not a positive multiple of norm_num_groups " +
                                  std::to_string(c.normNumGroups));
    if (c.inChannels < 1 || c.outChannels < 1 || c.latentChannels < 1)
        badConfig(origin, "channel counts must be positive");
    if (c.scalingFactor == 0.0) badConfig(origin, "scaling_factor is 0");
    return c;
}

AutoencoderKLConfig AutoencoderKLConfig::fromFile(const std::string& path) {
    return fromJson(readJsonFile(path), path);
}

AutoencoderKL::Posterior AutoencoderKL::Posterior::fromMoments(const at::Tensor& moments) {
    // diffusers DiagonalGaussianDistribution.
    const auto halves = at::chunk(moments, 2, 1);
    Posterior p;
    p.mean = halves[0];
    p.logvar = at::clamp(halves[1], -30.0, 20.0);
    p.std = at::exp(0.5 * p.logvar);
    return p;
}

AutoencoderKL::AutoencoderKL(const AutoencoderKLConfig& config, const Scope& scope)
    : config_(config),
      encoder_(scope / "encoder", encoderShape(config)),
      decoder_(scope / "decoder", decoderShape(config)) {
    const auto two = 2 * config.latentChannels;
    if (config.useQuantConv) quantConv_ = nn::Conv2d(scope / "quant_conv", two, two, 1);
    if (config.usePostQuantConv)
        postQuantConv_ =
            nn::Conv2d(scope / "post_quant_conv", config.latentChannels, config.latentChannels, 1);
}

at::Tensor AutoencoderKL::prepare(const at::Tensor& x) const {
    const at::TensorOptions options = decoder_.options();
    return x.to(options.device(), options.dtype().toScalarType());
}

at::Tensor AutoencoderKL::decodeOnce(const at::Tensor& z, const vae::Trace& trace) const {
    at::Tensor h = z;
    if (postQuantConv_.weight.defined()) {
        h = postQuantConv_(h);
        if (trace) trace("post_quant_conv", h);
    }
    return decoder_(h, trace).contiguous();  // plain layout out (the convolutions' is NHWC)
}

at::Tensor AutoencoderKL::momentsOnce(const at::Tensor& image, const vae::Trace& trace) const {
    at::Tensor h = encoder_(image, trace);
    if (quantConv_.weight.defined()) {
        h = quantConv_(h);
        if (trace) trace("quant_conv", h);
    }
    return h.contiguous();  // plain layout out (the convolutions' is NHWC)
}

at::Tensor AutoencoderKL::decode(const at::Tensor& z, const vae::Trace& trace) const {
    checkInput(z, config_.latentChannels, "latent");
    return decodeOnce(prepare(z), trace);
}

AutoencoderKL::Posterior AutoencoderKL::encode(const at::Tensor& image,
                                               const vae::Trace& trace) const {
    checkInput(image, config_.inChannels, "image");
    return Posterior::fromMoments(momentsOnce(prepare(image), trace));
}

at::Tensor AutoencoderKL::tiledDecode(const at::Tensor& z, int tileLatent,
                                      int overlapLatent) const {
    checkTiling(tileLatent, overlapLatent);
    checkInput(z, config_.latentChannels, "latent");
    const at::Tensor x = prepare(z);
    if (x.size(2) <= tileLatent && x.size(3) <= tileLatent) return decodeOnce(x, nullptr);
    const auto f = config_.spatialScale();
    const std::int64_t stride = tileLatent - overlapLatent;
    return vae::runTiled(x, {tileLatent, stride, stride * f, overlapLatent * f},
                         [this](const at::Tensor& t) { return decodeOnce(t, nullptr); });
}

AutoencoderKL::Posterior AutoencoderKL::tiledEncode(const at::Tensor& image, int tileLatent,
                                                    int overlapLatent) const {
    checkTiling(tileLatent, overlapLatent);
    checkInput(image, config_.inChannels, "image");
    const at::Tensor x = prepare(image);
    const auto f = config_.spatialScale();
    const std::int64_t tilePixels = tileLatent * f;
    if (x.size(2) <= tilePixels && x.size(3) <= tilePixels)
        return Posterior::fromMoments(momentsOnce(x, nullptr));
    // Tiles start on multiples of the scale, so each tile's latent lines up with the whole
    // image's latent grid; the moments (mean and log-variance) are blended, as diffusers does.
    const std::int64_t stride = tileLatent - overlapLatent;
    return Posterior::fromMoments(
        vae::runTiled(x, {tilePixels, stride * f, stride, overlapLatent},
                      [this](const at::Tensor& t) { return momentsOnce(t, nullptr); }));
}

at::Tensor AutoencoderKL::toLatent(const at::Tensor& z) const {
    // diffusers pipelines: SD 1.5 `scaling_factor * z`; SD 3 `(z - shift_factor) * scaling_factor`.
    if (config_.shiftFactor) return (z - *config_.shiftFactor) * config_.scalingFactor;
    return z * config_.scalingFactor;
}

at::Tensor AutoencoderKL::fromLatent(const at::Tensor& latent) const {
    // diffusers pipelines: SD 1.5 `latents / scaling_factor`; SD 3 `latents / scaling_factor +
    // shift_factor`.
    const at::Tensor z = latent / config_.scalingFactor;
    return config_.shiftFactor ? z + *config_.shiftFactor : z;
}

AutoencoderKL loadAutoencoderKL(const Checkpoint& checkpoint, const AutoencoderKLConfig& config,
                                at::ScalarType dtype, at::Device device,
                                std::map<std::string, at::Tensor>* parameters) {
    const VaeCheckpointLayout layout = detectVaeLayout(checkpoint);
    const CheckpointSource::Rename rename = vaeRename(layout, config, checkpoint);
    CheckpointSource strict(checkpoint, dtype, device, rename, layout.prefix);
    ConvAsLinearSource source(strict, checkpoint, rename, layout.prefix);
    AutoencoderKL model(config, Scope(source));
    source.finish();
    if (parameters) *parameters = source.taken();
    return model;
}

AutoencoderKL loadAutoencoderKL(const std::string& folder, at::ScalarType dtype, at::Device device,
                                std::map<std::string, at::Tensor>* parameters) {
    const auto config =
        AutoencoderKLConfig::fromFile((std::filesystem::path(folder) / "config.json").string());
    const Checkpoint checkpoint = Checkpoint::open(folder);
    return loadAutoencoderKL(checkpoint, config, dtype, device, parameters);
}

}  // namespace archival::engine
