#include "engine/models/clip_text.h"

#include <cmath>
#include <filesystem>
#include <limits>

#include "engine/errors.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace {

[[noreturn]] void configError(const std::string& origin, const std::string& what) {
    throw EngineError(ErrorKind::ModelLoad, origin + ": " + what);
}

template <typename T>
T field(const nlohmann::json& json, const char* key, const T& fallback, const std::string& origin) {
    try {
        return jsonValue<T>(json, key, fallback);
    } catch (const nlohmann::json::exception&) {
        configError(origin, std::string("\"") + key + "\" has the wrong type (" +
                                json.at(key).dump() + ")");
    }
}

std::int64_t positiveField(const nlohmann::json& json, const char* key, std::int64_t fallback,
                           const std::string& origin) {
    const auto value = field<std::int64_t>(json, key, fallback, origin);
    if (value <= 0) configError(origin, std::string("\"") + key + "\" must be positive");
    return value;
}

}  // namespace

ClipTextConfig ClipTextConfig::fromFile(const std::string& configJson) {
    return fromJson(readJsonFile(configJson), configJson);
}

ClipTextConfig ClipTextConfig::fromJson(const nlohmann::json& json, const std::string& origin) {
    ClipTextConfig c;
    c.vocabSize = positiveField(json, "vocab_size", c.vocabSize, origin);
    c.hiddenSize = positiveField(json, "hidden_size", c.hiddenSize, origin);
    c.intermediateSize = positiveField(json, "intermediate_size", c.intermediateSize, origin);
    c.projectionDim = positiveField(json, "projection_dim", c.projectionDim, origin);
    c.numLayers = positiveField(json, "num_hidden_layers", c.numLayers, origin);
    c.numHeads = positiveField(json, "num_attention_heads", c.numHeads, origin);
    c.maxPositions = positiveField(json, "max_position_embeddings", c.maxPositions, origin);
    c.layerNormEps = field<double>(json, "layer_norm_eps", c.layerNormEps, origin);
    c.eosTokenId = field<std::int64_t>(json, "eos_token_id", c.eosTokenId, origin);
    if (c.hiddenSize % c.numHeads != 0)
        configError(origin, "hidden_size " + std::to_string(c.hiddenSize) +
                                " is not divisible by num_attention_heads " +
                                std::to_string(c.numHeads));

    const auto act = field<std::string>(json, "hidden_act", "quick_gelu", origin);
    if (act == "quick_gelu") {
        c.activation = Activation::QuickGelu;
    } else if (act == "gelu") {
        c.activation = Activation::Gelu;
    } else if (act == "gelu_new" || act == "gelu_pytorch_tanh") {
        c.activation = Activation::GeluTanh;
    } else {
        configError(origin, "hidden_act \"" + act +
                                "\" is not supported (quick_gelu, gelu, gelu_new, "
                                "gelu_pytorch_tanh)");
    }

    // The class decides whether text_projection is part of the checkpoint.
    const auto archs = json.find("architectures");
    bool known = false;
    if (archs != json.end() && archs->is_array()) {
        for (const auto& a : *archs) {
            if (a == "CLIPTextModel") {
                c.withProjection = false, known = true;
            } else if (a == "CLIPTextModelWithProjection") {
                c.withProjection = true, known = true;
            }
        }
    }
    if (!known)
        configError(origin,
                    "\"architectures\" does not name CLIPTextModel or "
                    "CLIPTextModelWithProjection (found " +
                        (archs == json.end() ? std::string("nothing") : archs->dump()) +
                        "); this is not a CLIP text encoder config");
    return c;
}

ClipTextConfig ClipTextConfig::sd15ViTL14() {
    // openai/clip-vit-large-patch14 text config, as in runwayml/stable-diffusion-v1-5
    // text_encoder/config.json.
    ClipTextConfig c;
    c.vocabSize = 49408;
    c.hiddenSize = 768;
    c.intermediateSize = 3072;
    c.projectionDim = 768;
    c.numLayers = 12;
    c.numHeads = 12;
    c.maxPositions = 77;
    c.activation = Activation::QuickGelu;
    c.layerNormEps = 1e-5;
    c.eosTokenId = 2;
    c.withProjection = false;
    return c;
}

