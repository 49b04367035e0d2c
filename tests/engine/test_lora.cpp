// LoRA merging against the reference's merged weights, bit-exact removal, and the
// reporting of modules that match nothing. Model forward checks with LoRA live with the
// models' tests; this one needs only the weights.
#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>
#include <functional>
#include <optional>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/io/tensor_loader.h"
#include "engine/lora/lora_patcher.h"
#include "engine/models/sd3_transformer.h"
#include "engine/models/unet2d_condition.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;
using archival::test::kImageAbs;
using archival::test::kLoopRelToPeak;
using archival::test::kScheduleRel;
using archival::test::kSinglePass;
using archival::test::kT5;

namespace {

// A model folder, or a pipeline folder whose denoiser the LoRA targets.
std::map<std::string, at::Tensor> loadAll(const QString& folder) {
    QString weights = folder;
    for (const char* sub : {"/unet", "/transformer"})
        if (QDir(folder + sub).exists()) weights = folder + sub;
    const auto cp = Checkpoint::open(weights.toStdString());
    std::map<std::string, at::Tensor> out;
    for (const auto& [name, e] : cp.entries()) out[name] = loadTensor(e, at::kFloat);
    return out;
}

std::map<std::string, at::Tensor> cloneAll(const std::map<std::string, at::Tensor>& m) {
    std::map<std::string, at::Tensor> out;
    for (const auto& [k, v] : m) out[k] = v.clone();
    return out;
}

LoraTargetComponent component(const std::string& name, std::map<std::string, at::Tensor>& params) {
    LoraTargetComponent c;
    c.name = name;
    c.kohyaPrefixes = {"lora_unet_"};
    c.peftPrefixes = {"transformer.", "unet."};
    c.parameters = &params;
    return c;
}

// Golden LoRA files: every golden/*lora*.safetensors names its model, LoRA and scale.
struct LoraCase {
    QString golden, model, lora;
    double scale;
};

std::vector<LoraCase> discover() {
    std::vector<LoraCase> out;
    QDirIterator it(archival::test::fixturesDir() + "/golden", {"*lora*.safetensors"}, QDir::Files);
    while (it.hasNext()) {
        const QString path = it.next();
        const archival::test::Golden g(path);
        const auto model = g.meta("model"), lora = g.meta("lora"), scale = g.meta("lora_scale");
        bool hasMerged = false;
        for (const auto& [name, e] : g.checkpoint().entries())
            hasMerged |= name.rfind("merged.", 0) == 0;
        if (!hasMerged || !model.is_string() || !lora.is_string())
            continue;  // e.g. a pipeline golden
        out.push_back(
            {path, QString::fromStdString(model.get<std::string>()),
             QString::fromStdString(lora.get<std::string>()),
             scale.is_number() ? scale.get<double>() : std::stod(scale.get<std::string>())});
    }
    return out;
}

}  // namespace

