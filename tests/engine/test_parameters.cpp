// Parameter sources: strict checkpoint loading names every problem at once; meta and
// random sources build the same structure without a checkpoint.
#include <QTemporaryDir>
#include <QtTest>

#include "engine/errors.h"
#include "engine/io/safetensors.h"
#include "engine/nn/layers.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

// A tiny "model": a Linear 3->2 under "proj" and a GroupNorm(1, 2) under "norm".
struct TinyModel {
    nn::Linear proj;
    nn::GroupNorm norm;
    explicit TinyModel(const Scope& s) : proj(s / "proj", 3, 2), norm(s / "norm", 1, 2, 1e-5) {}
};

QString writeCheckpoint(const QTemporaryDir& dir, std::vector<TensorInfo> tensors) {
    const std::string header = makeSafetensorsHeader(tensors);
    QByteArray bytes = QByteArray::fromStdString(header);
    for (const auto& t : tensors) {
        for (std::int64_t i = 0; i < t.numel(); ++i) {
            const float v = 0.25f * static_cast<float>(i + 1);
            bytes.append(reinterpret_cast<const char*>(&v), 4);
        }
    }
    const QString path = dir.filePath("m.safetensors");
    archival::test::writeFile(path, bytes);
    return path;
}

}  // namespace

class TestParameters : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void loadsAndCasts() {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(writeCheckpoint(dir, {{"proj.weight", DType::F32, {2, 3}},
                                                               {"proj.bias", DType::F32, {2}},
                                                               {"norm.weight", DType::F32, {2}},
                                                               {"norm.bias", DType::F32, {2}}})
                                             .toStdString());
        CheckpointSource src(cp, at::kDouble, at::kCPU);
        TinyModel m{Scope(src)};
        src.finish();
        QCOMPARE(m.proj.weight.scalar_type(), at::kDouble);
        QCOMPARE(m.proj.weight[1][2].item<double>(), 1.5);
        QCOMPARE(src.taken().size(), size_t(4));
        const at::Tensor y = m.proj(at::ones({1, 3}, at::kDouble));
        QCOMPARE(y[0][0].item<double>(), 0.25 + 0.5 + 0.75 + 0.25);
    }

    void strictLoadNamesEveryProblem() {
        QTemporaryDir dir;
        const auto cp = Checkpoint::open(writeCheckpoint(dir, {{"proj.weight", DType::F32, {3, 2}},
                                                               {"norm.weight", DType::F32, {2}},
                                                               {"norm.bias", DType::F32, {2}},
                                                               {"stray.weight", DType::F32, {1}}})
                                             .toStdString());
        CheckpointSource src(cp, at::kFloat, at::kCPU);
        TinyModel m{Scope(src)};
        try {
            src.finish();
            QFAIL("a broken checkpoint loaded");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::ModelLoad);
            const QString msg = QString::fromStdString(e.what());
            QVERIFY2(msg.contains("missing (1):\n    proj.bias"), qPrintable(msg));
            QVERIFY2(msg.contains("proj.weight (expected [2, 3], file has [3, 2])"),
                     qPrintable(msg));
            QVERIFY2(msg.contains("unexpected (1):\n    stray.weight"), qPrintable(msg));
        }
    }

    void integerWeightsAreRejected() {
        QTemporaryDir dir;
        std::vector<TensorInfo> tensors = {{"proj.weight", DType::I32, {2, 3}},
                                           {"proj.bias", DType::F32, {2}},
                                           {"norm.weight", DType::F32, {2}},
                                           {"norm.bias", DType::F32, {2}}};
        const std::string header = makeSafetensorsHeader(tensors);
        archival::test::writeFile(dir.filePath("m.safetensors"),
                                  QByteArray::fromStdString(header) + QByteArray(48, '\0'));
        const auto cp = Checkpoint::open(dir.filePath("m.safetensors").toStdString());
        CheckpointSource src(cp, at::kFloat, at::kCPU);
        TinyModel m{Scope(src)};
        try {
            src.finish();
            QFAIL("an integer weight was accepted");
        } catch (const EngineError& e) {
            QVERIFY2(
                QString(e.what()).contains("proj.weight (stored as I32, expected a float type)"),
                e.what());
        }
    }

    void renameAndPrefixMapOtherLayouts() {
        QTemporaryDir dir;
        const auto cp =
            Checkpoint::open(writeCheckpoint(dir, {{"model.proj_w", DType::F32, {2, 3}},
                                                   {"model.proj.bias", DType::F32, {2}},
                                                   {"model.norm.weight", DType::F32, {2}},
                                                   {"model.norm.bias", DType::F32, {2}},
                                                   {"other.x", DType::F32, {1}}})
                                 .toStdString());
        CheckpointSource src(
            cp, at::kFloat, at::kCPU,
            [](const std::string& n) { return n == "proj.weight" ? std::string("proj_w") : n; },
            "model.");
        TinyModel m{Scope(src)};
        src.finish();  // "other.x" lies outside the prefix: not this model's concern
        QVERIFY(m.proj.weight.defined());
    }

    void metaAndRandomSources() {
        MetaSource meta;
        TinyModel a{Scope(meta)};
        QVERIFY(a.proj.weight.is_meta());
        QCOMPARE(meta.specs().size(), size_t(4));
        QCOMPARE(meta.specs()[0].first, std::string("proj.weight"));
        QCOMPARE(meta.specs()[0].second, (std::vector<std::int64_t>{2, 3}));

        RandomSource r1(7, at::kFloat, at::kCPU), r2(7, at::kFloat, at::kCPU);
        TinyModel b{Scope(r1)}, c{Scope(r2)};
        QVERIFY(at::equal(b.proj.weight, c.proj.weight));
        QCOMPARE(b.norm.weight.sum().item<float>(), 2.0f);
    }

    void rmsNormAndAttention() {
        RandomSource src(1, at::kFloat, at::kCPU);
        nn::RMSNorm norm(Scope(src) / "norm_q", 4, 1e-6);  // norm weights start at 1
        const at::Tensor x = at::tensor({1.0f, 2.0f, 3.0f, 4.0f});
        const at::Tensor expected = x / std::sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-6);
        QVERIFY(at::allclose(norm(x), expected));

        const at::Tensor q = at::randn({1, 2, 3, 4}), k = at::randn({1, 2, 5, 4}),
                         v = at::randn({1, 2, 5, 4});
        const at::Tensor ref = at::softmax(at::matmul(q, k.transpose(-1, -2)) / 2.0, -1).matmul(v);
        QVERIFY(at::allclose(nn::attention(q, k, v), ref, 1e-5, 1e-6));
        QCOMPARE(nn::mergeHeads(nn::splitHeads(at::ones({2, 3, 8}), 4)).sizes(),
                 at::IntArrayRef({2, 3, 8}));
    }
};

QTEST_GUILESS_MAIN(TestParameters)
#include "test_parameters.moc"
