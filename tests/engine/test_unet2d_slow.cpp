// The full-size SD 1.5 UNet (860 M parameters, random weights) at the exhibition's odd
// latent sizes: P2's 960×800 (latent 100×120 → 50×60 → 25×30 → 13×15 on the way down) and
// 1360×768 (latent 96×170 → 85 → 43 → 22 wide). The up path must bring every level back to
// the size of its skip tensor, so the output has the input's shape.
// Runs on CUDA in bfloat16 when present, else on the CPU in float32 (3.4 GB of weights):
// the build machines' CPUs ran bfloat16 convolutions and matmuls ~2.5× slower than float32.
#include <QtTest>
#include <chrono>
#include <memory>

#include "engine/models/unet2d_condition.h"

using namespace archival::engine;

class TestUNet2DSlow : public QObject {
    Q_OBJECT
    std::unique_ptr<UNet2DCondition> unet_;
    at::Device device_ = at::hasCUDA() ? at::Device(at::kCUDA) : at::Device(at::kCPU);
    at::ScalarType dtype_ = at::hasCUDA() ? at::kBFloat16 : at::kFloat;

  public:
    TestUNet2DSlow() {
        // One CPU forward of the full model takes minutes on a busy build machine; Qt Test's
        // default watchdog (5 min per function) would abort it.
        if (qEnvironmentVariableIsEmpty("QTEST_FUNCTION_TIMEOUT"))
            qputenv("QTEST_FUNCTION_TIMEOUT", "3600000");
    }

  private Q_SLOTS:
    void initTestCase() {
        const auto started = std::chrono::steady_clock::now();
        RandomSource source(1234, dtype_, device_);
        unet_ = std::make_unique<UNet2DCondition>(UNet2DConditionConfig::stableDiffusion15(),
                                                  Scope(source));
        QCOMPARE(unet_->device().type(), device_.type());
        QCOMPARE(unet_->parameters().size(), size_t(686));  // manifests/README.md
        qInfo("random weights on %s: %.1f s", device_.str().c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }

    void fullSizeAtOddLatentSizes_data() {
        QTest::addColumn<int>("h");
        QTest::addColumn<int>("w");
        QTest::newRow("960x800") << 100 << 120;
        QTest::newRow("1360x768") << 96 << 170;
    }
    void fullSizeAtOddLatentSizes() {
        QFETCH(int, h);
        QFETCH(int, w);
        const auto started = std::chrono::steady_clock::now();
        const auto opts = at::TensorOptions().device(device_).dtype(at::kFloat);
        const at::Tensor sample = at::randn({1, 4, h, w}, opts);
        const at::Tensor context = at::randn({1, 77, 768}, opts);
        const at::Tensor out = unet_->forward(sample, at::full({1}, 801, at::kLong), context);
        qInfo("latent %dx%d on %s: %.1f s", h, w, device_.str().c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        QCOMPARE(out.sizes(), sample.sizes());
        QCOMPARE(out.scalar_type(), at::kFloat);  // the sample's dtype
        QVERIFY(at::isfinite(out).all().item<bool>());
        QVERIFY(out.abs().max().item<float>() > 0.0f);
    }
};

QTEST_GUILESS_MAIN(TestUNet2DSlow)
#include "test_unet2d_slow.moc"
