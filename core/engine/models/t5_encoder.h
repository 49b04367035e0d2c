#pragma once
// The T5 encoder in transformers' `T5EncoderModel` layout: SD3 / SD3.5 `text_encoder_3`
// (T5 v1.1 XXL: 24 blocks, d_model 4096, 64 heads x 64, gated-GELU FF 10240).
//
//   x = shared[ids]                                  (no scaling, no position embedding)
//   bias = relative_attention_bias[bucket(k - q)]    (block 0's table, reused by every block)
//   per block:  x += o(attention(rms0(x) -> q, k, v; scores = q kᵀ + bias, NO 1/√d_kv))
//               x += wo(act(wi_0 rms1(x)) * wi_1 rms1(x))     (gated; `wi` when not gated)
//   out = final_rms(x)
//
// No attention mask: SD3 passes none, so padding (id 0) takes part in attention and every
// position is returned.
//
// Precision: float32 or bfloat16 (float64 for checks). float16 is refused with
// EngineError(InvalidRequest): T5 v1.1 XXL's feed-forward activations exceed the fp16
// range (transformers needs `wo` kept in float32 plus clamping of the hidden states to run
// it in fp16 at all). bfloat16 has float32's range and is what GPUs run T5-XXL in; SD3's
// F16 files are cast on load.

#include <ATen/ATen.h>

#include <map>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/nn/layers.h"
#include "engine/nn/parameters.h"

namespace archival::engine {

struct T5EncoderConfig {
    // Defaults are transformers' T5Config defaults (t5-small), used where a key is absent.
    std::int64_t vocabSize = 32128;
    std::int64_t dModel = 512;
    std::int64_t dKv = 64;
    std::int64_t numHeads = 8;
    std::int64_t dFf = 2048;
    std::int64_t numLayers = 6;
    std::int64_t relativeAttentionNumBuckets = 32;
    std::int64_t relativeAttentionMaxDistance = 128;
    double layerNormEpsilon = 1e-6;
    // "relu", "gated-gelu", "gated-silu", ... : `[gated-]<act>`. "gated-gelu" means the
    // tanh GELU ("gelu_new") for backwards compatibility, as in transformers.
    std::string feedForwardProj = "relu";
    // Derived from feedForwardProj; an explicit `dense_act_fn` / `is_gated_act` in the
    // file wins, as transformers' PretrainedConfig sets leftover keys last.
    std::string denseActFn = "relu";
    bool isGatedAct = false;

    // heads x d_kv: the width of q, k, v (need not equal d_model).
    std::int64_t innerDim() const { return numHeads * dKv; }

    // Throws EngineError(ModelLoad) naming `source` and the key when a value has the wrong
    // type, is out of range, or describes a model this code cannot run.
    static T5EncoderConfig fromJson(const nlohmann::json& json,
                                    const std::string& source = "config");
    static T5EncoderConfig fromFile(const std::string& configPath);
    void validate(const std::string& source = "config") const;
};

// T5's bidirectional relative-position bucket of each `relativePosition` (= key position −
// query position), as transformers' T5Attention._relative_position_bucket with
// bidirectional=True: half the buckets per direction (+half when the key is after the
// query); |d| < half/2 exact; larger distances log-spaced up to maxDistance, capped at
// half − 1. Returns int64 of the same shape.
at::Tensor relativePositionBucket(const at::Tensor& relativePosition, std::int64_t numBuckets = 32,
                                  std::int64_t maxDistance = 128);

class T5Encoder {
  public:
    // Optional observers of one forward pass.
    struct Hooks {
        // Called before every block; may throw (EngineError(Interrupted) to cancel): one
        // T5-XXL block over 256 tokens takes about a second on a CPU core.
        std::function<void()> beforeBlock;
        // Receives "embed_tokens" (shared[ids]) and "block.<i>" (each block's output,
        // before the final norm), as HF's hidden_states before the last entry.
        std::function<void(const std::string&, const at::Tensor&)> record;
    };

    // Builds the encoder, asking `scope` for every parameter by its transformers name
    // (`shared.weight`, `encoder.block.<i>.layer.<j>...`, `encoder.final_layer_norm.weight`).
    // The config is validated first (EngineError(ModelLoad)); float16 parameters are
    // refused (EngineError(InvalidRequest), see above).
    T5Encoder(const T5EncoderConfig& config, const Scope& scope);

    // ids: [B, T] token ids (any integer dtype, any device), each in [0, vocab_size).
    // Returns the last hidden state [B, T, d_model] after the final RMS norm, in the
    // model's dtype on its device. Bad input throws EngineError(InvalidRequest).
    at::Tensor forward(const at::Tensor& ids, const Hooks& hooks = {}) const;

    // The position bias added to the attention scores: [1, heads, T, T] in the model's
    // dtype, from block 0's table.
    at::Tensor positionBias(std::int64_t tokens) const;

    const T5EncoderConfig& config() const { return config_; }
    at::ScalarType dtype() const { return shared_.scalar_type(); }
    at::Device device() const { return shared_.device(); }

  private:
    struct Attention {
        nn::Linear q, k, v, o;
    };
    struct FeedForward {
        nn::Linear wi0, wi1, wo;  // gated: act(wi_0 x) * wi_1 x; not gated: act(wi x) in wi0
    };
    struct Block {
        nn::RMSNorm attentionNorm;
        Attention attention;
        nn::RMSNorm feedForwardNorm;
        FeedForward feedForward;
    };

    at::Tensor activation(const at::Tensor& x) const;

    T5EncoderConfig config_;
    at::Tensor shared_;                 // [vocab, d_model]
    at::Tensor relativeAttentionBias_;  // [num_buckets, heads], block 0 only
    std::vector<Block> blocks_;
    nn::RMSNorm finalNorm_;
};

// Loads a T5 encoder folder (config.json + model.safetensors, or SD3's two shards with
// model.safetensors.index.json) strictly, cast to `dtype` on `device`. A tied copy
// `encoder.embed_tokens.weight` is accepted (and used when `shared.weight` is absent).
// Throws EngineError(InvalidRequest) for float16 before reading any weight,
// EngineError(ModelLoad) naming every missing / unexpected / mis-shaped tensor.
// `parameters`, when given, receives every loaded weight by name.
std::unique_ptr<T5Encoder> loadT5Encoder(const std::string& folder, at::ScalarType dtype,
                                         at::Device device = at::kCPU,
                                         std::map<std::string, at::Tensor>* parameters = nullptr);

}  // namespace archival::engine
