// The full-size SD 1.5 UNet (860 M parameters, random weights) at the exhibition's odd
// latent sizes: P2's 960×800 (latent 100×120 → 50×60 → 25×30 → 13×15 on the way down) and
// 1360×768 (latent 96×170 → 85 → 43 → 22 wide). The up path must bring every level back to
// the size of its skip tensor, so the output has the input's shape.
// Runs on CUDA when present, else on the CPU in bfloat16 (≈ 2 GB of weights).
#include <QtTest>
#include <chrono>

#include "engine/models/unet2d_condition.h"

using namespace archival::engine;

class TestUNet2DSlow : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void fullSizeAtOddLatentSizes() {
        const at::Device device = at::hasCUDA() ? at::Device(at::kCUDA) : at::Device(at::kCPU);
        const at::ScalarType dtype = at::kBFloat16;
        const auto cfg = UNet2DConditionConfig::stableDiffusion15();
        RandomSource source(1234, dtype, device);
        const UNet2DCondition unet(cfg, Scope(source));
        QCOMPARE(unet.device().type(), device.type());

        const auto opts = at::TensorOptions().device(device).dtype(at::kFloat);
        for (const auto& [h, w] : std::vector<std::pair<int, int>>{{100, 120}, {96, 170}}) {
            const auto started = std::chrono::steady_clock::now();
            const at::Tensor sample = at::randn({1, 4, h, w}, opts);
            const at::Tensor context = at::randn({1, 77, 768}, opts);
            const at::Tensor out = unet.forward(sample, at::full({1}, 801, at::kLong), context);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            qInfo("latent %dx%d on %s: %.1f s", h, w, device.str().c_str(), seconds);
            QCOMPARE(out.sizes(), sample.sizes());
            QCOMPARE(out.scalar_type(), at::kFloat);  // the sample's dtype
            QVERIFY(at::isfinite(out).all().item<bool>());
            QVERIFY(out.abs().max().item<float>() > 0.0f);
        }
    }
};

QTEST_GUILESS_MAIN(TestUNet2DSlow)
#include "test_unet2d_slow.moc"
