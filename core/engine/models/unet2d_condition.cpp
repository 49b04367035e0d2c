#include "engine/models/unet2d_condition.h"

#include <algorithm>
#include <sstream>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/models/ldm_unet_names.h"

namespace archival::engine {
namespace {

[[noreturn]] void invalid(const std::string& message) {
    throw EngineError(ErrorKind::InvalidRequest, "UNet input: " + message);
}

std::string shapeText(at::IntArrayRef shape) {
    std::ostringstream out;
    out << shape;
    return out.str();
}

template <typename T>
std::vector<T> reversed(std::vector<T> v) {
    std::reverse(v.begin(), v.end());
    return v;
}

unet::BlockSpec blockSpec(const UNet2DConditionConfig& c, bool withAttention, std::int64_t heads,
                          std::int64_t transformerLayers, std::int64_t contextDim,
                          bool onlyCrossAttention) {
    unet::BlockSpec spec;
    spec.tembChannels = c.timeEmbeddingDim;
    spec.groups = c.normNumGroups;
    spec.eps = c.normEps;
    spec.withAttention = withAttention;
    spec.heads = heads;
    spec.transformerLayers = transformerLayers;
    spec.contextDim = contextDim;
    spec.linearProjection = c.useLinearProjection;
    spec.onlyCrossAttention = onlyCrossAttention;
    spec.upcastAttention = c.upcastAttention;
    return spec;
}

}  // namespace

UNet2DCondition::UNet2DCondition(const UNet2DConditionConfig& c, const Scope& s)
    : config_(c),
      convIn_(s / "conv_in", c.inChannels, c.blockOutChannels.at(0), c.convInKernel, 1,
              (c.convInKernel - 1) / 2),
      // The positional projection is block_out_channels[0] wide (diffusers _set_time_proj).
      timeEmbedding_(s / "time_embedding", c.blockOutChannels.at(0), c.timeEmbeddingDim),
      midBlock_(s / "mid_block",
                blockSpec(c, true, c.attentionHeads.back(), c.transformerLayersPerBlock.back(),
                          c.crossAttentionDim.back(), false),
                c.blockOutChannels.back(), c.midBlockScaleFactor),
      convNormOut_(s / "conv_norm_out", c.normNumGroups, c.blockOutChannels.at(0), c.normEps),
      convOut_(s / "conv_out", c.blockOutChannels.at(0), c.outChannels, c.convOutKernel, 1,
               (c.convOutKernel - 1) / 2) {
    const std::size_t n = c.numBlocks();

    // Down path, as diffusers UNet2DConditionModel.__init__ builds it.
    std::int64_t out = c.blockOutChannels[0];
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t in = out;
        out = c.blockOutChannels[i];
        downBlocks_.emplace_back(s / "down_blocks" / static_cast<std::int64_t>(i),
                                 blockSpec(c, c.downBlockHasAttention(i), c.attentionHeads[i],
                                           c.transformerLayersPerBlock[i], c.crossAttentionDim[i],
                                           c.onlyCrossAttention[i]),
                                 in, out, c.layersPerBlock[i], /*addDownsample=*/i + 1 < n,
                                 c.downsamplePadding);
    }

    // Up path: the per-block lists reversed; each block has one resnet more than its down
    // counterpart, and its last resnet takes the skip from the level below.
    const auto channels = reversed(c.blockOutChannels);
    const auto heads = reversed(c.attentionHeads);
    const auto layers = reversed(c.layersPerBlock);
    const auto contextDims = reversed(c.crossAttentionDim);
    const auto transformerLayers = reversed(c.transformerLayersPerBlock);
    const auto onlyCross = reversed(c.onlyCrossAttention);
    out = channels[0];
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t prevOut = out;
        out = channels[i];
        const std::int64_t in = channels[std::min(i + 1, n - 1)];
        std::vector<std::int64_t> skipChannels(static_cast<std::size_t>(layers[i] + 1), out);
        skipChannels.back() = in;
        upBlocks_.emplace_back(s / "up_blocks" / static_cast<std::int64_t>(i),
                               blockSpec(c, c.upBlockHasAttention(i), heads[i],
                                         transformerLayers[i], contextDims[i], onlyCross[i]),
                               prevOut, out, skipChannels, /*addUpsample=*/i + 1 < n);
    }

    const std::string& prefix = s.prefix();
    for (const auto& [name, tensor] : s.source().taken())
        if (name.compare(0, prefix.size(), prefix) == 0)
            parameters_.emplace(name.substr(prefix.size()), tensor);
}

