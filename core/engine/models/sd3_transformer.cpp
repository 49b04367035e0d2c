#include "engine/models/sd3_transformer.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace {

// The SD3 / SD3.5 VAE downscales by 8 (vae/config.json: 4 down blocks): used only to say
// in pixels what a latent size means in error messages.
constexpr std::int64_t kVaeScale = 8;

template <typename T>
T field(const nlohmann::json& json, const char* key, const T& fallback, const std::string& source) {
    try {
        return jsonValue<T>(json, key, fallback);
    } catch (const nlohmann::json::exception&) {
        throw EngineError(ErrorKind::ModelLoad, source + ": \"" + std::string(key) +
                                                    "\" has the wrong type (" +
                                                    json.at(key).dump() + ")");
    }
}

std::string sizeText(at::IntArrayRef sizes) {
    std::ostringstream out;
    out << sizes;
    return out.str();
}

[[noreturn]] void invalid(const std::string& message) {
    throw EngineError(ErrorKind::InvalidRequest, "SD3 transformer: " + message);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

bool SD3TransformerConfig::isDualAttentionLayer(std::int64_t layer) const {
    return std::find(dualAttentionLayers.begin(), dualAttentionLayers.end(), layer) !=
           dualAttentionLayers.end();
}

SD3TransformerConfig SD3TransformerConfig::fromJson(const nlohmann::json& json,
                                                    const std::string& source) {
    if (!json.is_object())
        throw EngineError(ErrorKind::ModelLoad, source + ": expected a JSON object");
    SD3TransformerConfig c;
    c.sampleSize = field(json, "sample_size", c.sampleSize, source);
    c.patchSize = field(json, "patch_size", c.patchSize, source);
    c.inChannels = field(json, "in_channels", c.inChannels, source);
    c.numLayers = field(json, "num_layers", c.numLayers, source);
    c.attentionHeadDim = field(json, "attention_head_dim", c.attentionHeadDim, source);
    c.numAttentionHeads = field(json, "num_attention_heads", c.numAttentionHeads, source);
    c.jointAttentionDim = field(json, "joint_attention_dim", c.jointAttentionDim, source);
    c.captionProjectionDim = field(json, "caption_projection_dim", c.captionProjectionDim, source);
    c.pooledProjectionDim = field(json, "pooled_projection_dim", c.pooledProjectionDim, source);
    // diffusers: `out_channels if out_channels is not None else in_channels`, default 16.
    const auto outIt = json.find("out_channels");
    c.outChannels = (outIt != json.end() && outIt->is_null())
                        ? c.inChannels
                        : field(json, "out_channels", c.outChannels, source);
    // An explicit null would make diffusers compute a non-persistent table for sample_size
    // instead of loading one; no SD3 checkpoint is made that way.
    const auto posIt = json.find("pos_embed_max_size");
    if (posIt != json.end() && posIt->is_null())
        throw EngineError(ErrorKind::ModelLoad,
                          source +
                              ": \"pos_embed_max_size\" is null; only SD3 transformers "
                              "with a stored position table are supported");
    c.posEmbedMaxSize = field(json, "pos_embed_max_size", c.posEmbedMaxSize, source);
    c.dualAttentionLayers = field(json, "dual_attention_layers", c.dualAttentionLayers, source);
    c.qkNorm = field(json, "qk_norm", c.qkNorm, source);
    c.validate(source);
    return c;
}

SD3TransformerConfig SD3TransformerConfig::fromFile(const std::string& configPath) {
    return fromJson(readJsonFile(configPath), configPath);
}

void SD3TransformerConfig::validate(const std::string& source) const {
    auto fail = [&](const std::string& message) {
        throw EngineError(ErrorKind::ModelLoad, source + ": " + message);
    };
    const std::pair<const char*, std::int64_t> positive[] = {
        {"sample_size", sampleSize},
        {"patch_size", patchSize},
        {"in_channels", inChannels},
        {"num_layers", numLayers},
        {"attention_head_dim", attentionHeadDim},
        {"num_attention_heads", numAttentionHeads},
        {"joint_attention_dim", jointAttentionDim},
        {"caption_projection_dim", captionProjectionDim},
        {"pooled_projection_dim", pooledProjectionDim},
        {"out_channels", outChannels},
        {"pos_embed_max_size", posEmbedMaxSize}};
    for (const auto& [key, value] : positive)
        if (value <= 0)
            fail("\"" + std::string(key) + "\" must be positive, is " + std::to_string(value));
    // The text stream joins the image stream in every block's attention, so the context
    // embedder must produce the blocks' width (diffusers would fail in the first block).
    if (captionProjectionDim != innerDim())
        fail("caption_projection_dim (" + std::to_string(captionProjectionDim) +
             ") must equal num_attention_heads x attention_head_dim (" +
             std::to_string(innerDim()) + ")");
    for (const std::int64_t layer : dualAttentionLayers)
        if (layer < 0 || layer >= numLayers)
            fail("dual_attention_layers lists layer " + std::to_string(layer) +
                 ", but the model has layers 0.." + std::to_string(numLayers - 1));
    if (!qkNorm.empty() && qkNorm != "rms_norm")
        fail("qk_norm \"" + qkNorm +
             "\" is not supported (SD3 / SD3.5 transformers use null or \"rms_norm\")");
}

// ---------------------------------------------------------------------------------------------

SD3Transformer::SD3Transformer(const SD3TransformerConfig& config, const Scope& s)
    : config_((config.validate(), config)),
      posEmbed_(s / "pos_embed", config.inChannels, config.innerDim(), config.patchSize,
                config.posEmbedMaxSize),
      timeTextEmbed_(s / "time_text_embed", config.innerDim(), config.pooledProjectionDim),
      contextEmbedder_(s / "context_embedder", config.jointAttentionDim,
                       config.captionProjectionDim) {
    const std::int64_t dim = config_.innerDim();
    blocks_.reserve(static_cast<std::size_t>(config_.numLayers));
    for (std::int64_t i = 0; i < config_.numLayers; ++i) {
        blocks_.emplace_back(s / "transformer_blocks" / i, dim, config_.numAttentionHeads,
                             config_.attentionHeadDim,
                             /*contextPreOnly=*/i == config_.numLayers - 1,
                             /*qkNorm=*/!config_.qkNorm.empty(),
                             /*dual=*/config_.isDualAttentionLayer(i));
    }
    normOut_ = mmdit::AdaLayerNormContinuous(s / "norm_out", dim);
    projOut_ = nn::Linear(s / "proj_out", dim,
                          config_.patchSize * config_.patchSize * config_.outChannels);

    const std::string& prefix = s.prefix();
    for (const auto& [name, tensor] : s.source().taken())
        if (name.compare(0, prefix.size(), prefix) == 0)
            parameters_.emplace(name.substr(prefix.size()), tensor);
}

at::ScalarType SD3Transformer::dtype() const {
    return projOut_.weight.scalar_type();
}

at::Device SD3Transformer::device() const {
    return projOut_.weight.device();
}

void SD3Transformer::checkLatentSize(std::int64_t height, std::int64_t width) const {
    const std::int64_t p = config_.patchSize, maxSide = config_.posEmbedMaxSize * p;
    const std::string size = std::to_string(height) + "x" + std::to_string(width);
    if (height <= 0 || width <= 0) invalid("the latent size " + size + " is empty");
    if (height % p != 0 || width % p != 0)
        invalid("the latent size " + size +
                " (height x width) is not divisible by the patch size " + std::to_string(p) +
                "; with the SD3 VAE, image sides must be multiples of " +
                std::to_string(p * kVaeScale) + " pixels");
    if (height > maxSide || width > maxSide)
        invalid("the latent size " + size + " is larger than this model's position table allows: " +
                "the largest latent side is " + std::to_string(maxSide) + " (" +
                std::to_string(maxSide * kVaeScale) + " pixels with the SD3 VAE)");
}

at::Tensor SD3Transformer::forward(const at::Tensor& hiddenStates,
                                   const at::Tensor& encoderHiddenStates,
                                   const at::Tensor& pooledProjections, const at::Tensor& timestep,
                                   const Hooks& hooks) const {
    const SD3TransformerConfig& c = config_;
    if (!hiddenStates.defined() || hiddenStates.dim() != 4 || hiddenStates.size(1) != c.inChannels)
        invalid("latents must be [batch, " + std::to_string(c.inChannels) +
                ", height, width], got " +
                (hiddenStates.defined() ? sizeText(hiddenStates.sizes()) : "nothing"));
    const std::int64_t batch = hiddenStates.size(0), height = hiddenStates.size(2),
                       width = hiddenStates.size(3);
    checkLatentSize(height, width);
    if (!encoderHiddenStates.defined() || encoderHiddenStates.dim() != 3 ||
        encoderHiddenStates.size(0) != batch || encoderHiddenStates.size(2) != c.jointAttentionDim)
        invalid(
            "prompt embeddings must be [" + std::to_string(batch) + ", tokens, " +
            std::to_string(c.jointAttentionDim) + "], got " +
            (encoderHiddenStates.defined() ? sizeText(encoderHiddenStates.sizes()) : "nothing"));
    if (!pooledProjections.defined() || pooledProjections.dim() != 2 ||
        pooledProjections.size(0) != batch || pooledProjections.size(1) != c.pooledProjectionDim)
        invalid("pooled prompt embeddings must be [" + std::to_string(batch) + ", " +
                std::to_string(c.pooledProjectionDim) + "], got " +
                (pooledProjections.defined() ? sizeText(pooledProjections.sizes()) : "nothing"));
    if (!timestep.defined() || (timestep.numel() != 1 && timestep.numel() != batch))
        invalid("expected one timestep or one per batch element (" + std::to_string(batch) +
                "), got " + (timestep.defined() ? sizeText(timestep.sizes()) : "nothing"));

    auto record = [&](const std::string& name, const at::Tensor& t) {
        if (hooks.intermediates && t.defined()) (*hooks.intermediates)[name] = t;
    };
    const auto opts = at::TensorOptions().dtype(dtype()).device(device());

    at::Tensor x = posEmbed_(hiddenStates.to(opts));
    record("pos_embed", x);
    // The timestep stays float32 until its sinusoidal features are made (diffusers casts
    // afterwards); a fractional sigma * 1000 must not be rounded to bf16 first.
    const at::Tensor t =
        timestep.to(device(), at::kFloat).reshape({-1}).expand({batch}).contiguous();
    const at::Tensor temb = timeTextEmbed_(t, pooledProjections.to(opts));
    record("time_text_embed", temb);
    at::Tensor context = contextEmbedder_(encoderHiddenStates.to(opts));
    record("context_embedder", context);

    for (std::size_t i = 0; i < blocks_.size(); ++i) {
        if (hooks.beforeBlock) hooks.beforeBlock();
        auto [nextContext, nextX] = blocks_[i](x, context, temb);
        const std::string name = "transformer_blocks." + std::to_string(i);
        record(name + ".0", nextContext);
        record(name + ".1", nextX);
        context = nextContext;
        x = nextX;
    }

    x = normOut_(x, temb);
    record("norm_out", x);
    x = projOut_(x);  // [B, (H/p)(W/p), p*p*out_channels]
    record("proj_out", x);

    // Unpatchify: diffusers' einsum "nhwpqc->nchpwq".
    const std::int64_t p = c.patchSize;
    return x.reshape({batch, height / p, width / p, p, p, c.outChannels})
        .permute({0, 5, 1, 3, 2, 4})
        .reshape({batch, c.outChannels, height, width});
}

// ---------------------------------------------------------------------------------------------

SD3Transformer loadSD3Transformer(const std::string& folder, at::ScalarType dtype,
                                  at::Device device) {
    namespace fs = std::filesystem;
    fs::path dir(folder);
    // A pipeline folder (model_index.json + transformer/) is accepted as well.
    if (!fs::exists(dir / "config.json") && fs::exists(dir / "transformer" / "config.json"))
        dir /= "transformer";
    const SD3TransformerConfig config =
        SD3TransformerConfig::fromFile((dir / "config.json").string());
    const Checkpoint checkpoint = Checkpoint::open(dir.string());
    CheckpointSource source(checkpoint, dtype, device);
    SD3Transformer model(config, Scope(source));
    source.finish();
    return model;
}

}  // namespace archival::engine
