// Latent → RGB previews with the published factors.
#include <QtTest>

#include "engine/preview/latent_preview.h"

using namespace archival::engine;

class TestLatentPreview : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void zeroLatentsGiveTheBias() {
        const at::Tensor rgb = projectLatentsToRgb(at::zeros({2, 4, 3, 5}), LatentFormat::SD15);
        QCOMPARE(rgb.sizes(), at::IntArrayRef({2, 3, 5, 3}));
        QCOMPARE(rgb.scalar_type(), at::kByte);
        // (bias + 1) * 127.5: R 125.27 -> 125, G 120.38 -> 120, B 114.01 -> 114
        QCOMPARE(rgb[0][0][0][0].item<int>(), 125);
        QCOMPARE(rgb[1][2][4][1].item<int>(), 120);
        QCOMPARE(rgb[0][1][1][2].item<int>(), 114);
    }

    void projectsEachChannel() {
        at::Tensor x0 = at::zeros({1, 16, 1, 2});
        x0[0][2][0][0] = 1.0;    // channel 2: (0.1848, 0.0762, 0.0360)
        x0[0][15][0][1] = 10.0;  // channel 15 × 10: clamps to −1 → 0
        const at::Tensor rgb = projectLatentsToRgb(x0, LatentFormat::SD3);
        QCOMPARE(rgb[0][0][0][0].item<int>(), static_cast<int>(std::lround((0.1848 + 1) * 127.5)));
        QCOMPARE(rgb[0][0][0][1].item<int>(), static_cast<int>(std::lround((0.0762 + 1) * 127.5)));
        QCOMPARE(rgb[0][0][1][0].item<int>(), 0);
        const Image img = toImage(rgb[0]);
        QCOMPARE(img.width, 2);
        QCOMPARE(img.height, 1);
        QCOMPARE(int(img.rgb[0]), rgb[0][0][0][0].item<int>());
    }

    void rejectsTheWrongChannelCount() {
        QVERIFY_THROWS_EXCEPTION(std::exception,
                                 projectLatentsToRgb(at::zeros({1, 16, 2, 2}), LatentFormat::SD15));
    }
};

QTEST_GUILESS_MAIN(TestLatentPreview)
#include "test_latent_preview.moc"