ClipTextModel::ClipTextModel(const ClipTextConfig& config, const Scope& scope) : config_(config) {
    const std::int64_t h = config.hiddenSize, ff = config.intermediateSize;
    const double eps = config.layerNormEps;
    // Run once or twice a job: no packed copies (see Scope::withoutPackedWeights).
    const Scope unpacked = scope.withoutPackedWeights();
    const Scope text = unpacked / "text_model";
    const Scope embeddings = text / "embeddings";
    tokenEmbedding_ = (embeddings / "token_embedding").param("weight", {config.vocabSize, h});
    positionEmbedding_ =
        (embeddings / "position_embedding").param("weight", {config.maxPositions, h});
    layers_.reserve(config.numLayers);
    for (std::int64_t i = 0; i < config.numLayers; ++i) {
        const Scope s = text / "encoder" / "layers" / i;
        const Scope attn = s / "self_attn";
        Layer layer;
        layer.qProj = nn::Linear(attn / "q_proj", h, h);
        layer.kProj = nn::Linear(attn / "k_proj", h, h);
        layer.vProj = nn::Linear(attn / "v_proj", h, h);
        layer.outProj = nn::Linear(attn / "out_proj", h, h);
        layer.layerNorm1 = nn::LayerNorm(s / "layer_norm1", h, eps);
        layer.fc1 = nn::Linear(s / "mlp" / "fc1", h, ff);
        layer.fc2 = nn::Linear(s / "mlp" / "fc2", ff, h);
        layer.layerNorm2 = nn::LayerNorm(s / "layer_norm2", h, eps);
        layers_.push_back(std::move(layer));
    }
    finalLayerNorm_ = nn::LayerNorm(text / "final_layer_norm", h, eps);
    if (config.withProjection)
        textProjection_ =
            nn::Linear(unpacked / "text_projection", h, config.projectionDim, /*withBias=*/false);
}

at::Tensor ClipTextModel::activate(const at::Tensor& x) const {
    switch (config_.activation) {
        case ClipTextConfig::Activation::QuickGelu:
            // transformers QuickGELUActivation: x * sigmoid(1.702 x).
            return x * at::sigmoid(1.702 * x);
        case ClipTextConfig::Activation::Gelu:
            return at::gelu(x);  // exact (erf) form, as OpenCLIP bigG uses
        case ClipTextConfig::Activation::GeluTanh:
            return at::gelu(x, "tanh");
    }
    return x;
}

at::Tensor ClipTextModel::runLayer(const Layer& layer, const at::Tensor& x,
                                   const at::Tensor& mask) const {
    const std::int64_t heads = config_.numHeads;
    at::Tensor h = layer.layerNorm1(x);
    // SDPA's default scale is 1/sqrt(head_dim), CLIP's attention scale.
    const at::Tensor attended =
        nn::attention(nn::splitHeads(layer.qProj(h), heads), nn::splitHeads(layer.kProj(h), heads),
                      nn::splitHeads(layer.vProj(h), heads), mask);
    at::Tensor out = x + layer.outProj(nn::mergeHeads(attended));
    h = layer.layerNorm2(out);
    return out + layer.fc2(activate(layer.fc1(h)));
}

