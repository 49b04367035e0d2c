// nn::Conv2d on the CPU runs oneDNN on a weight packed once: the same numbers as
// at::conv2d for every stride, padding, layout and float type the models use, a plain result
// after `.contiguous()`, and new numbers as soon as the weight is written in place (LoRA)
// or replaced.
#include <QtTest>

#include "engine/nn/layers.h"
#include "engine/nn/packed_conv.h"
#include "engine/nn/parameters.h"

using namespace archival::engine;

namespace {

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<double>();
}

}  // namespace

class TestPackedConv : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(nn::PackedConvWeight::serves(at::zeros({1, 1, 1, 1}), at::zeros({1, 1, 1, 1})),
                 "this libtorch has no oneDNN packed convolution: the CPU path is not under test");
    }

    void matchesConv2d_data() {
        QTest::addColumn<int>("kernel");
        QTest::addColumn<int>("stride");
        QTest::addColumn<int>("padding");
        QTest::addColumn<bool>("channelsLast");
        QTest::addColumn<bool>("bf16");
        for (bool bf16 : {false, true})
            for (bool cl : {false, true}) {
                const QByteArray tag =
                    QByteArray(bf16 ? "bf16" : "fp32") + (cl ? " nhwc" : " nchw");
                QTest::newRow(tag + " 3x3") << 3 << 1 << 1 << cl << bf16;
                QTest::newRow(tag + " 3x3 stride 2") << 3 << 2 << 0 << cl << bf16;
                QTest::newRow(tag + " 1x1") << 1 << 1 << 0 << cl << bf16;
                QTest::newRow(tag + " 2x2 patches") << 2 << 2 << 0 << cl << bf16;
            }
    }

    void matchesConv2d() {
        QFETCH(int, kernel);
        QFETCH(int, stride);
        QFETCH(int, padding);
        QFETCH(bool, channelsLast);
        QFETCH(bool, bf16);
        const at::ScalarType dt = bf16 ? at::kBFloat16 : at::kFloat;
        RandomSource src(3, dt, at::kCPU);
        const nn::Conv2d conv(Scope(src, "c."), 24, 40, kernel, stride, padding);
        at::Tensor x = at::randn({2, 24, 13, 10}).to(dt);
        if (channelsLast) x = x.contiguous(at::MemoryFormat::ChannelsLast);
        // The reference in float64, and the classic bound on any summation order's error:
        // K products accumulated in fp32 (K = in · kernel²) are off by at most K·2⁻²⁴·Σ|w·x|,
        // plus the rounding of the output to its own type.
        auto conv64 = [&](const at::Tensor& in, const at::Tensor& w, const at::Tensor& b) {
            return at::conv2d(in.to(at::kDouble), w.to(at::kDouble), b.to(at::kDouble),
                              {stride, stride}, {padding, padding});
        };
        const at::Tensor truth = conv64(x, conv.weight, conv.bias);
        const double absSum =
            conv64(x.abs(), conv.weight.abs(), conv.bias.abs()).max().item<double>();
        const double k = 24.0 * kernel * kernel;
        const double bound = (std::ldexp(1.0, bf16 ? -8 : -24) + k * std::ldexp(1.0, -24)) * absSum;
        const at::Tensor packed = conv(x);
        QCOMPARE(packed.sizes(), truth.sizes());
        QCOMPARE(packed.scalar_type(), dt);
        const double err = maxAbsDiff(packed, truth);
        qInfo(
            "max |packed - f64| %.3g, bound %.3g (|conv2d - f64| %.3g)", err, bound,
            maxAbsDiff(at::conv2d(x, conv.weight, conv.bias, {stride, stride}, {padding, padding}),
                       truth));
        QVERIFY2(err <= bound, qPrintable(QStringLiteral("%1 > %2").arg(err).arg(bound)));
        QCOMPARE(packed.contiguous().is_contiguous(), true);
    }

    void followsWeightsWrittenInPlace() {
        RandomSource src(5, at::kFloat, at::kCPU);
        const nn::Conv2d conv(Scope(src, "c."), 8, 8, 3, 1, 1);
        const at::Tensor x = at::randn({1, 8, 6, 6});
        const at::Tensor before = conv(x);
        // What LoRA does: write into the parameter, then say so.
        conv.weight.mul_(2.0);
        nn::weightsWrittenInPlace();
        const at::Tensor after = conv(x);
        const at::Tensor expected = at::conv2d(x, conv.weight, conv.bias, {1, 1}, {1, 1});
        QVERIFY(maxAbsDiff(after, expected) < 1e-5);
        QVERIFY(maxAbsDiff(after, before) > 1e-3);
    }

    // Packed for the first input's size; other sizes (another image size, a CFG batch) must
    // still get right numbers.
    void servesOtherInputSizes() {
        RandomSource src(7, at::kBFloat16, at::kCPU);
        const nn::Conv2d conv(Scope(src, "c."), 16, 32, 3, 1, 1);
        for (const auto& shape :
             {std::vector<std::int64_t>{1, 16, 8, 8}, {2, 16, 40, 24}, {1, 16, 5, 3}}) {
            const at::Tensor x = at::randn(shape).to(at::kBFloat16);
            const at::Tensor expected = at::conv2d(x.to(at::kFloat), conv.weight.to(at::kFloat),
                                                   conv.bias.to(at::kFloat), {1, 1}, {1, 1});
            const double err = maxAbsDiff(conv(x), expected);
            QVERIFY2(err <= std::ldexp(1.0, -7) * expected.abs().max().item<double>(),
                     qPrintable(QString::number(err)));
        }
    }

    void followsAReplacedWeight() {
        RandomSource src(6, at::kFloat, at::kCPU);
        nn::Conv2d conv(Scope(src, "c."), 8, 8, 3, 1, 1);
        const at::Tensor x = at::randn({1, 8, 6, 6});
        (void)conv(x);
        conv.weight = conv.weight * -1.0;  // new storage: the packed copy must follow it
        const at::Tensor expected = at::conv2d(x, conv.weight, conv.bias, {1, 1}, {1, 1});
        QVERIFY(maxAbsDiff(conv(x), expected) < 1e-5);
    }
};

QTEST_GUILESS_MAIN(TestPackedConv)
#include "test_packed_conv.moc"
