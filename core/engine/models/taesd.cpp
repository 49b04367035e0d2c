#include "engine/models/taesd.h"

#include "engine/errors.h"

namespace archival::engine {
namespace {

constexpr std::int64_t kChannels = 64;  // taesd.py: every hidden layer is 64 wide

// The Sequential index layout of taesd.py's Decoder: per stage, the indices of its Blocks
// and of the conv after its Upsample (-1: none). Index 0 is Clamp, 2 a ReLU, 6/11/16 the
// Upsamples; none of them has weights.
struct StageLayout {
    std::vector<int> blocks;
    int upConv;
};
const std::vector<StageLayout>& stageLayout() {
    static const std::vector<StageLayout> layout = {
        {{3, 4, 5}, 7}, {{8, 9, 10}, 12}, {{13, 14, 15}, 17}, {{18}, -1}};
    return layout;
}
constexpr int kConvIn = 1;
constexpr int kConvOut = 19;

}  // namespace

TaesdDecoder::Block::Block(const Scope& s)
    : conv0(s / "conv" / 0, kChannels, kChannels, 3, 1, 1),
      conv2(s / "conv" / 2, kChannels, kChannels, 3, 1, 1),
      conv4(s / "conv" / 4, kChannels, kChannels, 3, 1, 1) {}

at::Tensor TaesdDecoder::Block::operator()(const at::Tensor& x) const {
    const at::Tensor h = conv4(at::relu(conv2(at::relu(conv0(x)))));
    return at::relu(h + x);  // skip = Identity (64 -> 64), fuse = ReLU
}

TaesdDecoder::TaesdDecoder(int latentChannels, const Scope& scope)
    : latentChannels_(latentChannels),
      convIn_(scope / kConvIn, latentChannels, kChannels, 3, 1, 1) {
    if (latentChannels < 1)
        throw EngineError(ErrorKind::InvalidRequest, "TAESD needs at least one latent channel");
    for (const auto& layout : stageLayout()) {
        Stage stage;
        for (int index : layout.blocks) stage.blocks.emplace_back(scope / index);
        if (layout.upConv >= 0)
            stage.upConv = nn::Conv2d(scope / layout.upConv, kChannels, kChannels, 3, 1, 1,
                                      /*withBias=*/false);
        stages_.push_back(std::move(stage));
    }
    convOut_ = nn::Conv2d(scope / kConvOut, kChannels, 3, 3, 1, 1);
}

at::Tensor TaesdDecoder::decode(const at::Tensor& latents) const {
    if (!latents.defined() || latents.dim() != 4 || latents.size(1) != latentChannels_)
        throw EngineError(ErrorKind::InvalidRequest, "TAESD expects latents of shape [batch, " +
                                                         std::to_string(latentChannels_) +
                                                         ", height, width]");
    const at::Tensor& w = convIn_.weight;
    at::Tensor h = latents.to(w.device(), w.scalar_type());
    h = at::tanh(h / 3.0) * 3.0;  // Clamp: soft-limits latents to (-3, 3)
    h = at::relu(convIn_(h));
    for (const auto& stage : stages_) {
        for (const auto& block : stage.blocks) h = block(h);
        if (stage.upConv.weight.defined())
            h = stage.upConv(at::upsample_nearest2d(h, {2 * h.size(2), 2 * h.size(3)}));
    }
    return convOut_(h).contiguous();  // plain layout out (the convolutions' is NHWC)
}

TaesdDecoder loadTaesdDecoder(const std::string& path, at::ScalarType dtype, at::Device device) {
    const Checkpoint checkpoint = Checkpoint::open(path);
    const Checkpoint::Entry* first = checkpoint.find("1.weight");
    if (!first) {
        std::string hint;
        if (checkpoint.find("decoder.layers.0.weight"))
            hint =
                " (this looks like a diffusers AutoencoderTiny file; use taesd_decoder."
                "safetensors or taesd3_decoder.safetensors from madebyollin/taesd)";
        throw EngineError(ErrorKind::ModelLoad,
                          "not a TAESD decoder: " + path + " has no tensor '1.weight'" + hint);
    }
    const auto& shape = first->info->shape;
    if (shape.size() != 4 || shape[0] != kChannels || shape[1] < 1)
        throw EngineError(ErrorKind::ModelLoad, "not a TAESD decoder: '1.weight' in " + path +
                                                    " should be [64, latent channels, 3, 3]");
    CheckpointSource source(checkpoint, dtype, device);
    TaesdDecoder decoder(static_cast<int>(shape[1]), Scope(source));
    source.finish();
    return decoder;
}

}  // namespace archival::engine
