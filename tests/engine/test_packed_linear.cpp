// nn::Linear on the CPU in fp32 runs oneDNN on a weight packed once: the numbers of a linear
// layer within fp32's summation bound for every input rank and row count, new numbers as
// soon as the weight is written in place (LoRA) or replaced, and at::linear once the
// process-wide budget for packed copies is spent (never a copy past it).
#include <QtTest>

#include "engine/nn/layers.h"
#include "engine/nn/packed_linear.h"
#include "engine/nn/parameters.h"

using namespace archival::engine;

namespace {

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// K products accumulated in fp32 are off by at most K·2⁻²⁴·Σ|w·x| whatever the order, plus
// the output's own rounding.
double fp32Bound(const at::Tensor& x, const nn::Linear& l) {
    const at::Tensor absSum =
        at::linear(x.abs().to(at::kDouble), l.weight.abs().to(at::kDouble),
                   l.bias.defined() ? l.bias.abs().to(at::kDouble) : at::Tensor());
    const double k = static_cast<double>(l.weight.size(1));
    return (1 + k) * std::ldexp(1.0, -24) * absSum.max().item<double>();
}

at::Tensor linear64(const at::Tensor& x, const nn::Linear& l) {
    return at::linear(x.to(at::kDouble), l.weight.to(at::kDouble),
                      l.bias.defined() ? l.bias.to(at::kDouble) : at::Tensor());
}

}  // namespace

class TestPackedLinear : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(nn::PackedLinearWeight::serves(at::zeros({1, 4}), at::zeros({4, 4})),
                 "this libtorch has no oneDNN linear: the packed path is not under test");
        QVERIFY(!nn::PackedLinearWeight::serves(at::zeros({1, 4}, at::kBFloat16),
                                                at::zeros({4, 4}, at::kBFloat16)));
    }

    void matchesLinear_data() {
        QTest::addColumn<QVector<qint64>>("shape");
        QTest::addColumn<bool>("withBias");
        QTest::newRow("2-D") << QVector<qint64>{37, 48} << true;
        QTest::newRow("3-D, tokens") << QVector<qint64>{2, 77, 48} << true;
        QTest::newRow("4-D") << QVector<qint64>{2, 3, 5, 48} << true;
        QTest::newRow("one row, no bias") << QVector<qint64>{1, 48} << false;
    }

    void matchesLinear() {
        QFETCH(QVector<qint64>, shape);
        QFETCH(bool, withBias);
        RandomSource src(3, at::kFloat, at::kCPU);
        const nn::Linear l(Scope(src, "l."), 48, 40, withBias);
        const at::Tensor x = at::randn(std::vector<std::int64_t>(shape.begin(), shape.end()));
        const std::uint64_t held = nn::PackedLinearWeight::heldBytes();
        const at::Tensor y = l(x);
        QCOMPARE(nn::PackedLinearWeight::heldBytes(), held + 48 * 40 * 4);  // packed, counted
        std::vector<std::int64_t> expected(shape.begin(), shape.end());
        expected.back() = 40;
        QCOMPARE(y.sizes().vec(), expected);
        QCOMPARE(y.scalar_type(), at::kFloat);
        const double err = maxAbsDiff(y, linear64(x, l));
        const double bound = fp32Bound(x, l);
        QVERIFY2(err <= bound, qPrintable(QStringLiteral("%1 > %2").arg(err).arg(bound)));
    }

    // Packed for the first call's rows; other row counts (another image size, a CFG batch)
    // and a non-contiguous input must still get right numbers.
    void servesOtherRowCounts() {
        RandomSource src(7, at::kFloat, at::kCPU);
        const nn::Linear l(Scope(src, "l."), 64, 96);
        for (const std::int64_t rows : {256, 3, 1000}) {
            const at::Tensor x = at::randn({rows, 64});
            QVERIFY(maxAbsDiff(l(x), linear64(x, l)) <= fp32Bound(x, l));
        }
        const at::Tensor strided = at::randn({64, 50}).t();
        QVERIFY(maxAbsDiff(l(strided), linear64(strided, l)) <= fp32Bound(strided, l));
    }

    void followsWeightsWrittenInPlace() {
        RandomSource src(5, at::kFloat, at::kCPU);
        const nn::Linear l(Scope(src, "l."), 16, 16);
        const at::Tensor x = at::randn({4, 16});
        const at::Tensor before = l(x);
        // What LoRA does: write into the parameter, then say so.
        l.weight.mul_(2.0);
        nn::weightsWrittenInPlace();
        const at::Tensor after = l(x);
        QVERIFY(maxAbsDiff(after, linear64(x, l)) <= fp32Bound(x, l));
        QVERIFY(maxAbsDiff(after, before) > 1e-3);
    }

    void followsAReplacedWeight() {
        RandomSource src(6, at::kFloat, at::kCPU);
        nn::Linear l(Scope(src, "l."), 16, 16);
        const at::Tensor x = at::randn({4, 16});
        (void)l(x);
        l.weight = l.weight * -1.0;  // new storage: the packed copy must follow it
        QVERIFY(maxAbsDiff(l(x), linear64(x, l)) <= fp32Bound(x, l));
    }

    // The text encoders' scope: plain at::linear, nothing counted against the budget.
    void scopeWithoutPackedWeightsKeepsNoCopy() {
        RandomSource src(9, at::kFloat, at::kCPU);
        const nn::Linear l(Scope(src, "l.").withoutPackedWeights() / "inner", 32, 24);
        const at::Tensor x = at::randn({6, 32});
        const std::uint64_t held = nn::PackedLinearWeight::heldBytes();
        QVERIFY(maxAbsDiff(l(x), linear64(x, l)) <= fp32Bound(x, l));
        QCOMPARE(nn::PackedLinearWeight::heldBytes(), held);
    }

    void budgetBoundsTheCopies() {
        const std::uint64_t budget = nn::PackedLinearWeight::budgetBytes();
        QVERIFY(budget > 0);  // an eighth of the machine's memory
        RandomSource src(8, at::kFloat, at::kCPU);
        const at::Tensor x = at::randn({8, 32});
        std::uint64_t held = 0;
        {
            const nn::Linear first(Scope(src, "a."), 32, 32);
            const nn::Linear second(Scope(src, "b."), 32, 32);
            held = nn::PackedLinearWeight::heldBytes();
            nn::PackedLinearWeight::setBudgetBytes(held + 32 * 32 * 4);  // room for one
            (void)first(x);
            QCOMPARE(nn::PackedLinearWeight::heldBytes(), held + 32 * 32 * 4);
            const at::Tensor y = second(x);  // past the budget: at::linear, no copy
            QCOMPARE(nn::PackedLinearWeight::heldBytes(), held + 32 * 32 * 4);
            QVERIFY(maxAbsDiff(y, linear64(x, second)) <= fp32Bound(x, second));
        }
        // Dropped layers give their bytes back.
        QCOMPARE(nn::PackedLinearWeight::heldBytes(), held);
        nn::PackedLinearWeight::setBudgetBytes(budget);
    }
};

QTEST_GUILESS_MAIN(TestPackedLinear)
#include "test_packed_linear.moc"
