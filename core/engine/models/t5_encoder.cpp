#include "engine/models/t5_encoder.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace {

[[noreturn]] void badConfig(const std::string& source, const std::string& key,
                            const std::string& problem) {
    throw EngineError(ErrorKind::ModelLoad, source + ": \"" + key + "\" " + problem);
}

std::int64_t intField(const nlohmann::json& json, const char* key, std::int64_t fallback,
                      const std::string& source) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) return fallback;
    if (!it->is_number_integer()) badConfig(source, key, "must be an integer");
    return it->get<std::int64_t>();
}

double numberField(const nlohmann::json& json, const char* key, double fallback,
                   const std::string& source) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) return fallback;
    if (!it->is_number()) badConfig(source, key, "must be a number");
    return it->get<double>();
}

std::string stringField(const nlohmann::json& json, const char* key, const std::string& fallback,
                        const std::string& source) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) return fallback;
    if (!it->is_string()) badConfig(source, key, "must be a string");
    return it->get<std::string>();
}

bool isSupportedActivation(const std::string& name) {
    return name == "relu" || name == "gelu" || name == "gelu_new" || name == "gelu_pytorch_tanh" ||
           name == "silu" || name == "swish";
}

// T5 v1.1 XXL overflows float16 (see the header); every other float type is accepted.
void requireUsableDtype(at::ScalarType dtype, const std::string& what) {
    if (dtype == at::kHalf) {
        throw EngineError(ErrorKind::InvalidRequest,
                          what +
                              ": the T5 encoder cannot run in float16 (T5 v1.1 activations "
                              "overflow its range); use bfloat16 on a GPU or float32");
    }
    if (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kDouble) {
        throw EngineError(ErrorKind::InvalidRequest,
                          what + ": the T5 encoder runs in float32, bfloat16 or float64, not " +
                              std::string(c10::toString(dtype)));
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Config

T5EncoderConfig T5EncoderConfig::fromJson(const nlohmann::json& json, const std::string& source) {
    if (!json.is_object()) throw EngineError(ErrorKind::ModelLoad, source + " is not an object");
    T5EncoderConfig c;
    c.vocabSize = intField(json, "vocab_size", c.vocabSize, source);
    c.dModel = intField(json, "d_model", c.dModel, source);
    c.dKv = intField(json, "d_kv", c.dKv, source);
    c.numHeads = intField(json, "num_heads", c.numHeads, source);
    c.dFf = intField(json, "d_ff", c.dFf, source);
    c.numLayers = intField(json, "num_layers", c.numLayers, source);
    c.relativeAttentionNumBuckets =
        intField(json, "relative_attention_num_buckets", c.relativeAttentionNumBuckets, source);
    c.relativeAttentionMaxDistance =
        intField(json, "relative_attention_max_distance", c.relativeAttentionMaxDistance, source);
    c.layerNormEpsilon = numberField(json, "layer_norm_epsilon", c.layerNormEpsilon, source);
    c.feedForwardProj = stringField(json, "feed_forward_proj", c.feedForwardProj, source);

    // transformers T5Config.__init__: "[gated-]<act>", and "gated-gelu" means gelu_new.
    const auto dash = c.feedForwardProj.find('-');
    const std::string first = c.feedForwardProj.substr(0, dash);
    const std::string last =
        dash == std::string::npos ? c.feedForwardProj : c.feedForwardProj.substr(dash + 1);
    if (dash != std::string::npos && (first != "gated" || last.find('-') != std::string::npos)) {
        badConfig(source, "feed_forward_proj",
                  "is \"" + c.feedForwardProj + "\"; expected \"<act>\" or \"gated-<act>\"");
    }
    c.isGatedAct = first == "gated";
    c.denseActFn = c.feedForwardProj == "gated-gelu" ? "gelu_new" : last;
    // Explicit keys are set after __init__ in transformers (PretrainedConfig kwargs).
    c.denseActFn = stringField(json, "dense_act_fn", c.denseActFn, source);
    if (const auto it = json.find("is_gated_act"); it != json.end() && !it->is_null()) {
        if (!it->is_boolean()) badConfig(source, "is_gated_act", "must be true or false");
        c.isGatedAct = it->get<bool>();
    }
    c.validate(source);
    return c;
}

T5EncoderConfig T5EncoderConfig::fromFile(const std::string& configPath) {
    return fromJson(readJsonFile(configPath), configPath);
}

void T5EncoderConfig::validate(const std::string& source) const {
    const std::pair<const char*, std::int64_t> positive[] = {
        {"vocab_size", vocabSize}, {"d_model", dModel}, {"d_kv", dKv},
        {"num_heads", numHeads},   {"d_ff", dFf},       {"num_layers", numLayers},
    };
    for (const auto& [key, value] : positive) {
        if (value < 1)
            badConfig(source, key, "must be at least 1 (is " + std::to_string(value) + ")");
    }
    // The bucket function halves the buckets per direction and again for the exact range,
    // and takes log(max_distance / exact range): both must stay meaningful.
    if (relativeAttentionNumBuckets < 4 || relativeAttentionNumBuckets % 2 != 0) {
        badConfig(
            source, "relative_attention_num_buckets",
            "must be an even number >= 4 (is " + std::to_string(relativeAttentionNumBuckets) + ")");
    }
    if (relativeAttentionMaxDistance <= relativeAttentionNumBuckets / 4) {
        badConfig(source, "relative_attention_max_distance",
                  "must exceed relative_attention_num_buckets / 4 (is " +
                      std::to_string(relativeAttentionMaxDistance) + ")");
    }
    if (!(layerNormEpsilon > 0)) badConfig(source, "layer_norm_epsilon", "must be positive");
    if (!isSupportedActivation(denseActFn)) {
        badConfig(source, "dense_act_fn",
                  "is \"" + denseActFn +
                      "\"; supported: relu, gelu, gelu_new, gelu_pytorch_tanh, silu, swish");
    }
}

// ---------------------------------------------------------------------------------------
// Relative position buckets

at::Tensor relativePositionBucket(const at::Tensor& relativePosition, std::int64_t numBuckets,
                                  std::int64_t maxDistance) {
    // transformers T5Attention._relative_position_bucket(bidirectional=True), whose float32
    // operation order is kept so that the buckets agree exactly.
    const at::Tensor rel = relativePosition.to(at::kLong);
    const std::int64_t half = numBuckets / 2;  // per direction
    const std::int64_t maxExact = half / 2;    // distances below this get their own bucket
    const at::Tensor direction = rel.gt(0).to(at::kLong) * half;
    const at::Tensor distance = rel.abs();
    // Log-spaced buckets for maxExact <= distance < maxDistance. Distances below maxExact
    // are clamped up first so log(0) is never evaluated (their result is discarded below).
    const at::Tensor scaled = distance.clamp_min(maxExact).to(at::kFloat) / maxExact;
    const at::Tensor logBucket =
        (at::log(scaled) / std::log(static_cast<double>(maxDistance) / maxExact) *
         (half - maxExact))
            .to(at::kLong);  // truncation toward zero, like .to(torch.long)
    const at::Tensor large = (logBucket + maxExact).clamp_max(half - 1);
    return direction + at::where(distance.lt(maxExact), distance, large);
}

// ---------------------------------------------------------------------------------------
// Model

T5Encoder::T5Encoder(const T5EncoderConfig& config, const Scope& scope) : config_(config) {
    config_.validate();
    const std::int64_t d = config_.dModel, inner = config_.innerDim(), ff = config_.dFf;
    const double eps = config_.layerNormEpsilon;
    shared_ = scope.param("shared.weight", {config_.vocabSize, d});
    // Runs once or twice a job: no packed copies (see Scope::withoutPackedWeights).
    const Scope encoder = scope.withoutPackedWeights() / "encoder";
    blocks_.reserve(static_cast<std::size_t>(config_.numLayers));
    for (std::int64_t i = 0; i < config_.numLayers; ++i) {
        const Scope block = encoder / "block" / i;
        const Scope attentionLayer = block / "layer" / 0;
        const Scope attention = attentionLayer / "SelfAttention";
        const Scope feedForwardLayer = block / "layer" / 1;
        const Scope dense = feedForwardLayer / "DenseReluDense";
        Block b;
        b.attention.q = nn::Linear(attention / "q", d, inner, /*withBias=*/false);
        b.attention.k = nn::Linear(attention / "k", d, inner, false);
        b.attention.v = nn::Linear(attention / "v", d, inner, false);
        b.attention.o = nn::Linear(attention / "o", inner, d, false);
        // Only the first block owns a table (has_relative_attention_bias=(i == 0)).
        if (i == 0) {
            relativeAttentionBias_ =
                (attention / "relative_attention_bias")
                    .param("weight", {config_.relativeAttentionNumBuckets, config_.numHeads});
        }
        b.attentionNorm = nn::RMSNorm(attentionLayer / "layer_norm", d, eps);
        if (config_.isGatedAct) {
            b.feedForward.wi0 = nn::Linear(dense / "wi_0", d, ff, false);
            b.feedForward.wi1 = nn::Linear(dense / "wi_1", d, ff, false);
        } else {
            b.feedForward.wi0 = nn::Linear(dense / "wi", d, ff, false);
        }
        b.feedForward.wo = nn::Linear(dense / "wo", ff, d, false);
        b.feedForwardNorm = nn::RMSNorm(feedForwardLayer / "layer_norm", d, eps);
        blocks_.push_back(std::move(b));
    }
    finalNorm_ = nn::RMSNorm(encoder / "final_layer_norm", d, eps);

    // A strict source may hand out undefined tensors until finish(): check what is there.
    for (const at::Tensor* t : {&shared_, &relativeAttentionBias_, &finalNorm_.weight}) {
        if (t->defined()) requireUsableDtype(t->scalar_type(), "T5 encoder");
    }
}

at::Tensor T5Encoder::activation(const at::Tensor& x) const {
    const std::string& act = config_.denseActFn;
    // gelu_new (transformers NewGELUActivation) is the tanh approximation
    // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))), which is ATen's approximate="tanh".
    if (act == "gelu_new" || act == "gelu_pytorch_tanh") return at::gelu(x, "tanh");
    if (act == "gelu") return at::gelu(x);
    if (act == "relu") return at::relu(x);
    return at::silu(x);  // silu / swish; validate() admits nothing else
}

at::Tensor T5Encoder::positionBias(std::int64_t tokens) const {
    const at::Tensor position = at::arange(tokens, at::TensorOptions(at::kLong).device(device()));
    // relative[q][k] = k - q (memory position minus context position).
    const at::Tensor relative = position.unsqueeze(0) - position.unsqueeze(1);
    const at::Tensor buckets = relativePositionBucket(relative, config_.relativeAttentionNumBuckets,
                                                      config_.relativeAttentionMaxDistance);
    // [q, k, heads] -> [1, heads, q, k]
    return at::embedding(relativeAttentionBias_, buckets)
        .permute({2, 0, 1})
        .unsqueeze(0)
        .contiguous();
}

at::Tensor T5Encoder::forward(const at::Tensor& ids, const Hooks& hooks) const {
    if (!ids.defined() || ids.dim() != 2 || ids.size(0) < 1 || ids.size(1) < 1 ||
        !at::isIntegralType(ids.scalar_type(), /*includeBool=*/false)) {
        std::ostringstream got;
        if (ids.defined()) got << ids.sizes() << " " << ids.scalar_type();
        throw EngineError(ErrorKind::InvalidRequest,
                          "T5 encoder: token ids must be a non-empty [batch, tokens] integer "
                          "tensor (got " +
                              (ids.defined() ? got.str() : std::string("none")) + ")");
    }
    const at::Tensor tokens = ids.to(device(), at::kLong);
    const std::int64_t low = tokens.min().item<std::int64_t>();
    const std::int64_t high = tokens.max().item<std::int64_t>();
    if (low < 0 || high >= config_.vocabSize) {
        throw EngineError(ErrorKind::InvalidRequest, "T5 encoder: token id " +
                                                         std::to_string(low < 0 ? low : high) +
                                                         " is outside the vocabulary [0, " +
                                                         std::to_string(config_.vocabSize) + ")");
    }

    // No embedding scaling and no absolute positions in T5.
    at::Tensor x = at::embedding(shared_, tokens);
    if (hooks.record) hooks.record("embed_tokens", x);
    // Computed once from block 0's table and shared by every block, as transformers does.
    const at::Tensor bias = positionBias(tokens.size(1));
    const std::int64_t heads = config_.numHeads;
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
        if (hooks.beforeBlock) hooks.beforeBlock();
        const Block& b = blocks_[i];
        at::Tensor h = b.attentionNorm(x);
        const at::Tensor q = nn::splitHeads(b.attention.q(h), heads);
        const at::Tensor k = nn::splitHeads(b.attention.k(h), heads);
        const at::Tensor v = nn::splitHeads(b.attention.v(h), heads);
        // T5 folds 1/√d_kv into its initialisation: the scores are not scaled (scale = 1).
        const at::Tensor attended = nn::attention(q, k, v, bias, /*scale=*/1.0);
        x = x + b.attention.o(nn::mergeHeads(attended));

        h = b.feedForwardNorm(x);
        at::Tensor hidden = activation(b.feedForward.wi0(h));
        if (config_.isGatedAct) hidden = hidden * b.feedForward.wi1(h);
        x = x + b.feedForward.wo(hidden);
        if (hooks.record) hooks.record("block." + std::to_string(i), x);
    }
    return finalNorm_(x);
}

// ---------------------------------------------------------------------------------------
// Loading

std::unique_ptr<T5Encoder> loadT5Encoder(const std::string& folder, at::ScalarType dtype,
                                         at::Device device,
                                         std::map<std::string, at::Tensor>* parameters) {
    // Refuse before reading gigabytes of weights.
    requireUsableDtype(dtype, "T5 encoder " + folder);
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir =
        fs::is_directory(folder, ec) ? fs::path(folder) : fs::path(folder).parent_path();
    const T5EncoderConfig config = T5EncoderConfig::fromFile((dir / "config.json").string());
    const Checkpoint checkpoint = Checkpoint::open(folder);

    // Some files carry encoder.embed_tokens.weight, a tied copy of shared.weight; a file
    // holding only that copy is read through it.
    const std::string sharedName = "shared.weight", tiedName = "encoder.embed_tokens.weight";
    CheckpointSource::Rename rename;
    if (!checkpoint.find(sharedName) && checkpoint.find(tiedName)) {
        rename = [=](const std::string& name) { return name == sharedName ? tiedName : name; };
    }
    CheckpointSource source(checkpoint, dtype, device, rename);
    source.ignoreUnused([=](const std::string& name) { return name == tiedName; });
    auto model = std::make_unique<T5Encoder>(config, Scope(source));
    source.finish();
    if (parameters) *parameters = source.taken();
    return model;
}

}  // namespace archival::engine
