// The SD3 / SD3.5 MMDiT at real width and the P0 size (1360x768 -> latent 96x170 -> 48x85
// patches = 4080 image tokens, + 333 text tokens), with random weights.
//
// Why not the whole SD3.5 Large: it has 8.1 B parameters (manifests/README.md), 16 GB in
// bf16 and 32 GB in fp32, more than a 24 GB build machine has with other work running, and
// one forward at this size is ~31 TFLOP (hours on two CPU cores). Every block has the same
// structure, so a slice of the real width (all real dims, 2 layers: a regular block and the
// last, context_pre_only one) runs every shape the full model runs; more layers only repeat
// blocks. The full-size layouts themselves are proven against the manifests by
// test_sd3_transformer.
//
// Dtype: bf16 (the GPU run dtype) on CUDA and on CPUs that compute bf16 natively
// (AVX512-BF16 or AMX). Elsewhere libtorch emulates bf16 matrix products, ~5x slower than
// float32 (measured on the AVX-512 build machines, which lack AVX512-BF16): the CPU path
// of the app runs float32 there, and so does this test.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/cpu/Utils.h>

#include <QElapsedTimer>
#include <QtTest>

#include "engine/models/sd3_transformer.h"
#include "engine/util/json_file.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

// P0: 1360x768 pixels; the SD3 VAE downscales by 8 (latent 96 high, 170 wide).
constexpr std::int64_t kLatentHeight = 768 / 8;
constexpr std::int64_t kLatentWidth = 1360 / 8;
// 77 CLIP tokens + 256 T5 tokens (StableDiffusion3Pipeline, max_sequence_length 256).
constexpr std::int64_t kTextTokens = 77 + 256;

SD3TransformerConfig slice(const QString& manifestConfig, std::int64_t layers) {
    auto config = SD3TransformerConfig::fromFile(
        (archival::test::fixturesDir() + QStringLiteral("/manifests/") + manifestConfig)
            .toStdString());
    config.numLayers = layers;
    std::vector<std::int64_t> dual;
    for (const std::int64_t l : config.dualAttentionLayers)
        if (l < layers) dual.push_back(l);
    config.dualAttentionLayers = dual;
    return config;
}

struct Target {
    at::Device device = at::kCPU;
    at::ScalarType dtype = at::kFloat;
};

Target target() {
    if (at::hasCUDA()) return {at::kCUDA, at::kBFloat16};
    if (at::cpu::is_avx512_bf16_supported() || at::cpu::is_amx_tile_supported())
        return {at::kCPU, at::kBFloat16};
    return {at::kCPU, at::kFloat};
}

void runAtP0Size(const SD3TransformerConfig& config) {
    const Target on = target();
    RandomSource source(1234, on.dtype, on.device);
    const SD3Transformer model(config, Scope(source));
    auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
    const auto opts = at::TensorOptions().dtype(on.dtype).device(on.device);
    const at::Tensor latents =
        at::randn({1, config.inChannels, kLatentHeight, kLatentWidth}, gen).to(opts);
    const at::Tensor text = at::randn({1, kTextTokens, config.jointAttentionDim}, gen).to(opts);
    const at::Tensor pooled = at::randn({1, config.pooledProjectionDim}, gen).to(opts);
    const at::Tensor timestep = at::full({1}, 857.6923f);

    int blocks = 0;
    SD3Transformer::Hooks hooks;
    hooks.beforeBlock = [&] { ++blocks; };
    QElapsedTimer timer;
    timer.start();
    const at::Tensor out = model.forward(latents, text, pooled, timestep, hooks);
    qInfo("width %lld, %lld layers (%zu dual) on %s in %s: forward %.1f s",
          (long long)config.innerDim(), (long long)config.numLayers,
          config.dualAttentionLayers.size(), on.device.str().c_str(), c10::toString(on.dtype),
          timer.elapsed() / 1000.0);
    QCOMPARE(out.sizes(), at::IntArrayRef({1, config.outChannels, kLatentHeight, kLatentWidth}));
    QCOMPARE(out.scalar_type(), on.dtype);
    QCOMPARE(blocks, int(config.numLayers));
    QVERIFY(at::isfinite(out).all().item<bool>());
}

}  // namespace

class TestSD3TransformerSlow : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    // SD3.5 Large (P0's model): width 2432, 38 heads, qk RMS norm; 2 of its 38 layers.
    void sd35LargeSliceAtP0Size() {
        runAtP0Size(slice(QStringLiteral("sd35_large_transformer.config.json"), 2));
    }

    // SD3.5 Medium (MMDiT-X): width 1536, a 384x384 position table, dual attention;
    // 2 of its 24 layers, both dual (the second also context_pre_only).
    void sd35MediumSliceAtP0Size() {
        const auto config = slice(QStringLiteral("sd35_medium_transformer.config.json"), 2);
        QVERIFY(config.isDualAttentionLayer(0) && config.isDualAttentionLayer(1));
        runAtP0Size(config);
    }
};

QTEST_GUILESS_MAIN(TestSD3TransformerSlow)
#include "test_sd3_transformer_slow.moc"
