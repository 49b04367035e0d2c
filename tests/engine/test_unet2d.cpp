// UNet2DCondition (SD 1.x/2.x) against the diffusers goldens: every case of every
// `golden/*unet.safetensors` file (main, odd sizes with a fractional timestep, per-batch
// timesteps), the recorded intermediates, the full-size SD 1.5 layout against its manifest,
// strict loading, and the original (ldm) single-file naming.
#include <ATen/Parallel.h>

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/io/manifest.h"
#include "engine/io/safetensors.h"
#include "engine/io/tensor_loader.h"
#include "engine/models/ldm_unet_names.h"
#include "engine/models/unet2d_condition.h"
#include "engine/util/json_file.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;
using archival::test::Golden;

using archival::test::fixture;
using archival::test::writeSafetensors;

namespace {

// Single forward passes: the fixture README's rule (kit/tolerances.h), checked against the
// measured float noise by test_golden_tolerances.
constexpr double kAtol = archival::test::kSinglePass.atol;
constexpr double kRtol = archival::test::kSinglePass.rtol;

// UNet golden files: `golden/*unet.safetensors` that name the model folder they used.
QStringList discoverGoldenFiles() {
    QStringList files;
    QDirIterator it(fixture(QStringLiteral("golden")), {QStringLiteral("*unet.safetensors")},
                    QDir::Files);
    while (it.hasNext()) {
        const QString path = it.next();
        if (Golden(path).meta("model").is_string()) files << path;
    }
    files.sort();
    return files;
}

// Case prefixes ("" main, "odd_", "mixed_", ...): every P with P{sample,timestep,
// encoder_hidden_states,out}.
std::vector<std::string> casePrefixes(const Golden& g) {
    std::vector<std::string> prefixes;
    const std::string suffix = "sample";
    for (const auto& [name, entry] : g.checkpoint().entries()) {
        if (name.size() < suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        const std::string p = name.substr(0, name.size() - suffix.size());
        if (g.has(p + "timestep") && g.has(p + "encoder_hidden_states") && g.has(p + "out"))
            prefixes.push_back(p);
    }
    return prefixes;
}

QString modelFolderOf(const Golden& g) {
    return fixture(QString::fromStdString(g.meta("model").get<std::string>()));
}

// Every tensor of a checkpoint, as float32.
std::vector<std::pair<std::string, at::Tensor>> readAll(const Checkpoint& cp) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& [name, entry] : cp.entries())
        out.emplace_back(name, loadTensor(entry, at::kFloat));
    return out;
}

QString describeThrow(const std::function<void()>& f, ErrorKind* kind) {
    try {
        f();
    } catch (const EngineError& e) {
        if (kind) *kind = e.kind();
        return QString::fromStdString(e.what());
    }
    return {};
}

}  // namespace

class TestUNet2D : public QObject {
    Q_OBJECT

    // Models are tiny: load each folder once.
    std::map<QString, std::shared_ptr<UNet2DCondition>> models_;

