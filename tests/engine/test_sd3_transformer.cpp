// SD3 / SD3.5 MMDiT (SD3Transformer2DModel) against the diffusers v0.31.0 goldens: every
// golden/sd3_transformer*.safetensors found and every case in it (main, odd_*, mixed_*),
// module by module through the *_intermediates files, the full-size SD3.5 Large, SD3.5
// Medium and SD3 Medium layouts against the manifests, sharded and pipeline-folder loading,
// and the errors a broken download or an impossible request must produce.
#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>
#include <map>
#include <set>

#include "engine/errors.h"
#include "engine/io/manifest.h"
#include "engine/io/safetensors.h"
#include "engine/models/sd3_transformer.h"
#include "engine/util/json_file.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;
using archival::test::Golden;

using archival::test::fixture;

namespace {

// Single forward passes: the fixture README's rule (kit/tolerances.h), checked against the
// measured float noise by test_golden_tolerances.
constexpr double kAtol = archival::test::kSinglePass.atol;
constexpr double kRtol = archival::test::kSinglePass.rtol;

// golden/sd3_transformer*.safetensors, without the intermediates files.
QStringList goldenFiles(bool intermediates) {
    const QDir dir(fixture(QStringLiteral("golden")));
    QStringList out;
    for (const QString& f :
         dir.entryList({QStringLiteral("sd3_transformer*.safetensors")}, QDir::Files, QDir::Name))
        if (f.contains(QLatin1String("_intermediates")) == intermediates) out << dir.filePath(f);
    return out;
}

// The model folder a golden was computed with (its `model` metadata).
std::string modelOf(const Golden& g) {
    return fixture(QString::fromStdString(g.meta("model").get<std::string>())).toStdString();
}

// Every case of a golden file: "<prefix>hidden_states" (not encoder_) -> prefix.
std::vector<std::string> casesOf(const Golden& g) {
    const std::string key = "hidden_states";
    std::vector<std::string> cases;
    for (const auto& entry : g.checkpoint().entries()) {
        const std::string& name = entry.first;
        if (name.size() < key.size() || name.compare(name.size() - key.size(), key.size(), key))
            continue;
        const std::string prefix = name.substr(0, name.size() - key.size());
        if (prefix.size() >= 8 && prefix.compare(prefix.size() - 8, 8, "encoder_") == 0) continue;
        cases.push_back(prefix);
    }
    return cases;
}

at::Tensor run(const SD3Transformer& model, const Golden& g, const std::string& prefix,
               const SD3Transformer::Hooks& hooks = {}) {
    return model.forward(g[prefix + "hidden_states"], g[prefix + "encoder_hidden_states"],
                         g[prefix + "pooled_projections"], g[prefix + "timestep"], hooks);
}

QString mainGoldenWithQkNorm() {
    for (const QString& f : goldenFiles(false)) {
        const Golden g(f);
        if (!SD3TransformerConfig::fromFile(modelOf(g) + "/config.json").qkNorm.empty()) return f;
    }
    return {};
}

// Writes the tensors of `source` that `keep` accepts (plus `extra`, zero-filled) as one
// safetensors file, byte for byte.
bool writeCheckpoint(const Checkpoint& source, const QString& path,
                     const std::function<bool(const std::string&)>& keep,
                     std::vector<TensorInfo> extra = {}) {
    std::vector<TensorInfo> infos;
    for (const auto& [name, entry] : source.entries())
        if (keep(name)) infos.push_back({name, entry.info->dtype, entry.info->shape});
    const std::size_t copied = infos.size();
    for (auto& e : extra) infos.push_back(e);
    QByteArray bytes = QByteArray::fromStdString(makeSafetensorsHeader(infos));
    for (std::size_t i = 0; i < infos.size(); ++i) {
        if (i < copied) {
            const auto* entry = source.find(infos[i].name);
            bytes.append(reinterpret_cast<const char*>(entry->file->data(*entry->info)),
                         static_cast<qsizetype>(entry->info->byteSize()));
        } else {
            bytes.append(QByteArray(static_cast<qsizetype>(infos[i].byteSize()), '\0'));
        }
    }
    return archival::test::writeFile(path, bytes);
}

bool copyFile(const QString& from, const QString& to) {
    QDir().mkpath(QFileInfo(to).absolutePath());
    QFile::remove(to);
    return QFile::copy(from, to);
}

template <typename F>
ErrorKind errorKindOf(F&& f, QString* message) {
    try {
        f();
    } catch (const EngineError& e) {
        *message = QString::fromStdString(e.what());
        return e.kind();
    }
    *message = QStringLiteral("(no error)");
    return ErrorKind::Internal;
}

}  // namespace