at::Tensor UNet2DCondition::forward(const at::Tensor& sample, const at::Tensor& timestep,
                                    const at::Tensor& encoderHiddenStates,
                                    const UNetForwardHooks& hooks) const {
    validateInputs(sample, timestep, encoderHiddenStates);
    // libtorch reports failures as c10::Error; callers get typed engine errors.
    try {
        return run(sample, timestep, encoderHiddenStates, hooks);
    } catch (const c10::OutOfMemoryError& e) {
        throw EngineError(ErrorKind::OutOfMemory, "out of memory running the UNet on a " +
                                                      shapeText(sample.sizes()) +
                                                      " latent: " + e.what_without_backtrace());
    } catch (const c10::Error& e) {
        throw EngineError(ErrorKind::Internal,
                          std::string("UNet forward failed: ") + e.what_without_backtrace());
    }
}

void UNet2DCondition::validateInputs(const at::Tensor& sample, const at::Tensor& timestep,
                                     const at::Tensor& encoderHiddenStates) const {
    const auto& c = config_;
    if (!sample.defined() || sample.dim() != 4 || sample.size(1) != c.inChannels)
        invalid("sample must be [batch, " + std::to_string(c.inChannels) + ", h, w], got " +
                (sample.defined() ? shapeText(sample.sizes()) : std::string("nothing")));
    const std::int64_t batch = sample.size(0);
    if (batch == 0 || sample.size(2) == 0 || sample.size(3) == 0)
        invalid("sample " + shapeText(sample.sizes()) + " is empty");
    if (!encoderHiddenStates.defined() || encoderHiddenStates.dim() != 3 ||
        encoderHiddenStates.size(0) != batch)
        invalid("encoder_hidden_states must be [" + std::to_string(batch) +
                ", tokens, width], got " +
                (encoderHiddenStates.defined() ? shapeText(encoderHiddenStates.sizes())
                                               : std::string("nothing")));
    const std::size_t n = c.numBlocks();
    for (std::size_t i = 0; i < n; ++i) {
        // Widths the cross attentions use: down block i, up block n-1-i (reversed lists),
        // and the mid block (the last entry).
        const bool used =
            c.downBlockHasAttention(i) || c.upBlockHasAttention(n - 1 - i) || i + 1 == n;
        if (used && encoderHiddenStates.size(2) != c.crossAttentionDim[i])
            invalid("encoder_hidden_states are " + std::to_string(encoderHiddenStates.size(2)) +
                    " wide; this UNet's cross attention expects " +
                    std::to_string(c.crossAttentionDim[i]));
    }
    if (!timestep.defined() || timestep.dim() > 1 ||
        (timestep.numel() != 1 && timestep.numel() != batch))
        invalid("timestep must be a scalar, [1] or [" + std::to_string(batch) + "], got " +
                (timestep.defined() ? shapeText(timestep.sizes()) : std::string("nothing")));
}

