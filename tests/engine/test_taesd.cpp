// TAESD / TAESD3 preview decoder: the fixtures' decoders (models/taesd-tiny, the published
// key layout) against golden/taesd_decode.safetensors, the taesd.py checkpoint layout,
// shapes, determinism, and a strict round trip through a safetensors file.
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>
#include <set>

#include "engine/errors.h"
#include "engine/io/safetensors.h"
#include "engine/models/taesd.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;

using archival::test::writeSafetensors;

namespace {

// Fixture README section 4 ("TAESD previews"): tolerance as for the other single-pass
// components (kit/tolerances.h).
constexpr double kAtol = archival::test::kSinglePass.atol, kRtol = archival::test::kSinglePass.rtol;

// RandomSource gives biases 0 and weights N(0, 0.02): too small for the output to depend on
// much. Rescale the convs to He-like magnitudes and give the biases values, so that a
// swapped or missing tensor changes the output.
void makeInformative(const std::map<std::string, at::Tensor>& taken) {
    auto g = at::make_generator<at::CPUGeneratorImpl>(99);
    for (const auto& [name, t] : taken) {
        if (t.dim() == 4)
            t.mul_(std::sqrt(2.0 / double(t.size(1) * t.size(2) * t.size(3))) / 0.02);
        else
            t.copy_(at::normal(0.0, 0.05, t.sizes(), g));
    }
}

}  // namespace

