#include "engine/nn/parameters.h"

#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "engine/errors.h"
#include "engine/io/tensor_loader.h"

namespace archival::engine {
namespace {

std::string shapeText(at::IntArrayRef shape) {
    std::ostringstream out;
    out << shape;
    return out.str();
}

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

CheckpointSource::CheckpointSource(const Checkpoint& checkpoint, at::ScalarType dtype,
                                   at::Device device, Rename rename, std::string prefix)
    : checkpoint_(checkpoint),
      dtype_(dtype),
      device_(device),
      rename_(std::move(rename)),
      prefix_(std::move(prefix)) {}

at::Tensor CheckpointSource::take(const std::string& name, at::IntArrayRef shape) {
    const std::string fileName = prefix_ + (rename_ ? rename_(name) : name);
    const Checkpoint::Entry* entry = checkpoint_.find(fileName);
    if (!entry) {
        missing_.push_back(fileName);
        remember(name, shape, {});
        return {};
    }
    used_[fileName] = true;
    if (at::IntArrayRef(entry->info->shape) != shape) {
        misshaped_.push_back(fileName + " (expected " + shapeText(shape) + ", file has " +
                             shapeText(entry->info->shape) + ")");
        remember(name, shape, {});
        return {};
    }
    if (!isFloatingPoint(entry->info->dtype)) {
        misshaped_.push_back(fileName + " (stored as " + dtypeName(entry->info->dtype) +
                             ", expected a float type)");
        remember(name, shape, {});
        return {};
    }
    // Weights already in the run's dtype stay in the file (no copy, no memory of their own
    // until touched, and given back when the model goes).
    at::Tensor t = viewOrLoadTensor(*entry, dtype_, device_);
    remember(name, shape, t);
    return t;
}

void CheckpointSource::finish() {
    std::vector<std::string> unexpected;
    for (const auto& [fileName, entry] : checkpoint_.entries()) {
        if (fileName.compare(0, prefix_.size(), prefix_) != 0 || used_.count(fileName)) continue;
        if (ignore_ && ignore_(fileName)) continue;
        unexpected.push_back(fileName);
    }
    if (missing_.empty() && misshaped_.empty() && unexpected.empty()) return;
    std::ostringstream msg;
    msg << "checkpoint " << checkpoint_.path() << " does not match the model";
    auto list = [&](const char* what, const std::vector<std::string>& names) {
        if (names.empty()) return;
        msg << "\n  " << what << " (" << names.size() << "):";
        const size_t shown = std::min<size_t>(names.size(), 20);
        for (size_t i = 0; i < shown; ++i) msg << "\n    " << names[i];
        if (shown < names.size()) msg << "\n    ... and " << names.size() - shown << " more";
    };
    list("missing", missing_);
    list("wrong shape or type", misshaped_);
    list("unexpected", unexpected);
    throw EngineError(ErrorKind::ModelLoad, msg.str());
}

at::Tensor TensorMapSource::take(const std::string& name, at::IntArrayRef shape) {
    auto it = tensors_.find(name);
    if (it == tensors_.end() || it->second.sizes() != shape)
        throw EngineError(ErrorKind::Internal,
                          "offloaded weights lack " + name + " " + shapeText(shape));
    // Non-blocking: the copies of one component queue up behind each other on a GPU.
    at::Tensor t = it->second.to(device_, /*non_blocking=*/true);
    remember(name, shape, t);
    return t;
}

at::Tensor MetaSource::take(const std::string& name, at::IntArrayRef shape) {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype_).device(at::kMeta));
    remember(name, shape, t);
    return t;
}

RandomSource::RandomSource(std::uint64_t seed, at::ScalarType dtype, at::Device device)
    : generator_(at::make_generator<at::CPUGeneratorImpl>(seed)), dtype_(dtype), device_(device) {}

at::Tensor RandomSource::draw(at::IntArrayRef shape) {
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype_));
    if (dtype_ == at::kFloat) return t.normal_(0.0, 0.02, generator_);
    // Other dtypes: fp32 draws (the vectorised kernel; a 16-bit one is several times slower)
    // in pieces through one buffer, cast into the weight. A whole fp32 draw per weight, made
    // and freed, left the heap with holes that later draws no longer fitted, freed but still
    // resident: some GB for a 16-bit full-size MMDiT. The buffer is larger than glibc's
    // largest mmap threshold, so it is a mapping of its own, never a part of the heap.
    constexpr std::int64_t kPiece = std::int64_t(1) << 24;  // 64 MB of fp32
    if (!scratch_.defined()) scratch_ = at::empty({kPiece}, at::kFloat);
    at::Tensor flat = t.view({-1});
    for (std::int64_t offset = 0; offset < flat.numel(); offset += kPiece) {
        const std::int64_t n = std::min(kPiece, flat.numel() - offset);
        flat.narrow(0, offset, n).copy_(scratch_.narrow(0, 0, n).normal_(0.0, 0.02, generator_));
    }
    return t;
}

at::Tensor RandomSource::take(const std::string& name, at::IntArrayRef shape) {
    const auto options = at::TensorOptions().dtype(dtype_).device(device_);
    at::Tensor t;
    const bool isNorm = name.find("norm") != std::string::npos;
    if (endsWith(name, "bias")) {
        t = at::zeros(shape, options);
    } else if (isNorm && shape.size() == 1) {
        t = at::ones(shape, options);
    } else {
        t = draw(shape).to(device_);
    }
    remember(name, shape, t);
    return t;
}

}  // namespace archival::engine
