// Weights in the run's dtype are read-only views of the file mapping (no copy); other dtypes
// are cast copies. Nothing writes into a mapping: LoRA merging gives a weight bytes of its
// own and hands the view back on removal. Released components unmap their files.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>

#include "engine/generation.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/io/tensor_loader.h"
#include "engine/lora/lora_file.h"
#include "engine/lora/lora_patcher.h"
#include "engine/nn/parameters.h"
#include "engine/pipelines/sd3_pipeline.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

// Files this process has mapped, from /proc/self/maps.
QStringList mappedFiles() {
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly)) return {};
    QStringList out;
    for (const QByteArray& line : maps.readAll().split('\n')) {
        const int slash = line.indexOf('/');
        if (slash >= 0) out << QString::fromLocal8Bit(line.mid(slash));
    }
    return out;
}

bool isMapped(const QString& path) {
    return mappedFiles().contains(QFileInfo(path).canonicalFilePath());
}

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The LoRA fixture pair whose model folder holds the denoiser the LoRA targets.
struct LoraPair {
    QString weights, lora;
};

LoraPair sd3LoraPair() {
    const QString fx = archival::test::fixturesDir();
    return {fx + "/models/sd3-tiny/transformer/diffusion_pytorch_model.safetensors",
            fx + "/models/loras/sd3-tiny_peft.safetensors"};
}

}  // namespace

class TestWeightViews : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void sameDtypeIsAViewOtherDtypesAreCopies() {
        QTemporaryDir dir;
        std::vector<TensorInfo> tensors = {{"a.weight", DType::F32, {2, 3}},
                                           {"b.weight", DType::BF16, {4}}};
        std::string bytes = makeSafetensorsHeader(tensors);
        const std::size_t dataStart = bytes.size();
        bytes.resize(dataStart + tensors.back().end);
        const float a[6] = {1, 2, 3, 4, 5, 6};
        std::memcpy(bytes.data() + dataStart, a, sizeof a);
        const QString path = dir.filePath("w.safetensors");
        QVERIFY(archival::test::writeFile(path, QByteArray::fromStdString(bytes)));

        const Checkpoint cp = Checkpoint::open(path.toStdString());
        CheckpointSource source(cp, at::kFloat, at::kCPU);
        const at::Tensor view = source.take("a.weight", {2, 3});
        const at::Tensor cast = source.take("b.weight", {4});
        source.finish();
        QVERIFY(viewsFile(view));
        QVERIFY(!viewsFile(cast));
        QCOMPARE(cast.scalar_type(), at::kFloat);
        const auto* mapped = cp.shards().front().data(*cp.find("a.weight")->info);
        QCOMPARE(static_cast<const void*>(view.data_ptr()), static_cast<const void*>(mapped));
        QCOMPARE(view.sum().item<float>(), 21.0f);
        // Another dtype than the file's, or another device, never views.
        QVERIFY(!canView(*cp.find("a.weight"), at::kBFloat16, at::kCPU));
        QVERIFY(!canView(*cp.find("b.weight"), at::kFloat, at::kCPU));
        QVERIFY(canView(*cp.find("b.weight"), at::kBFloat16, at::kCPU));
    }

    // A LoRA merged into viewed weights writes into copies: the file's bytes and the mapping
    // stay as they were, and removal makes the weights views of the file again, bit-exact.
    void loraNeverWritesIntoTheMapping() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const LoraPair pair = sd3LoraPair();
        const QByteArray onDisk = fileBytes(pair.weights);
        QVERIFY2(!onDisk.isEmpty(), qPrintable(pair.weights));
        const Checkpoint cp = Checkpoint::open(pair.weights.toStdString());
        CheckpointSource source(cp, at::kFloat, at::kCPU);
        std::map<std::string, at::Tensor> params, before;
        for (const auto& [name, e] : cp.entries()) {
            params[name] = source.take(name, e.info->shape);
            before[name] = params[name].clone();
            QVERIFY2(viewsFile(params[name]), name.c_str());
        }
        LoraTargetComponent c;
        c.name = "transformer";
        c.peftPrefixes = {"transformer."};
        c.parameters = &params;
        std::vector<std::string> touched;
        {
            LoraPatcher patcher;
            const auto report = patcher.apply({{readLoraFile(pair.lora.toStdString()), 0.8}}, {c});
            QVERIFY(!report.applied.empty());
            for (const auto& a : report.applied) touched.push_back(a.substr(a.find(':') + 1));
            for (const auto& name : touched) {
                QVERIFY2(!viewsFile(params.at(name)), name.c_str());
                QVERIFY2(!at::equal(params.at(name), before.at(name)), name.c_str());
                // The mapping under the merged weight still holds the file's numbers.
                const at::Tensor mapped = viewTensor(*cp.find(name));
                QVERIFY2(at::equal(mapped, before.at(name)), name.c_str());
            }
        }  // the destructor restores
        for (const auto& [name, t] : params) {
            QVERIFY2(viewsFile(t), name.c_str());
            QVERIFY2(at::equal(t, before.at(name)), name.c_str());
        }
        QCOMPARE(fileBytes(pair.weights), onDisk);
    }

    // Dropping the last tensor of a file unmaps it: nothing else keeps a reference.
    void droppedWeightsUnmapTheirFile() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const QString path = sd3LoraPair().weights;
        std::map<std::string, at::Tensor> params;
        {
            const Checkpoint cp = Checkpoint::open(path.toStdString());
            CheckpointSource source(cp, at::kFloat, at::kCPU);
            for (const auto& [name, e] : cp.entries())
                params[name] = source.take(name, e.info->shape);
        }
        QVERIFY2(isMapped(path), "the views keep the mapping alive");
        params.clear();
        QVERIFY2(!isMapped(path), "the mapping outlived its last view");
    }

    // A pipeline's viewed weights (the tiny transformer is F32, run in fp32) keep its file
    // mapped while the pipeline lives, through jobs and text encoder releases, and nothing
    // keeps it once the pipeline is gone (the factory's clearCache relies on it). The text
    // encoders' files (F16, cast on load) are never left mapped.
    void aClosedPipelineUnmapsItsFiles() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const QString folder = archival::test::fixturesDir() + "/models/sd3-tiny-pipe";
        const QString clipL = folder + "/text_encoder/model.safetensors";
        const QString transformer = folder + "/transformer/diffusion_pytorch_model.safetensors";
        QVERIFY(!isMapped(transformer));
        PipelineOptions options{Device::cpu(), Dtype::Fp32};
        options.releaseTextEncoders = true;
        {
            auto pipe = Sd3Pipeline::open(folder.toStdString(), options);
            QVERIFY(isMapped(transformer));
            QVERIFY(!isMapped(clipL));
            GenerationRequest req;
            req.prompt = "painting of singapore";
            req.width = 64;
            req.height = 48;
            req.steps = 1;
            pipe->generate(req, {});
            QVERIFY(isMapped(transformer));
            QVERIFY(!isMapped(clipL));
        }
        QVERIFY2(!isMapped(transformer), "a closed pipeline left its transformer mapped");
    }
};

QTEST_GUILESS_MAIN(TestWeightViews)
#include "test_weight_views.moc"