class TestTaesd : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        at::set_num_threads(1);  // the golden was made with one thread
    }

    // Every decoder in models/taesd-tiny decodes the golden's latents of its channel count
    // (latents_<C> -> image_<C>) to the reference's image: taesd.py's [0, 1] convention.
    void fixtureDecodersMatchTheGolden() {
        const QString goldenPath = QStringLiteral("golden/taesd_decode.safetensors");
        QVERIFY2(QFileInfo::exists(archival::test::fixture(goldenPath)),
                 qPrintable(goldenPath + " not found in the fixtures"));
        const archival::test::Golden golden(goldenPath);
        QDirIterator it(archival::test::fixture(QStringLiteral("models/taesd-tiny")),
                        {QStringLiteral("*.safetensors")}, QDir::Files);
        int checked = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            const TaesdDecoder decoder = loadTaesdDecoder(path.toStdString(), at::kFloat, at::kCPU);
            const std::string c = std::to_string(decoder.latentChannels());
            QVERIFY2(golden.has("latents_" + c) && golden.has("image_" + c),
                     qPrintable(path + ": the golden has no latents_" + QString::fromStdString(c)));
            const at::Tensor image = decoder.decode(golden["latents_" + c]);
            qInfo("%s", qPrintable(QFileInfo(path).fileName()));
            ARCHIVAL_EXPECT_CLOSE(image, golden["image_" + c], kAtol, kRtol);
            ++checked;
        }
        QVERIFY2(checked > 0, "no models/taesd-tiny/*.safetensors decoder");
        // Every golden case has its decoder.
        int cases = 0;
        for (const auto& [name, entry] : golden.checkpoint().entries())
            cases += name.rfind("latents_", 0) == 0;
        QCOMPARE(checked, cases);
    }

    // The taesd.py key layout, exactly: 1 conv in, 10 blocks of three biased convs, three
    // bias-free convs after the upsamples, one conv out.
    void checkpointLayout() {
        for (int channels : {4, 16}) {
            MetaSource meta;
            TaesdDecoder decoder(channels, Scope(meta));
            std::map<std::string, std::vector<std::int64_t>> specs(meta.specs().begin(),
                                                                   meta.specs().end());
            std::map<std::string, std::vector<std::int64_t>> expected;
            expected["1.weight"] = {64, channels, 3, 3};
            expected["1.bias"] = {64};
            for (int block : {3, 4, 5, 8, 9, 10, 13, 14, 15, 18})
                for (int conv : {0, 2, 4}) {
                    const std::string p = std::to_string(block) + ".conv." + std::to_string(conv);
                    expected[p + ".weight"] = {64, 64, 3, 3};
                    expected[p + ".bias"] = {64};
                }
            for (int up : {7, 12, 17}) expected[std::to_string(up) + ".weight"] = {64, 64, 3, 3};
            expected["19.weight"] = {3, 64, 3, 3};
            expected["19.bias"] = {3};
            QCOMPARE(specs.size(), meta.specs().size());  // no name asked for twice
            QVERIFY(specs == expected);
            std::int64_t params = 0;
            for (const auto& [name, shape] : specs) {
                std::int64_t n = 1;
                for (auto d : shape) n *= d;
                params += n;
            }
            // ~1.2 M parameters (madebyollin/taesd README).
            qInfo("TAESD with %d latent channels: %lld parameters", channels, (long long)params);
            QVERIFY(params > 1'100'000 && params < 1'300'000);
        }
    }

    void shapeAndDeterminism() {
        for (int channels : {4, 16}) {
            RandomSource a(5, at::kFloat, at::kCPU), b(5, at::kFloat, at::kCPU);
            TaesdDecoder da(channels, Scope(a)), db(channels, Scope(b));
            const at::Tensor latents = at::randn({2, channels, 5, 7}, at::kFloat);
            const at::Tensor out = da.decode(latents);
            QCOMPARE(out.sizes(), at::IntArrayRef({2, 3, 40, 56}));
            QVERIFY(at::equal(out, da.decode(latents)));
            QVERIFY(at::equal(out, db.decode(latents)));
            QVERIFY(at::isfinite(out).all().item<bool>());
            // Batch elements are independent.
            QVERIFY(
                at::allclose(da.decode(latents.narrow(0, 1, 1)), out.narrow(0, 1, 1), 1e-5, 1e-6));
            try {
                da.decode(at::zeros({1, channels + 1, 4, 4}));
                QFAIL("wrong channel count accepted");
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
            }
        }
    }

    // The Clamp in front: tanh(x/3)*3 bounds the latents, so huge inputs saturate.
    void inputIsSoftClamped() {
        RandomSource src(3, at::kFloat, at::kCPU);
        TaesdDecoder d(4, Scope(src));
        makeInformative(src.taken());
        const at::Tensor big = at::full({1, 4, 3, 3}, 1e4f), bigger = at::full({1, 4, 3, 3}, 1e6f);
        QVERIFY(at::allclose(d.decode(big), d.decode(bigger), 0, 1e-6));
        QVERIFY(!at::allclose(d.decode(big), d.decode(at::full({1, 4, 3, 3}, 0.5f)), 0, 1e-3));
    }

    void safetensorsRoundTripIsExactAndStrict() {
        for (int channels : {4, 16}) {
            RandomSource src(11, at::kFloat, at::kCPU);
            TaesdDecoder original(channels, Scope(src));
            makeInformative(src.taken());
            const at::Tensor latents = at::randn({1, channels, 6, 4}, at::kFloat);
            const at::Tensor expected = original.decode(latents);

            QTemporaryDir dir;
            const QString path = dir.filePath(QStringLiteral("taesd_decoder.safetensors"));
            writeSafetensors(path, src.taken());
            const TaesdDecoder loaded = loadTaesdDecoder(path.toStdString(), at::kFloat, at::kCPU);
            QCOMPARE(loaded.latentChannels(), channels);
            QVERIFY(at::equal(loaded.decode(latents), expected));

            // A missing tensor and a stray one are both named.
            auto broken = src.taken();
            broken.erase("12.weight");
            broken["12.bias"] = at::zeros({64});
            const QString bad = dir.filePath(QStringLiteral("broken.safetensors"));
            writeSafetensors(bad, broken);
            try {
                loadTaesdDecoder(bad.toStdString(), at::kFloat, at::kCPU);
                QFAIL("a broken TAESD file loaded");
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), ErrorKind::ModelLoad);
                const QString msg = QString::fromUtf8(e.what());
                QVERIFY2(msg.contains(QStringLiteral("missing (1):\n    12.weight")), e.what());
                QVERIFY2(msg.contains(QStringLiteral("unexpected (1):\n    12.bias")), e.what());
            }
        }
    }

    void notATaesdFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("x.safetensors"));
        writeSafetensors(path, std::map<std::string, at::Tensor>{
                                   {"decoder.layers.0.weight", at::zeros({64, 4, 3, 3})}});
        try {
            loadTaesdDecoder(path.toStdString(), at::kFloat, at::kCPU);
            QFAIL("a diffusers AutoencoderTiny file loaded as TAESD");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::ModelLoad);
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("AutoencoderTiny")),
                     e.what());
        }
    }
};

QTEST_GUILESS_MAIN(TestTaesd)
#include "test_taesd.moc"