    const UNet2DCondition& model(const QString& folder) {
        auto& m = models_[folder];
        if (!m)
            m = std::make_shared<UNet2DCondition>(
                loadUNet2DCondition(folder.toStdString(), at::kFloat, at::kCPU));
        return *m;
    }

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        // The tiny models' ops are far too small to gain from threads, and on a loaded
        // machine OpenMP's spinning workers made each forward ~20x slower. The goldens were
        // made with one thread too.
        at::set_num_threads(1);
    }

    void discoversGoldenCases() {
        const QStringList files = discoverGoldenFiles();
        QVERIFY2(!files.isEmpty(), "no golden/*unet.safetensors files");
        for (const QString& f : files) {
            const Golden g(f);
            const auto prefixes = casePrefixes(g);
            QVERIFY2(!prefixes.empty(), qPrintable(f + " has no sample/timestep/out case"));
            QVERIFY2(QFileInfo(modelFolderOf(g) + "/config.json").exists(),
                     qPrintable(modelFolderOf(g)));
        }
    }

    void configReadsDiffusersSemantics() {
        const auto sd15 = UNet2DConditionConfig::fromFile(
            fixture(QStringLiteral("manifests/sd15_unet.config.json")).toStdString());
        QCOMPARE(sd15.blockOutChannels, (std::vector<std::int64_t>{320, 640, 1280, 1280}));
        QCOMPARE(sd15.attentionHeads, (std::vector<std::int64_t>{8, 8, 8, 8}));
        QCOMPARE(sd15.crossAttentionDim, (std::vector<std::int64_t>{768, 768, 768, 768}));
        QCOMPARE(sd15.layersPerBlock, (std::vector<std::int64_t>{2, 2, 2, 2}));
        QCOMPARE(sd15.timeEmbeddingDim, std::int64_t{1280});
        QVERIFY(sd15.downBlockHasAttention(0) && !sd15.downBlockHasAttention(3));
        QVERIFY(!sd15.upBlockHasAttention(0) && sd15.upBlockHasAttention(3));

        // The built-in config for single-file checkpoints is the published one.
        const auto builtIn = UNet2DConditionConfig::stableDiffusion15();
        QCOMPARE(builtIn.blockOutChannels, sd15.blockOutChannels);
        QCOMPARE(builtIn.attentionHeads, sd15.attentionHeads);
        QCOMPARE(builtIn.crossAttentionDim, sd15.crossAttentionDim);
        QCOMPARE(builtIn.downBlockTypes, sd15.downBlockTypes);
        QCOMPARE(builtIn.upBlockTypes, sd15.upBlockTypes);
        QCOMPARE(builtIn.normNumGroups, sd15.normNumGroups);
        QCOMPARE(builtIn.useLinearProjection, sd15.useLinearProjection);

        // A per-block head list stays per block (the linear-projection fixture).
        const auto lp = UNet2DConditionConfig::fromJson(
            nlohmann::json{
                {"attention_head_dim", {2, 4, 4}},
                {"block_out_channels", {32, 64, 64}},
                {"down_block_types",
                 {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"}},
                {"up_block_types", {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"}},
                {"norm_num_groups", 8},
                {"use_linear_projection", true}},
            "inline");
        QCOMPARE(lp.attentionHeads, (std::vector<std::int64_t>{2, 4, 4}));
        QCOMPARE(lp.crossAttentionDim, (std::vector<std::int64_t>{1280, 1280, 1280}));
        QVERIFY(lp.useLinearProjection);
    }

    void rejectsUnsupportedConfigs_data() {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("named");
        QTest::newRow("sdxl addition embedding") << R"({"addition_embed_type": "text_time"})"
                                                 << "addition_embed_type";
        QTest::newRow("class embedding") << R"({"class_embed_type": "timestep"})"
                                         << "class_embed_type";
        QTest::newRow("num_attention_heads") << R"({"num_attention_heads": 8})"
                                             << "num_attention_heads";
        QTest::newRow("other block") << R"({"down_block_types": ["SimpleCrossAttnDownBlock2D",
            "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]})"
                                     << "SimpleCrossAttnDownBlock2D";
        QTest::newRow("list length") << R"({"attention_head_dim": [8, 8]})"
                                     << "attention_head_dim";
        QTest::newRow("mid block") << R"({"mid_block_type": "UNetMidBlock2DSimpleCrossAttn"})"
                                   << "mid_block_type";
        QTest::newRow("scale shift") << R"({"resnet_time_scale_shift": "scale_shift"})"
                                     << "resnet_time_scale_shift";
        QTest::newRow("wrong type") << R"({"layers_per_block": "two"})"
                                    << "layers_per_block";
        QTest::newRow("other class") << R"({"_class_name": "UNet2DModel"})"
                                     << "_class_name";
    }
    void rejectsUnsupportedConfigs() {
        QFETCH(QString, patch);
        QFETCH(QString, named);
        nlohmann::json j =
            readJsonFile(fixture(QStringLiteral("manifests/sd15_unet.config.json")).toStdString());
        j.update(nlohmann::json::parse(patch.toStdString()));
        ErrorKind kind = ErrorKind::Internal;
        const QString msg =
            describeThrow([&] { UNet2DConditionConfig::fromJson(j, "patched config"); }, &kind);
        QVERIFY2(!msg.isEmpty(), "an unsupported config was accepted");
        QCOMPARE(kind, ErrorKind::ModelLoad);
        QVERIFY2(msg.contains(named) && msg.contains("patched config"), qPrintable(msg));
    }

    void matchesGoldens_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("prefix");
        int rows = 0;
        for (const QString& f : discoverGoldenFiles())
            for (const auto& p : casePrefixes(Golden(f))) {
                QTest::newRow(
                    qPrintable(QFileInfo(f).completeBaseName() + ":" +
                               (p.empty() ? QStringLiteral("main") : QString::fromStdString(p))))
                    << f << QString::fromStdString(p);
                ++rows;
            }
        archival::test::addRowIfNothingFound(
            rows,
            "golden/*unet.safetensors with <prefix>{sample,timestep,encoder_hidden_states,out}");
    }
    void matchesGoldens() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, file);
        QFETCH(QString, prefix);
        const Golden g(file);
        const std::string p = prefix.toStdString();
        const auto& unet = model(modelFolderOf(g));
        const at::Tensor out =
            unet.forward(g[p + "sample"], g[p + "timestep"], g[p + "encoder_hidden_states"]);
        ARCHIVAL_EXPECT_CLOSE(out, g[p + "out"], kAtol, kRtol);
    }

    // Every recorded intermediate, module by module (main case of each golden file).
    void matchesIntermediates_data() {
        QTest::addColumn<QString>("file");
        int rows = 0;
        for (const QString& f : discoverGoldenFiles()) {
            QString inter = f;
            inter.replace(QLatin1String(".safetensors"),
                          QLatin1String("_intermediates.safetensors"));
            if (QFileInfo::exists(inter)) {
                QTest::newRow(qPrintable(QFileInfo(f).completeBaseName())) << f;
                ++rows;
            }
        }
        archival::test::addRowIfNothingFound(
            rows, "golden/*unet_intermediates.safetensors beside a UNet golden");
    }
    void matchesIntermediates() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, file);
        QString interPath = file;
        interPath.replace(QLatin1String(".safetensors"),
                          QLatin1String("_intermediates.safetensors"));
        const Golden g(file), inter(interPath);
        std::map<std::string, at::Tensor> seen;
        UNetForwardHooks hooks;
        hooks.record = [&](const std::string& name, const at::Tensor& t) { seen[name] = t; };
        model(modelFolderOf(g))
            .forward(g["sample"], g["timestep"], g["encoder_hidden_states"], hooks);
        QVERIFY(!inter.checkpoint().entries().empty());
        for (const auto& [name, entry] : inter.checkpoint().entries()) {
            QVERIFY2(seen.count(name), qPrintable("not recorded: " + QString::fromStdString(name)));
            const auto c = archival::test::compareClose(seen[name], inter[name], kAtol, kRtol);
            qInfo("%s: %s", name.c_str(), c.describe().c_str());
            QVERIFY2(seen[name].sizes() == inter[name].sizes(), name.c_str());
            QVERIFY2(c.ok, qPrintable(QString::fromStdString(name + ": " + c.describe())));
        }
    }

    // The sinusoidal projection alone, on the intermediates' timesteps: a focused check of
    // the float32 arithmetic (cos first, width block_out_channels[0]).
    void timestepProjectionMatches() {
        int checked = 0;
        for (const QString& f : discoverGoldenFiles()) {
            QString interPath = f;
            interPath.replace(QLatin1String(".safetensors"),
                              QLatin1String("_intermediates.safetensors"));
            if (!QFileInfo::exists(interPath)) continue;
            const Golden g(f), inter(interPath);
            const auto& cfg = model(modelFolderOf(g)).config();
            const at::Tensor proj = archival::engine::unet::timestepProjection(
                g["timestep"], cfg.blockOutChannels[0], cfg.flipSinToCos, cfg.freqShift);
            ARCHIVAL_EXPECT_CLOSE(proj, inter["time_proj"], kAtol, kRtol);
            // Row 0 at t: [cos(t·f_0) ... | sin(t·f_0) ...], f_0 = 1.
            const double t = g["timestep"].to(at::kDouble)[0].item<double>();
            QVERIFY(std::abs(proj[0][0].item<double>() - std::cos(t)) < 1e-4);
            QVERIFY(std::abs(proj[0][cfg.blockOutChannels[0] / 2].item<double>() - std::sin(t)) <
                    1e-4);
            ++checked;
        }
        QVERIFY2(checked > 0,
                 "no golden/*unet_intermediates.safetensors (time_proj) beside a UNet golden");
    }

    // A scalar, [1] and [B] timestep, integer or float, are the same request.
    void timestepFormsAgree() {
        const QString f = discoverGoldenFiles().value(0);
        QVERIFY(!f.isEmpty());
        const Golden g(f);
        const auto& unet = model(modelFolderOf(g));
        const at::Tensor sample = g["sample"], ctx = g["encoder_hidden_states"];
        const std::int64_t b = sample.size(0);
        const at::Tensor ref = unet.forward(sample, at::full({b}, 500, at::kLong), ctx);
        QVERIFY(at::equal(unet.forward(sample, at::scalar_tensor(500, at::kLong), ctx), ref));
        QVERIFY(at::equal(unet.forward(sample, at::full({1}, 500, at::kLong), ctx), ref));
        QVERIFY(at::equal(unet.forward(sample, at::full({b}, 500.0, at::kFloat), ctx), ref));
        // And the batch elements are independent: element 1 alone gives the same answer.
        const at::Tensor one = unet.forward(sample.narrow(0, b - 1, 1),
                                            at::full({1}, 500, at::kLong), ctx.narrow(0, b - 1, 1));
        ARCHIVAL_EXPECT_CLOSE(one, ref.narrow(0, b - 1, 1), 1e-5, 1e-5);
        // A different timestep changes the result.
        QVERIFY(!at::allclose(unet.forward(sample, at::full({b}, 10, at::kLong), ctx), ref));
    }

    void rejectsBadInputs() {
        const QString f = discoverGoldenFiles().value(0);
        const Golden g(f);
        const auto& unet = model(modelFolderOf(g));
        const at::Tensor s = g["sample"], t = g["timestep"], c = g["encoder_hidden_states"];
        const std::int64_t b = s.size(0);
        const std::vector<std::pair<const char*, std::function<void()>>> bad = {
            {"3-d sample", [&] { unet.forward(s[0], t, c); }},
            {"wrong channels",
             [&] {
                 unet.forward(at::cat({s, s}, 1), t, c);
             }},
            {"context width",
             [&] {
                 unet.forward(s, t, at::cat({c, c}, 2));
             }},
            {"context batch",
             [&] {
                 unet.forward(s, t, at::cat({c, c}, 0));
             }},
            {"timestep count", [&] { unet.forward(s, at::ones({b + 1}, at::kLong), c); }},
            {"timestep rank",
             [&] {
                 unet.forward(s, at::ones({b, 1}, at::kLong), c);
             }},
        };
        for (const auto& [what, call] : bad) {
            ErrorKind kind = ErrorKind::Internal;
            const QString msg = describeThrow(call, &kind);
            QVERIFY2(!msg.isEmpty(), what);
            QVERIFY2(kind == ErrorKind::InvalidRequest, qPrintable(QString(what) + ": " + msg));
        }
    }

    // betweenBlocks runs between the blocks and may abandon the pass.
    void betweenBlocksHookCanCancel() {
        const Golden g(discoverGoldenFiles().value(0));
        const auto& unet = model(modelFolderOf(g));
        const auto blocks = static_cast<int>(unet.config().numBlocks());
        int calls = 0;
        UNetForwardHooks count;
        count.betweenBlocks = [&] { ++calls; };
        unet.forward(g["sample"], g["timestep"], g["encoder_hidden_states"], count);
        QCOMPARE(calls, 1 + blocks + 1 + blocks);  // conv_in, downs, mid, ups

        calls = 0;
        UNetForwardHooks cancel;
        cancel.betweenBlocks = [&] {
            if (++calls == 3) throw EngineError(ErrorKind::Interrupted, "cancelled");
        };
        ErrorKind kind = ErrorKind::Internal;
        describeThrow(
            [&] { unet.forward(g["sample"], g["timestep"], g["encoder_hidden_states"], cancel); },
            &kind);
        QCOMPARE(kind, ErrorKind::Interrupted);
        QCOMPARE(calls, 3);
    }

    // The full-size SD 1.5 UNet, built on the meta device, has exactly the real names and
    // shapes.
    void fullSizeLayoutMatchesManifest() {
        const auto cfg = UNet2DConditionConfig::fromFile(
            fixture(QStringLiteral("manifests/sd15_unet.config.json")).toStdString());
        MetaSource meta;
        UNet2DCondition unet(cfg, Scope(meta));
        const auto manifest =
            readManifest(fixture(QStringLiteral("manifests/sd15_unet.json")).toStdString(), false);
        std::map<std::string, std::vector<std::int64_t>> expected, built;
        for (const auto& e : manifest) expected[e.name] = e.shape;
        for (const auto& [name, shape] : meta.specs()) {
            QVERIFY2(!built.count(name),
                     qPrintable("asked twice: " + QString::fromStdString(name)));
            built[name] = shape;
        }
        QStringList problems;
        for (const auto& [name, shape] : expected) {
            auto it = built.find(name);
            if (it == built.end())
                problems << "missing " + QString::fromStdString(name);
            else if (it->second != shape)
                problems << "shape of " + QString::fromStdString(name);
        }
        for (const auto& [name, shape] : built)
            if (!expected.count(name)) problems << "unexpected " + QString::fromStdString(name);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 20).join('\n')));
        QCOMPARE(built.size(), manifest.size());
        QCOMPARE(unet.parameters().size(), manifest.size());
        std::int64_t count = 0;
        for (const auto& [name, t] : unet.parameters()) count += t.numel();
        QCOMPARE(count, std::int64_t{859520964});  // manifests/README.md: sd15_unet parameters
    }

    // SD 1.5's topology (4 levels, 3 upsamplers, 2 layers per block) at reduced width, at the
    // exhibition's latent sizes: 100×120 (960×800) and 96×170 (1360×768, 170 → 85 → 43 → 22).
    // Every up level must come back to the size of its skip tensors. (The full-size model at
    // these sizes is test_unet2d_slow; ATen has no meta kernels for convolutions, so the
    // meta-built model cannot run a shape-only forward.)
    void fullTopologyAtExhibitionSizes() {
        nlohmann::json j =
            readJsonFile(fixture(QStringLiteral("manifests/sd15_unet.config.json")).toStdString());
        j["block_out_channels"] = {8, 16, 16, 16};
        j["norm_num_groups"] = 4;
        j["attention_head_dim"] = 2;
        j["cross_attention_dim"] = 8;
        // No attention at the highest resolution keeps this fast.
        j["down_block_types"] = {"DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                 "DownBlock2D"};
        j["up_block_types"] = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                               "UpBlock2D"};
        const auto cfg = UNet2DConditionConfig::fromJson(j, "reduced SD 1.5");
        QCOMPARE(cfg.numUpsamplers(), size_t(3));
        RandomSource source(7, at::kFloat, at::kCPU);
        const UNet2DCondition unet(cfg, Scope(source));
        for (const auto& [h, w] : std::vector<std::pair<int, int>>{{100, 120}, {96, 170}}) {
            std::map<std::string, std::vector<std::int64_t>> shapes;
            UNetForwardHooks hooks;
            hooks.record = [&](const std::string& name, const at::Tensor& t) {
                shapes[name] = t.sizes().vec();
            };
            const at::Tensor sample = at::randn({1, 4, h, w});
            const at::Tensor out =
                unet.forward(sample, at::tensor({999}, at::kLong), at::randn({1, 5, 8}), hooks);
            QCOMPARE(out.sizes(), sample.sizes());
            QVERIFY(at::isfinite(out).all().item<bool>());
            // Up block i ends at the resolution of down level n-2-i.
            for (int i = 0; i < 3; ++i) {
                const auto up = shapes.at("up_blocks." + std::to_string(i));
                const auto skip = shapes.at("down_blocks." + std::to_string(2 - i) + ".1.0");
                QCOMPARE(up[2], skip[2]);
                QCOMPARE(up[3], skip[3]);
            }
            // conv 3×3 stride 2 pad 1 rounds up: the lowest level of 170 is 22 wide.
            const auto lowest = shapes.at("mid_block");
            QCOMPARE(lowest[3], std::int64_t((((w + 1) / 2 + 1) / 2 + 1) / 2));
            if (w == 170) QCOMPARE(lowest[3], std::int64_t{22});
        }
    }

    void strictLoadNamesBrokenTensors() {
        const QString src = modelFolderOf(Golden(discoverGoldenFiles().value(0)));
        auto tensors = readAll(Checkpoint::open(src.toStdString()));
        QVERIFY(tensors.size() > 10);
        const std::string dropped = tensors[5].first;
        const std::string reshaped = tensors[7].first;
        tensors.erase(tensors.begin() + 5);
        for (auto& [name, t] : tensors)
            if (name == reshaped) t = at::zeros({t.numel() + 1});
        tensors.emplace_back("stray.weight", at::zeros({3}));

        QTemporaryDir dir;
        QVERIFY(QFile::copy(src + "/config.json", dir.filePath("config.json")));
        writeSafetensors(dir.filePath("diffusion_pytorch_model.safetensors"), tensors);
        ErrorKind kind = ErrorKind::Internal;
        const QString msg = describeThrow(
            [&] { loadUNet2DCondition(dir.path().toStdString(), at::kFloat, at::kCPU); }, &kind);
        QCOMPARE(kind, ErrorKind::ModelLoad);
        QVERIFY2(msg.contains(QString::fromStdString("missing (1):\n    " + dropped)),
                 qPrintable(msg));
        QVERIFY2(msg.contains(QString::fromStdString(reshaped + " (expected")), qPrintable(msg));
        QVERIFY2(msg.contains("unexpected (1):\n    stray.weight"), qPrintable(msg));

        // No config.json: a ModelLoad error naming it.
        QVERIFY(QFile::remove(dir.filePath("config.json")));
        kind = ErrorKind::Internal;
        const QString noConfig = describeThrow(
            [&] { loadUNet2DCondition(dir.path().toStdString(), at::kFloat, at::kCPU); }, &kind);
        QCOMPARE(kind, ErrorKind::ModelLoad);
        QVERIFY2(noConfig.contains("config.json"), qPrintable(noConfig));
    }

    // A folder holding only the `.fp16` variant loads (upcast to float32) and computes the
    // same as the same F16 values under the plain name.
    void loadsFp16VariantFolder() {
        const Golden g(discoverGoldenFiles().value(0));
        const QString src = modelFolderOf(g);
        auto tensors = readAll(Checkpoint::open(src.toStdString()));
        QTemporaryDir plain, variant;
        for (const QTemporaryDir* d : {&plain, &variant})
            QVERIFY(QFile::copy(src + "/config.json", d->filePath("config.json")));
        writeSafetensors(plain.filePath("diffusion_pytorch_model.safetensors"), tensors,
                         DType::F16);
        writeSafetensors(variant.filePath("diffusion_pytorch_model.fp16.safetensors"), tensors,
                         DType::F16);
        const auto a = loadUNet2DCondition(plain.path().toStdString(), at::kFloat, at::kCPU);
        const auto b = loadUNet2DCondition(variant.path().toStdString(), at::kFloat, at::kCPU);
        QCOMPARE(b.dtype(), at::kFloat);
        const at::Tensor oa = a.forward(g["sample"], g["timestep"], g["encoder_hidden_states"]);
        const at::Tensor ob = b.forward(g["sample"], g["timestep"], g["encoder_hidden_states"]);
        QVERIFY(at::equal(oa, ob));
    }

    // Hand-checked pairs of the real SD 1.5 single-file layout.
    void ldmNamesKnownPairs() {
        const auto cfg = UNet2DConditionConfig::stableDiffusion15();
        const std::pair<const char*, const char*> pairs[] = {
            {"conv_in.weight", "input_blocks.0.0.weight"},
            {"time_embedding.linear_1.weight", "time_embed.0.weight"},
            {"time_embedding.linear_2.bias", "time_embed.2.bias"},
            {"down_blocks.0.resnets.0.conv1.weight", "input_blocks.1.0.in_layers.2.weight"},
            {"down_blocks.0.resnets.0.norm1.bias", "input_blocks.1.0.in_layers.0.bias"},
            {"down_blocks.0.resnets.1.time_emb_proj.weight",
             "input_blocks.2.0.emb_layers.1.weight"},
            {"down_blocks.0.attentions.1.transformer_blocks.0.attn1.to_q.weight",
             "input_blocks.2.1.transformer_blocks.0.attn1.to_q.weight"},
            {"down_blocks.0.downsamplers.0.conv.weight", "input_blocks.3.0.op.weight"},
            {"down_blocks.1.resnets.0.conv_shortcut.weight",
             "input_blocks.4.0.skip_connection.weight"},
            {"down_blocks.1.attentions.0.proj_in.weight", "input_blocks.4.1.proj_in.weight"},
            {"down_blocks.2.downsamplers.0.conv.bias", "input_blocks.9.0.op.bias"},
            {"down_blocks.3.resnets.1.conv2.weight", "input_blocks.11.0.out_layers.3.weight"},
            {"mid_block.resnets.0.norm2.weight", "middle_block.0.out_layers.0.weight"},
            {"mid_block.attentions.0.proj_in.weight", "middle_block.1.proj_in.weight"},
            {"mid_block.attentions.0.transformer_blocks.0.ff.net.0.proj.weight",
             "middle_block.1.transformer_blocks.0.ff.net.0.proj.weight"},
            {"mid_block.resnets.1.time_emb_proj.bias", "middle_block.2.emb_layers.1.bias"},
            {"up_blocks.0.resnets.0.conv1.weight", "output_blocks.0.0.in_layers.2.weight"},
            {"up_blocks.0.upsamplers.0.conv.weight", "output_blocks.2.1.conv.weight"},
            {"up_blocks.1.attentions.2.norm.weight", "output_blocks.5.1.norm.weight"},
            {"up_blocks.1.upsamplers.0.conv.weight", "output_blocks.5.2.conv.weight"},
            {"up_blocks.2.upsamplers.0.conv.bias", "output_blocks.8.2.conv.bias"},
            {"up_blocks.3.resnets.2.conv_shortcut.weight",
             "output_blocks.11.0.skip_connection.weight"},
            {"up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_out.0.bias",
             "output_blocks.11.1.transformer_blocks.0.attn2.to_out.0.bias"},
            {"conv_norm_out.weight", "out.0.weight"},
            {"conv_out.bias", "out.2.bias"},
        };
        for (const auto& [diffusers, ldm] : pairs)
            QCOMPARE(QString::fromStdString(ldmUnetName(cfg, diffusers)), QString(ldm));
        // ... and names such a UNet does not have are refused, not invented.
        for (const char* bad :
             {"down_blocks.3.attentions.0.norm.weight", "down_blocks.3.downsamplers.0.conv.weight",
              "up_blocks.3.upsamplers.0.conv.weight", "up_blocks.0.attentions.0.norm.weight",
              "down_blocks.0.resnets.2.conv1.weight", "mid_block.resnets.2.conv1.weight",
              "down_blocks.0.resnets.0.nonsense.weight", "unknown.weight"}) {
            ErrorKind kind = ErrorKind::ModelLoad;
            QVERIFY2(!describeThrow([&] { ldmUnetName(cfg, bad); }, &kind).isEmpty(), bad);
            QCOMPARE(kind, ErrorKind::Internal);
        }
    }

    // Every tensor of the full-size SD 1.5 UNet has its own ldm name, in the expected ranges.
    void ldmNamesCoverFullSize() {
        const auto cfg = UNet2DConditionConfig::fromFile(
            fixture(QStringLiteral("manifests/sd15_unet.config.json")).toStdString());
        const auto manifest =
            readManifest(fixture(QStringLiteral("manifests/sd15_unet.json")).toStdString(), false);
        std::set<std::string> names;
        std::set<std::string> modules;  // "input_blocks.N", "output_blocks.N", ...
        for (const auto& e : manifest) {
            const std::string ldm = ldmUnetName(cfg, e.name);
            QVERIFY2(names.insert(ldm).second,
                     qPrintable("collision at " + QString::fromStdString(ldm)));
            const auto dot = ldm.find('.', ldm.find('.') + 1);
            modules.insert(ldm.substr(0, dot));
        }
        QCOMPARE(names.size(), manifest.size());
        std::set<std::string> expected = {"time_embed.0",  "time_embed.2",   "out.0",
                                          "out.2",         "middle_block.0", "middle_block.1",
                                          "middle_block.2"};
        for (int i = 0; i < 12; ++i) {
            expected.insert("input_blocks." + std::to_string(i));
            expected.insert("output_blocks." + std::to_string(i));
        }
        QCOMPARE(modules, expected);

        // The reverse map inverts it, for the whole model.
        const auto byLdm = diffusersUnetNamesByLdmName(cfg);
        QCOMPARE(byLdm.size(), manifest.size());
        for (const auto& [ldm, diffusers] : byLdm)
            QCOMPARE(QString::fromStdString(ldmUnetName(cfg, diffusers)),
                     QString::fromStdString(ldm));
        QCOMPARE(
            QString::fromStdString(
                byLdm.at("input_blocks.4.1.transformer_blocks.0.attn1.to_k.weight")),
            QStringLiteral("down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_k.weight"));
    }

    // The tiny UNets rewritten under ldm names (inside a file that also holds other models'
    // tensors) load through the rename into bit-identical parameters, and compute what the
    // golden holds. Outputs are not compared bit for bit: float32 weights are views of each
    // file's mapping, at whatever address the file puts them, and libtorch's CPU kernels may
    // sum in another order for another alignment (seen on the odd-sized case).
    void ldmCheckpointGivesIdenticalOutputs() {
        const QStringList files = discoverGoldenFiles();
        QVERIFY2(!files.isEmpty(), "no golden/*unet.safetensors files");
        for (const QString& f : files) {
            const Golden g(f);
            const QString folder = modelFolderOf(g);
            const auto& reference = model(folder);
            const auto cfg = reference.config();
            std::vector<std::pair<std::string, at::Tensor>> ldm;
            for (auto& [name, t] : readAll(Checkpoint::open(folder.toStdString())))
                ldm.emplace_back(kLdmUnetPrefix + ldmUnetName(cfg, name), t);
            ldm.emplace_back("first_stage_model.decoder.conv_in.weight", at::zeros({2}));
            ldm.emplace_back("cond_stage_model.transformer.text_model.final_layer_norm.weight",
                             at::zeros({2}));
            QTemporaryDir dir;
            const QString path = dir.filePath("v1-5-like.safetensors");
            writeSafetensors(path, ldm);
            const Checkpoint cp = Checkpoint::open(path.toStdString());
            const auto unet = loadUNet2DConditionFromLdm(cp, cfg, at::kFloat, at::kCPU);
            QCOMPARE(unet.parameters().size(), reference.parameters().size());
            for (const auto& [name, t] : reference.parameters()) {
                QVERIFY2(unet.parameters().count(name), name.c_str());
                QVERIFY2(at::equal(unet.parameters().at(name), t), name.c_str());
            }
            int cases = 0;
            for (const std::string p : {"", "odd_"}) {
                if (!g.has(p + "sample")) continue;
                ++cases;
                const at::Tensor a = unet.forward(g[p + "sample"], g[p + "timestep"],
                                                  g[p + "encoder_hidden_states"]);
                const at::Tensor b = reference.forward(g[p + "sample"], g[p + "timestep"],
                                                       g[p + "encoder_hidden_states"]);
                ARCHIVAL_EXPECT_CLOSE(a, g[p + "out"], kAtol, kRtol);
                ARCHIVAL_EXPECT_CLOSE(b, g[p + "out"], kAtol, kRtol);
            }
            QVERIFY2(cases > 0, qPrintable(f + ": neither sample nor odd_sample"));

            // A tensor missing from the single file is named with its ldm name.
            const std::string gone = ldm.front().first;
            ldm.erase(ldm.begin());
            QTemporaryDir broken;
            writeSafetensors(broken.filePath("broken.safetensors"), ldm);
            const Checkpoint brokenCp =
                Checkpoint::open(broken.filePath("broken.safetensors").toStdString());
            ErrorKind kind = ErrorKind::Internal;
            const QString msg = describeThrow(
                [&] { loadUNet2DConditionFromLdm(brokenCp, cfg, at::kFloat, at::kCPU); }, &kind);
            QCOMPARE(kind, ErrorKind::ModelLoad);
            QVERIFY2(msg.contains(QString::fromStdString("missing (1):\n    " + gone)),
                     qPrintable(msg));
        }
    }
};

QTEST_GUILESS_MAIN(TestUNet2D)
#include "test_unet2d.moc"