class TestLora : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void mergesLikeTheReferenceAndRestoresExactly() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const auto cases = discover();
        QVERIFY2(!cases.empty(), "no LoRA goldens found");
        for (const auto& c : cases) try {
                const QString fx = archival::test::fixturesDir() + "/";
                auto params = loadAll(fx + c.model);
                const auto before = cloneAll(params);
                const archival::test::Golden golden(c.golden);

                LoraPatcher patcher;
                const auto report =
                    patcher.apply({{readLoraFile((fx + c.lora).toStdString()), c.scale}},
                                  {component("model", params)});
                QVERIFY2(report.unmatched.empty(),
                         report.unmatched.empty() ? "" : report.unmatched.front().c_str());
                int compared = 0;
                for (const auto& [name, entry] : golden.checkpoint().entries()) {
                    if (name.rfind("merged.", 0) != 0) continue;
                    const std::string param = name.substr(7);
                    QVERIFY2(params.count(param), param.c_str());
                    // The reference multiplied in float64 then rounded to float32: expect ~1 ulp.
                    ARCHIVAL_EXPECT_CLOSE(params.at(param), golden[name], 1e-6, 1e-6);
                    ++compared;
                }
                QVERIFY(compared > 0);
                qInfo("%s: %zu weights merged, %d compared with the reference", qPrintable(c.lora),
                      report.applied.size(), compared);

                patcher.restore();
                for (const auto& [name, t] : before)
                    QVERIFY2(at::equal(params.at(name), t), name.c_str());
            } catch (const std::exception& e) {
                QFAIL(qPrintable(c.golden + ": " + e.what()));
            }
    }

    // The merged model's forward pass equals the reference's (`out`), and after removal the
    // base model's (`out_base`): the LoRA reaches the model through the same tensors.
    void mergedModelsMatchTheReferenceForward() {
        ARCHIVAL_REQUIRE_FIXTURES();
        int ran = 0;
        for (const auto& c : discover()) {
            const archival::test::Golden g(c.golden);
            if (!g.has("out") || !g.has("out_base")) continue;
            const QString fx = archival::test::fixturesDir() + "/";
            QString folder = fx + c.model;
            for (const char* sub : {"/unet", "/transformer"})
                if (QDir(folder + sub).exists()) folder += sub;
            std::function<at::Tensor(const std::string&)> forward;
            std::map<std::string, at::Tensor> params;
            std::optional<UNet2DCondition> unet;
            std::optional<SD3Transformer> mmdit;
            if (g.has("sample")) {
                unet.emplace(loadUNet2DCondition(folder.toStdString(), at::kFloat, at::kCPU));
                params = unet->parameters();
                forward = [&](const std::string& p) {
                    return unet->forward(g[p + "sample"], g[p + "timestep"],
                                         g[p + "encoder_hidden_states"]);
                };
            } else {
                mmdit.emplace(loadSD3Transformer(folder.toStdString(), at::kFloat, at::kCPU));
                params = mmdit->parameters();
                forward = [&](const std::string& p) {
                    return mmdit->forward(g[p + "hidden_states"], g[p + "encoder_hidden_states"],
                                          g[p + "pooled_projections"], g[p + "timestep"]);
                };
            }
            LoraPatcher patcher;
            patcher.apply({{readLoraFile((fx + c.lora).toStdString()), c.scale}},
                          {component("model", params)});
            ARCHIVAL_EXPECT_CLOSE(forward(""), g["out"], kSinglePass.atol, kSinglePass.rtol);
            if (g.has("odd_out"))
                ARCHIVAL_EXPECT_CLOSE(forward("odd_"), g["odd_out"], kSinglePass.atol,
                                      kSinglePass.rtol);
            patcher.restore();
            ARCHIVAL_EXPECT_CLOSE(forward(""), g["out_base"], kSinglePass.atol, kSinglePass.rtol);
            ++ran;
        }
        QVERIFY2(ran > 0, "no LoRA golden with a forward pass found");
    }

    void restoreIsBitExactInHalfPrecision() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const auto cases = discover();
        QVERIFY(!cases.empty());
        const QString fx = archival::test::fixturesDir() + "/";
        auto params = loadAll(fx + cases.front().model);
        for (auto& [k, v] : params) v = v.to(at::kHalf);
        const auto before = cloneAll(params);
        {
            LoraPatcher patcher;
            patcher.apply({{readLoraFile((fx + cases.front().lora).toStdString()), 0.8},
                           {readLoraFile((fx + cases.front().lora).toStdString()), -0.3}},
                          {component("model", params)});
            bool changed = false;
            for (const auto& [name, t] : before) changed |= !at::equal(params.at(name), t);
            QVERIFY(changed);
        }  // the destructor restores
        for (const auto& [name, t] : before) QVERIFY2(at::equal(params.at(name), t), name.c_str());
    }

    void unmatchedModulesAreReported() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const auto cases = discover();
        QVERIFY(!cases.empty());
        const QString fx = archival::test::fixturesDir() + "/";
        auto params = loadAll(fx + cases.front().model);
        auto file = readLoraFile((fx + cases.front().lora).toStdString());
        LoraModule stray = file.modules.front();
        stray.key = "lora_unet_no_such_block_to_q";
        file.modules.push_back(stray);
        LoraPatcher patcher;
        const auto report = patcher.apply({{file, 1.0}}, {component("model", params)});
        QCOMPARE(report.unmatched, std::vector<std::string>{"lora_unet_no_such_block_to_q"});

        // A LoRA for another model matches nothing: a typed error, and nothing changed.
        patcher.restore();
        const auto before = cloneAll(params);
        LoraFileContents foreign = file;
        for (auto& m : foreign.modules) m.key = "lora_te_" + m.key;
        try {
            LoraPatcher p2;
            p2.apply({{foreign, 1.0}}, {component("model", params)});
            QFAIL("a foreign LoRA was accepted");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
        }
        for (const auto& [name, t] : before) QVERIFY2(at::equal(params.at(name), t), name.c_str());
    }

    void rejectsFilesWithoutLoraWeights() {
        QTemporaryDir dir;
        std::vector<TensorInfo> t = {{"some.weight", DType::F32, {1}}};
        const QString path = dir.filePath("x.safetensors");
        archival::test::writeFile(
            path, QByteArray::fromStdString(makeSafetensorsHeader(t)) + QByteArray(4, '\0'));
        QVERIFY_THROWS_EXCEPTION(EngineError, readLoraFile(path.toStdString()));
        std::vector<TensorInfo> half = {{"lora_unet_a.lora_down.weight", DType::F32, {1, 1}}};
        archival::test::writeFile(
            path, QByteArray::fromStdString(makeSafetensorsHeader(half)) + QByteArray(4, '\0'));
        QVERIFY_THROWS_EXCEPTION(EngineError, readLoraFile(path.toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestLora)
#include "test_lora.moc"