ClipTextModel::Output ClipTextModel::forward(const at::Tensor& ids, int clipSkip,
                                             bool keepHiddenStates) const {
    if (!ids.defined() || ids.dim() != 2 || ids.size(1) < 1 ||
        !at::isIntegralType(ids.scalar_type(), /*includeBool=*/false))
        throw EngineError(ErrorKind::InvalidRequest,
                          "CLIP text encoder: token ids must be a [batch, tokens] integer tensor");
    const std::int64_t batch = ids.size(0), tokens = ids.size(1);
    if (tokens > config_.maxPositions)
        throw EngineError(ErrorKind::InvalidRequest,
                          "CLIP text encoder: " + std::to_string(tokens) +
                              " tokens exceed the model's " + std::to_string(config_.maxPositions) +
                              " positions (truncate with the tokenizer)");
    const std::int64_t layerCount = static_cast<std::int64_t>(layers_.size());
    if (clipSkip < 0 || clipSkip > layerCount)
        throw EngineError(ErrorKind::InvalidRequest,
                          "CLIP text encoder: clip skip " + std::to_string(clipSkip) +
                              " is outside 0.." + std::to_string(layerCount));
    if (batch > 0) {
        const auto lo = ids.min().item<std::int64_t>(), hi = ids.max().item<std::int64_t>();
        if (lo < 0 || hi >= config_.vocabSize)
            throw EngineError(ErrorKind::InvalidRequest,
                              "CLIP text encoder: token id " + std::to_string(lo < 0 ? lo : hi) +
                                  " is outside the vocabulary (0.." +
                                  std::to_string(config_.vocabSize - 1) + ")");
    }

    const at::Tensor idsHere = ids.to(device(), at::kLong);
    at::Tensor x =
        at::embedding(tokenEmbedding_, idsHere) + positionEmbedding_.slice(/*dim=*/0, 0, tokens);
    // Causal mask: query i attends to keys <= i.
    const at::Tensor mask =
        at::full({tokens, tokens}, -std::numeric_limits<float>::infinity(), x.options()).triu(1);

    // hidden_states = (embeddings, layer 0, ..., layer L-1): index j holds layer j-1's output.
    Output out;
    const std::int64_t penultimateIndex = layerCount - 1, skippedIndex = layerCount - clipSkip;
    at::Tensor skippedRaw;
    auto record = [&](std::int64_t index, const at::Tensor& state) {
        if (keepHiddenStates) out.hiddenStates.push_back(state);
        if (index == penultimateIndex) out.penultimate = state;
        if (index == skippedIndex) skippedRaw = state;
    };
    record(0, x);
    for (std::int64_t i = 0; i < layerCount; ++i) {
        x = runLayer(layers_[i], x, mask);
        record(i + 1, x);
    }
    out.lastHidden = finalLayerNorm_(x);
    out.clipSkipped = clipSkip == 0 ? out.lastHidden : finalLayerNorm_(skippedRaw);

    // transformers CLIPTextTransformer: eos_token_id == 2 (configs written before the
    // tokenizer's ids were fixed) pools at argmax(input_ids), i.e. the first 49407; otherwise at
    // the first position holding eos_token_id. argmax returns the first maximum.
    out.eosIndex = config_.eosTokenId == 2 ? idsHere.argmax(-1)
                                           : idsHere.eq(config_.eosTokenId).to(at::kInt).argmax(-1);
    out.pooled =
        out.lastHidden.gather(1, out.eosIndex.view({batch, 1, 1}).expand({batch, 1, x.size(2)}))
            .squeeze(1);
    if (config_.withProjection) out.textEmbeds = textProjection_(out.pooled);
    return out;
}

ClipTextModel loadClipText(const Checkpoint& checkpoint, const ClipTextConfig& config,
                           at::ScalarType dtype, at::Device device, const std::string& prefix,
                           std::map<std::string, at::Tensor>* parameters) {
    CheckpointSource source(checkpoint, dtype, device, nullptr, prefix);
    // Older transformers saved the position_ids buffer (0..76); it carries no weights.
    const std::string positionIds = prefix + "text_model.embeddings.position_ids";
    source.ignoreUnused([positionIds](const std::string& name) { return name == positionIds; });
    ClipTextModel model(config, Scope(source));
    source.finish();
    if (parameters) *parameters = source.taken();
    return model;
}

ClipTextModel loadClipText(const std::string& folder, at::ScalarType dtype, at::Device device) {
    namespace fs = std::filesystem;
    const ClipTextConfig config =
        ClipTextConfig::fromFile((fs::path(folder) / "config.json").string());
    const Checkpoint checkpoint = Checkpoint::open(folder);
    return loadClipText(checkpoint, config, dtype, device);
}

}  // namespace archival::engine