at::Tensor UNet2DCondition::run(const at::Tensor& sample, const at::Tensor& timestep,
                                const at::Tensor& encoderHiddenStates,
                                const UNetForwardHooks& hooks) const {
    const auto& c = config_;
    const std::int64_t batch = sample.size(0);
    const auto record = [&](const char* name, const at::Tensor& t) {
        if (hooks.record) hooks.record(name, t);
    };
    const auto between = [&] {
        if (hooks.betweenBlocks) hooks.betweenBlocks();
    };

    const at::ScalarType dtype = this->dtype();
    const at::Device device = this->device();
    at::Tensor x = sample.to(device, dtype);
    const at::Tensor context = encoderHiddenStates.to(device, dtype);
    const at::Tensor t = timestep.to(device).reshape({-1}).expand({batch});

    // diffusers: when a latent side is not divisible by the total upsampling factor, each
    // up block upsamples to the size of the matching skip tensor instead of ×2 (85 → 43 → 22
    // on the way down must come back as 22 → 43 → 85, not 44 → 88).
    const std::int64_t overallUpFactor = std::int64_t{1} << c.numUpsamplers();
    const bool forwardUpsampleSize =
        x.size(2) % overallUpFactor != 0 || x.size(3) % overallUpFactor != 0;

    if (c.centerInputSample) x = 2 * x - 1.0;

    const at::Tensor tProj =
        unet::timestepProjection(t, c.blockOutChannels[0], c.flipSinToCos, c.freqShift);
    record("time_proj", tProj);
    const at::Tensor emb = timeEmbedding_(tProj.to(dtype));
    record("time_embedding", emb);
    // Every resnet applies SiLU to the embedding before its projection: do it once.
    const at::Tensor embActivated = at::silu(emb);

    x = convIn_(x);
    record("conv_in", x);
    between();

    std::vector<at::Tensor> skips{x};
    for (std::size_t i = 0; i < downBlocks_.size(); ++i) {
        x = downBlocks_[i].forward(x, embActivated, context, skips,
                                   "down_blocks." + std::to_string(i), hooks.record);
        between();
    }

    x = midBlock_.forward(x, embActivated, context);
    record("mid_block", x);
    between();

    for (std::size_t i = 0; i < upBlocks_.size(); ++i) {
        const auto& block = upBlocks_[i];
        std::optional<std::vector<std::int64_t>> upsampleSize;
        if (block.upsampler && forwardUpsampleSize) {
            // The skip the next block concatenates first: the newest one left after this
            // block has taken its own.
            const std::size_t taken = block.resnets.size();
            if (skips.size() <= taken)
                throw EngineError(ErrorKind::Internal, "UNet skip bookkeeping is inconsistent");
            const at::Tensor& next = skips[skips.size() - taken - 1];
            upsampleSize = std::vector<std::int64_t>{next.size(2), next.size(3)};
        }
        x = block.forward(x, embActivated, context, skips, std::move(upsampleSize));
        if (hooks.record) hooks.record("up_blocks." + std::to_string(i), x);
        between();
    }

    x = convNormOut_(x);
    record("conv_norm_out", x);
    x = convOut_(at::silu(x));
    record("conv_out", x);
    // plain layout out (the convolutions' is NHWC): the schedulers' arithmetic follows it
    return x.to(sample.scalar_type()).contiguous();
}

UNet2DCondition loadUNet2DCondition(const std::string& folder, at::ScalarType dtype,
                                    at::Device device) {
    const auto config = UNet2DConditionConfig::fromFile(folder + "/config.json");
    const Checkpoint checkpoint = Checkpoint::open(folder);
    CheckpointSource source(checkpoint, dtype, device);
    UNet2DCondition unet(config, Scope(source));
    source.finish();
    return unet;
}

UNet2DCondition loadUNet2DConditionFromLdm(const Checkpoint& checkpoint,
                                           const UNet2DConditionConfig& config,
                                           at::ScalarType dtype, at::Device device) {
    CheckpointSource source(checkpoint, dtype, device, ldmUnetRename(config), kLdmUnetPrefix);
    UNet2DCondition unet(config, Scope(source));
    source.finish();
    return unet;
}

}  // namespace archival::engine