class TestSD3Transformer : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void configFromFileAndDefaults() {
        // Absent keys take diffusers v0.31.0's __init__ defaults.
        const auto d = SD3TransformerConfig::fromJson(nlohmann::json::object());
        QCOMPARE(d.sampleSize, 128);
        QCOMPARE(d.patchSize, 2);
        QCOMPARE(d.inChannels, 16);
        QCOMPARE(d.numLayers, 18);
        QCOMPARE(d.attentionHeadDim, 64);
        QCOMPARE(d.numAttentionHeads, 18);
        QCOMPARE(d.jointAttentionDim, 4096);
        QCOMPARE(d.captionProjectionDim, 1152);
        QCOMPARE(d.pooledProjectionDim, 2048);
        QCOMPARE(d.outChannels, 16);
        QCOMPARE(d.posEmbedMaxSize, 96);
        QVERIFY(d.dualAttentionLayers.empty());
        QVERIFY(d.qkNorm.empty());
        // out_channels null means "as in_channels".
        const auto n = SD3TransformerConfig::fromJson(
            {{"in_channels", 4}, {"out_channels", nullptr}, {"qk_norm", nullptr}});
        QCOMPARE(n.outChannels, 4);

        // Every fixture model's config reads back as written.
        const QStringList golden = goldenFiles(false);
        QVERIFY2(!golden.isEmpty(), "no golden/sd3_transformer*.safetensors found");
        for (const QString& f : golden) {
            const std::string path = modelOf(Golden(f)) + "/config.json";
            const auto json = readJsonFile(path);
            const auto c = SD3TransformerConfig::fromFile(path);
            QCOMPARE(c.numLayers, json.at("num_layers").get<std::int64_t>());
            QCOMPARE(c.innerDim(), json.at("num_attention_heads").get<std::int64_t>() *
                                       json.at("attention_head_dim").get<std::int64_t>());
            QCOMPARE(c.posEmbedMaxSize, json.at("pos_embed_max_size").get<std::int64_t>());
            QCOMPARE(c.qkNorm, json.at("qk_norm").is_null()
                                   ? std::string()
                                   : json.at("qk_norm").get<std::string>());
            QCOMPARE(c.dualAttentionLayers,
                     json.value("dual_attention_layers", std::vector<std::int64_t>{}));
        }
    }

    void badConfigsAreNamed() {
        QString msg;
        QCOMPARE(errorKindOf(
                     [] {
                         SD3TransformerConfig::fromJson({{"qk_norm", "layer_norm"}});
                     },
                     &msg),
                 ErrorKind::ModelLoad);
        QVERIFY2(msg.contains("qk_norm"), qPrintable(msg));
        QCOMPARE(errorKindOf(
                     [] {
                         SD3TransformerConfig::fromJson({{"num_layers", "many"}});
                     },
                     &msg),
                 ErrorKind::ModelLoad);
        QVERIFY2(msg.contains("num_layers"), qPrintable(msg));
        QCOMPARE(errorKindOf(
                     [] {
                         SD3TransformerConfig::fromJson(
                             {{"num_layers", 2}, {"dual_attention_layers", {0, 5}}});
                     },
                     &msg),
                 ErrorKind::ModelLoad);
        QVERIFY2(msg.contains("dual_attention_layers") && msg.contains('5'), qPrintable(msg));
        QCOMPARE(errorKindOf(
                     [] {
                         SD3TransformerConfig::fromJson({{"caption_projection_dim", 7}});
                     },
                     &msg),
                 ErrorKind::ModelLoad);
        QVERIFY2(msg.contains("caption_projection_dim"), qPrintable(msg));
    }

    // Every golden file, every case in it: out within the README's single-forward tolerance.
    void goldenOutputs() {
        const QStringList files = goldenFiles(false);
        // Which variants (qk norm, no qk norm, MMDiT-X) a fixture set holds is its choice.
        QVERIFY2(!files.isEmpty(), "no golden/sd3_transformer*.safetensors found");
        for (const QString& f : files) {
            const Golden g(f);
            const SD3Transformer model = loadSD3Transformer(modelOf(g), at::kFloat, at::kCPU);
            const auto cases = casesOf(g);
            QVERIFY2(!cases.empty(), qPrintable(f));
            for (const std::string& prefix : cases) {
                qInfo("%s case '%s':", qPrintable(QFileInfo(f).fileName()),
                      prefix.empty() ? "main" : prefix.c_str());
                const at::Tensor out = run(model, g, prefix);
                ARCHIVAL_EXPECT_CLOSE(out, g[prefix + "out"], kAtol, kRtol);
            }
        }
    }

    // Module by module (pos_embed, time_text_embed, context_embedder, every block's streams,
    // norm_out, proj_out) for each *_intermediates file: where a mismatch starts.
    void intermediates() {
        const QStringList files = goldenFiles(true);
        QVERIFY2(!files.isEmpty(), "no golden/sd3_transformer*_intermediates.safetensors found");
        for (const QString& f : files) {
            const Golden inter(f);
            // meta `inputs`: "golden/<file> (main case)".
            const std::string inputs = inter.meta("inputs").get<std::string>();
            const Golden g(fixture(QString::fromStdString(inputs.substr(0, inputs.find(' ')))));
            const SD3Transformer model = loadSD3Transformer(modelOf(inter), at::kFloat, at::kCPU);
            std::map<std::string, at::Tensor> recorded;
            SD3Transformer::Hooks hooks;
            hooks.intermediates = &recorded;
            run(model, g, "", hooks);
            QVERIFY(inter.has("pos_embed") && inter.has("time_text_embed"));
            for (const auto& entry : inter.checkpoint().entries()) {
                const std::string& name = entry.first;
                QVERIFY2(recorded.count(name),
                         qPrintable(QString::fromStdString("not recorded: " + name)));
                qInfo("%s %s:", qPrintable(QFileInfo(f).fileName()), name.c_str());
                ARCHIVAL_EXPECT_CLOSE(recorded.at(name), inter[name], kAtol, kRtol);
            }
        }
    }

    // Run in bf16 (the GPU dtype), the model follows the float32 golden as closely as the
    // reference's own bf16 run does: at most 1.5x diffusers' bf16 error on the same golden
    // (measured by tests/peers/bf16/measure_bf16_peer.py). This exercises the dtype plumbing
    // of that path (float32 timestep features cast to the run dtype, inputs cast to the
    // model's dtype, RMSNorm in float32). The BF16-stored MMDiT-X folder (upcast to float32
    // on load) is covered by goldenOutputs.
    void bf16RunFollowsFloat32() {
        const QString f = mainGoldenWithQkNorm();
        QVERIFY(!f.isEmpty());
        const Golden g(f);
        const SD3Transformer model = loadSD3Transformer(modelOf(g), at::kBFloat16, at::kCPU);
        QCOMPARE(model.dtype(), at::kBFloat16);
        const at::Tensor out = run(model, g, "");
        QCOMPARE(out.scalar_type(), at::kBFloat16);
        const at::Tensor expected = g["out"];
        const double err = (out.to(at::kFloat) - expected).abs().max().item<double>();
        const double peak = expected.abs().max().item<double>();
        double bound = 0;
        if (const auto peer = archival::test::peerBf16ErrorOf(
                QStringLiteral("golden/") + QFileInfo(f).fileName(), "out")) {
            bound = archival::test::kBf16ErrorFactor * peer->maxAbs;
            qInfo("bound %g = %g x %g from %s", bound, archival::test::kBf16ErrorFactor,
                  peer->maxAbs, qPrintable(peer->source));
        } else {
            // A fixture set the reference was not run on: the fixture README's measured
            // reduced-precision rule (section 9: bf16 needs roughly 1e-2 relative).
            bound = archival::test::kReducedPrecisionRelToPeak * peak;
            qInfo("no reference bf16 run for %s: bound %g x peak", qPrintable(f),
                  archival::test::kReducedPrecisionRelToPeak);
        }
        qInfo("bf16 vs float32 golden: max|diff| %g (peak %g, bound %g)", err, peak, bound);
        QVERIFY2(err <= bound,
                 qPrintable(QStringLiteral("bf16 max|diff| %1 > %2").arg(err).arg(bound)));
    }

    // The real SD3.5 Large download is sharded with an index; a pipeline folder holding
    // transformer/ is accepted too. Same weights, bit-identical output.
    void shardedCheckpointInPipelineFolder() {
        const QString f = mainGoldenWithQkNorm();
        const Golden g(f);
        const std::string folder = modelOf(g);
        const Checkpoint single = Checkpoint::open(folder);
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("transformer"));
        QVERIFY(copyFile(QString::fromStdString(folder) + "/config.json", dir + "/config.json"));
        std::set<std::string> firstHalf;
        std::size_t i = 0;
        for (const auto& entry : single.entries())
            if (i++ < single.entries().size() / 2) firstHalf.insert(entry.first);
        const QString shard1 = QStringLiteral("diffusion_pytorch_model-00001-of-00002.safetensors");
        const QString shard2 = QStringLiteral("diffusion_pytorch_model-00002-of-00002.safetensors");
        QVERIFY(writeCheckpoint(single, dir + '/' + shard1,
                                [&](const std::string& n) { return firstHalf.count(n) > 0; }));
        QVERIFY(writeCheckpoint(single, dir + '/' + shard2,
                                [&](const std::string& n) { return firstHalf.count(n) == 0; }));
        nlohmann::json index;
        index["metadata"]["total_size"] = single.totalBytes();
        for (const auto& entry : single.entries())
            index["weight_map"][entry.first] =
                (firstHalf.count(entry.first) ? shard1 : shard2).toStdString();
        QVERIFY(archival::test::writeFile(dir + "/diffusion_pytorch_model.safetensors.index.json",
                                          QByteArray::fromStdString(index.dump())));

        const SD3Transformer fromShards =
            loadSD3Transformer(tmp.path().toStdString(), at::kFloat, at::kCPU);
        const SD3Transformer fromFile = loadSD3Transformer(folder, at::kFloat, at::kCPU);
        QCOMPARE(fromShards.parameters().size(), single.entries().size());
        QVERIFY(at::equal(run(fromShards, g, ""), run(fromFile, g, "")));
    }

    // Full-size SD3.5 Large / SD3.5 Medium / SD3 Medium built on the meta device from their
    // configs: every name and shape equals the manifest of the real checkpoint.
    void fullSizeLayoutsMatchManifests() {
        const QDir dir(fixture(QStringLiteral("manifests")));
        int checked = 0;
        for (const QString& cfgName : dir.entryList({QStringLiteral("*_transformer.config.json")},
                                                    QDir::Files, QDir::Name)) {
            const std::string cfgPath = dir.filePath(cfgName).toStdString();
            const auto json = readJsonFile(cfgPath);
            if (json.value("_class_name", std::string()) != "SD3Transformer2DModel") continue;
            const QString manifest =
                dir.filePath(cfgName.chopped(int(sizeof(".config.json")) - 1) + ".json");
            const auto entries = readManifest(manifest.toStdString(), false);

            MetaSource meta(at::kBFloat16);
            const SD3Transformer model(SD3TransformerConfig::fromFile(cfgPath), Scope(meta));
            std::map<std::string, std::vector<std::int64_t>> built, expected;
            for (const auto& [name, shape] : meta.specs())
                QVERIFY2(built.emplace(name, shape).second,
                         qPrintable(QString::fromStdString("asked twice: " + name)));
            for (const auto& e : entries) expected[e.name] = e.shape;
            QStringList problems;
            for (const auto& [name, shape] : expected) {
                auto it = built.find(name);
                if (it == built.end())
                    problems << QString::fromStdString("missing " + name);
                else if (it->second != shape)
                    problems << QString::fromStdString("wrong shape " + name);
            }
            for (const auto& [name, shape] : built)
                if (!expected.count(name)) problems << QString::fromStdString("unexpected " + name);
            QVERIFY2(problems.isEmpty(),
                     qPrintable(cfgName + ": " + problems.mid(0, 10).join(QLatin1String("; "))));
            QCOMPARE(model.parameters().size(), expected.size());
            qInfo("%s: %zu tensors match", qPrintable(cfgName), expected.size());
            ++checked;
        }
        QVERIFY2(checked >= 3, "expected the SD3.5 Large, SD3.5 Medium and SD3 Medium manifests");
    }

    // A download with a tensor missing and a stray one: one ModelLoad error naming both.
    void missingTensorIsNamed() {
        const Golden g(mainGoldenWithQkNorm());
        const std::string folder = modelOf(g);
        const Checkpoint cp = Checkpoint::open(folder);
        // Drop a tensor that only the qk-norm layout has, so the check also proves it is asked.
        std::string dropped;
        for (const auto& entry : cp.entries())
            if (entry.first.find("norm_added_k") != std::string::npos) dropped = entry.first;
        QVERIFY(!dropped.empty());
        QTemporaryDir tmp;
        QVERIFY(copyFile(QString::fromStdString(folder) + "/config.json",
                         tmp.filePath(QStringLiteral("config.json"))));
        QVERIFY(writeCheckpoint(cp,
                                tmp.filePath(QStringLiteral("diffusion_pytorch_model.safetensors")),
                                [&](const std::string& n) { return n != dropped; },
                                {{"transformer_blocks.0.attn.stray.weight", DType::F32, {2}}}));
        QString msg;
        QCOMPARE(
            errorKindOf([&] { loadSD3Transformer(tmp.path().toStdString(), at::kFloat, at::kCPU); },
                        &msg),
            ErrorKind::ModelLoad);
        QVERIFY2(msg.contains(QString::fromStdString(dropped)), qPrintable(msg));
        QVERIFY2(msg.contains(QLatin1String("transformer_blocks.0.attn.stray.weight")),
                 qPrintable(msg));
    }

    void impossibleRequestsAreInvalid() {
        const Golden g(mainGoldenWithQkNorm());
        const SD3Transformer model = loadSD3Transformer(modelOf(g), at::kFloat, at::kCPU);
        const auto& c = model.config();
        const at::Tensor enc = g["encoder_hidden_states"].slice(0, 0, 1);
        const at::Tensor pooled = g["pooled_projections"].slice(0, 0, 1);
        const at::Tensor t = at::full({1}, 500.0f);
        QString msg;

        // Height not a multiple of the patch size.
        const std::int64_t p = c.patchSize;
        QCOMPARE(
            errorKindOf(
                [&] {
                    model.forward(at::zeros({1, c.inChannels, 4 * p + 1, 4 * p}), enc, pooled, t);
                },
                &msg),
            ErrorKind::InvalidRequest);
        QVERIFY2(msg.contains(QLatin1String("patch size")), qPrintable(msg));

        // A patch grid larger than the position table: the message names the largest side.
        const std::int64_t maxSide = c.posEmbedMaxSize * p;
        QCOMPARE(
            errorKindOf(
                [&] {
                    model.forward(at::zeros({1, c.inChannels, p, maxSide + p}), enc, pooled, t);
                },
                &msg),
            ErrorKind::InvalidRequest);
        QVERIFY2(msg.contains(QString::number(maxSide)), qPrintable(msg));
        // ...while the largest side itself runs (corner of the table).
        QCOMPARE(model.forward(at::zeros({1, c.inChannels, p, maxSide}), enc, pooled, t).sizes(),
                 at::IntArrayRef({1, c.outChannels, p, maxSide}));

        QCOMPARE(
            errorKindOf(
                [&] {
                    model.forward(at::zeros({1, c.inChannels + 1, 2 * p, 2 * p}), enc, pooled, t);
                },
                &msg),
            ErrorKind::InvalidRequest);
        QCOMPARE(errorKindOf(
                     [&] {
                         model.forward(at::zeros({1, c.inChannels, 2 * p, 2 * p}),
                                       enc.narrow(2, 0, 1), pooled, t);
                     },
                     &msg),
                 ErrorKind::InvalidRequest);
        QVERIFY2(msg.contains(QString::number(c.jointAttentionDim)), qPrintable(msg));
        QCOMPARE(errorKindOf(
                     [&] {
                         model.forward(at::zeros({1, c.inChannels, 2 * p, 2 * p}), enc,
                                       pooled.narrow(1, 0, 1), t);
                     },
                     &msg),
                 ErrorKind::InvalidRequest);
        QCOMPARE(errorKindOf(
                     [&] {
                         model.forward(at::zeros({1, c.inChannels, 2 * p, 2 * p}), enc, pooled,
                                       at::full({3}, 1.0f));
                     },
                     &msg),
                 ErrorKind::InvalidRequest);
    }

    // The per-block hook runs once per block and can stop the forward pass.
    void blockHookCanCancel() {
        const Golden g(mainGoldenWithQkNorm());
        const SD3Transformer model = loadSD3Transformer(modelOf(g), at::kFloat, at::kCPU);
        int calls = 0;
        SD3Transformer::Hooks hooks;
        hooks.beforeBlock = [&] { ++calls; };
        const at::Tensor out = run(model, g, "", hooks);
        QCOMPARE(calls, int(model.config().numLayers));
        // One timestep for the whole batch is broadcast, as the pipelines' t.expand(B) does.
        const at::Tensor ts = g["timestep"];
        if (at::equal(ts, ts[0].expand_as(ts)))
            QVERIFY(at::equal(model.forward(g["hidden_states"], g["encoder_hidden_states"],
                                            g["pooled_projections"], ts.slice(0, 0, 1)),
                              out));

        calls = 0;
        hooks.beforeBlock = [&] {
            if (++calls == 2) throw EngineError(ErrorKind::Interrupted, "cancelled");
        };
        QString msg;
        QCOMPARE(errorKindOf([&] { run(model, g, "", hooks); }, &msg), ErrorKind::Interrupted);
        QCOMPARE(calls, 2);
    }
};

QTEST_GUILESS_MAIN(TestSD3Transformer)
#include "test_sd3_transformer.moc"
