#pragma once
// Where a model's parameters come from. A model's constructor walks its own structure and
// asks a ParameterSource for each tensor by its full checkpoint name and expected shape,
// so the same code
//   - loads a real checkpoint strictly (CheckpointSource: every missing, unexpected or
//     mis-shaped tensor is named in one error),
//   - builds the full-size tree on the meta device without memory (MetaSource: the names
//     and shapes are compared with the manifests of the real models),
//   - or fills random weights for benchmarks (RandomSource).
// Every parameter handed out is remembered by name (for LoRA merging and removal).

#include <ATen/ATen.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/io/checkpoint.h"

namespace archival::engine {

class ParameterSource {
  public:
    virtual ~ParameterSource() = default;

    // The tensor called `name` with `shape`. Implementations may return an undefined
    // tensor while collecting errors; finish() then throws.
    virtual at::Tensor take(const std::string& name, at::IntArrayRef shape) = 0;
    // Called once the model is built: throws EngineError(ModelLoad) listing every problem.
    virtual void finish() {}

    // Every parameter handed out, by full name (tensors share storage with the model).
    const std::map<std::string, at::Tensor>& taken() const { return taken_; }
    // (name, shape) in the order they were asked for.
    const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& specs() const {
        return specs_;
    }

  protected:
    void remember(const std::string& name, at::IntArrayRef shape, const at::Tensor& t) {
        specs_.emplace_back(name, shape.vec());
        if (t.defined()) taken_[name] = t;
    }

  private:
    std::map<std::string, at::Tensor> taken_;
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> specs_;
};

// A name prefix over a source: Scope("unet.") / "down_blocks" / 0 / "resnets".
class Scope {
  public:
    Scope(ParameterSource& source, std::string prefix = {})
        : source_(&source), prefix_(std::move(prefix)) {}

    Scope operator/(const std::string& child) const {
        Scope s(*source_, join(child) + ".");
        s.packsWeights_ = packsWeights_;
        return s;
    }
    Scope operator/(std::int64_t index) const { return *this / std::to_string(index); }
    at::Tensor param(const std::string& name, at::IntArrayRef shape) const {
        return source_->take(join(name), shape);
    }
    const std::string& prefix() const { return prefix_; }
    ParameterSource& source() const { return *source_; }
    // Layers made under the returned scope keep no packed copy of their weights
    // (packed_conv.h, packed_linear.h): for models that run once or twice a job (the text
    // encoders), where a copy the size of the weights would buy nothing and take the room
    // the denoiser's layers are packed in.
    Scope withoutPackedWeights() const {
        Scope s = *this;
        s.packsWeights_ = false;
        return s;
    }
    bool packsWeights() const { return packsWeights_; }

  private:
    std::string join(const std::string& child) const { return prefix_ + child; }
    ParameterSource* source_;
    std::string prefix_;
    bool packsWeights_ = true;
};

// Strict loading from a checkpoint, cast to `dtype` on `device`; tensors the file already
// holds in `dtype` are, on the CPU, read-only views of its mapping (see viewTensor).
class CheckpointSource : public ParameterSource {
  public:
    // `rename` maps a model name to the checkpoint's name (identity by default), for
    // layouts that spell the same tensors differently (legacy VAE attention names, the
    // original single-file SD 1.5 layout). `prefix` is prepended after renaming.
    using Rename = std::function<std::string(const std::string&)>;
    CheckpointSource(const Checkpoint& checkpoint, at::ScalarType dtype, at::Device device,
                     Rename rename = nullptr, std::string prefix = {});

    at::Tensor take(const std::string& name, at::IntArrayRef shape) override;
    // Throws when a tensor was missing or mis-shaped, or when the checkpoint (within
    // `prefix`) holds tensors the model did not ask for, except those `ignoreUnused` accepts.
    void finish() override;
    void ignoreUnused(std::function<bool(const std::string&)> predicate) {
        ignore_ = std::move(predicate);
    }

  private:
    const Checkpoint& checkpoint_;
    at::ScalarType dtype_;
    at::Device device_;
    Rename rename_;
    std::string prefix_;
    std::vector<std::string> missing_, misshaped_;
    std::map<std::string, bool> used_;
    std::function<bool(const std::string&)> ignore_;
};

// Weights already loaded (in host memory), by name, moved to `device`: builds a component's
// device copy for its stage when it is offloaded between stages.
class TensorMapSource : public ParameterSource {
  public:
    TensorMapSource(const std::map<std::string, at::Tensor>& tensors, at::Device device)
        : tensors_(tensors), device_(device) {}
    // Throws EngineError(Internal) for a name or shape the map does not hold.
    at::Tensor take(const std::string& name, at::IntArrayRef shape) override;

  private:
    const std::map<std::string, at::Tensor>& tensors_;
    at::Device device_;
};

// Meta tensors: names and shapes only, no memory.
class MetaSource : public ParameterSource {
  public:
    explicit MetaSource(at::ScalarType dtype = at::kFloat) : dtype_(dtype) {}
    at::Tensor take(const std::string& name, at::IntArrayRef shape) override;

  private:
    at::ScalarType dtype_;
};

// Random weights for benchmarks and shape tests: N(0, 0.02) matrices, norm weights 1,
// biases 0; deterministic for a seed.
class RandomSource : public ParameterSource {
  public:
    RandomSource(std::uint64_t seed, at::ScalarType dtype, at::Device device);
    at::Tensor take(const std::string& name, at::IntArrayRef shape) override;

  private:
    // N(0, 0.02) in `dtype_` on the host; fp32 draws are the same values as at::normal's.
    at::Tensor draw(at::IntArrayRef shape);

    at::Generator generator_;
    at::ScalarType dtype_;
    at::Device device_;
    at::Tensor scratch_;  // fp32 pieces of a draw in another dtype
};

}  // namespace archival::engine
