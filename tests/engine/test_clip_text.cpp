// CLIP text encoders (CLIPTextModel / CLIPTextModelWithProjection layout): every output of
// the golden files (golden/clip_*.safetensors) from the model folders they name, the
// full-size CLIP-L / CLIP-G structures against the manifests of the real checkpoints, strict
// loading errors, and the original single-file SD 1.5 layout.
#include <QDirIterator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "engine/errors.h"
#include "engine/io/manifest.h"
#include "engine/io/safetensors.h"
#include "engine/io/tensor_loader.h"
#include "engine/models/clip_text.h"
#include "engine/tokenizers/clip_tokenizer.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;
using archival::test::Golden;

using archival::test::fixture;
using archival::test::writeSafetensors;

namespace {

// README-text.md "Tolerances" for CLIP outputs (kit/tolerances.h).
constexpr double kAtol = archival::test::kSinglePass.atol, kRtol = archival::test::kSinglePass.rtol;

// The model folders a golden names in its metadata ("models/clip-l-proj-tiny (==
// models/clip-l-tiny + text_projection)" names two).
QStringList modelsNamedIn(const nlohmann::json& value) {
    QStringList models;
    if (!value.is_string()) return models;
    static const QRegularExpression path(QStringLiteral("models/[A-Za-z0-9_.\\-]+"));
    auto it = path.globalMatch(QString::fromStdString(value.get<std::string>()));
    while (it.hasNext()) models << it.next().captured(0);
    return models;
}

// Every tensor of a checkpoint, as stored.
std::vector<std::pair<std::string, at::Tensor>> readAll(const QString& folder) {
    const Checkpoint cp = Checkpoint::open(folder.toStdString());
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& [name, entry] : cp.entries())
        out.emplace_back(name, loadTensor(entry, toScalarType(entry.info->dtype)));
    return out;
}

void expectModelLoadError(const std::function<void()>& load, const QStringList& mustMention) {
    try {
        load();
        QFAIL("a broken checkpoint loaded");
    } catch (const EngineError& e) {
        QCOMPARE(e.kind(), ErrorKind::ModelLoad);
        for (const QString& s : mustMention)
            QVERIFY2(QString::fromStdString(e.what()).contains(s), e.what());
    }
}

// Every (golden, model folder) pair: the goldens' metadata name the folders they used.
std::vector<std::pair<QString, QString>> goldenModelPairs() {
    QDirIterator it(fixture("golden"), {QStringLiteral("clip_*.safetensors")}, QDir::Files);
    QStringList goldens;
    while (it.hasNext()) goldens << it.next();
    goldens.sort();
    std::vector<std::pair<QString, QString>> pairs;
    for (const QString& path : goldens) {
        const Golden g(path);
        QStringList models =
            modelsNamedIn(g.meta("model")) + modelsNamedIn(g.meta("text_embeds_model"));
        models.removeDuplicates();
        for (const QString& m : models) pairs.emplace_back(path, m);
    }
    return pairs;
}

}  // namespace

class TestClipText : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void matchesGoldens_data() {
        QTest::addColumn<QString>("golden");
        QTest::addColumn<QString>("model");
        const auto pairs = goldenModelPairs();
        for (const auto& [path, m] : pairs)
            QTest::newRow(qPrintable(QFileInfo(path).fileName() + " " + m)) << path << m;
        archival::test::addRowIfNothingFound(int(pairs.size()),
                                             "golden/clip_*.safetensors naming a models/ folder");
    }

    void matchesGoldens() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, golden);
        QFETCH(QString, model);
        const Golden g(golden);
        const QString folder = fixture(model);
        const ClipTextModel clip = loadClipText(folder.toStdString(), at::kFloat, at::kCPU);
        const at::Tensor ids = g["input_ids"];

        const auto out = clip.forward(ids, /*clipSkip=*/0, /*keepHiddenStates=*/true);
        const at::Tensor layers = g["layer_outputs"];
        QCOMPARE(static_cast<std::int64_t>(out.hiddenStates.size()), layers.size(0) + 1);
        QVERIFY(at::equal(out.eosIndex, g["eos_index"]));
        ARCHIVAL_EXPECT_CLOSE(out.hiddenStates[0], g["embedding_output"], kAtol, kRtol);
        for (std::int64_t l = 0; l < layers.size(0); ++l)
            ARCHIVAL_EXPECT_CLOSE(out.hiddenStates[l + 1], layers[l], kAtol, kRtol);
        ARCHIVAL_EXPECT_CLOSE(out.penultimate, g["hidden_states_penultimate"], kAtol, kRtol);
        ARCHIVAL_EXPECT_CLOSE(out.lastHidden, g["last_hidden_state"], kAtol, kRtol);
        QVERIFY(out.clipSkipped.is_same(out.lastHidden));
        ARCHIVAL_EXPECT_CLOSE(out.pooled, g["pooled_output"], kAtol, kRtol);

        // SD 1.5 clip skip: final LayerNorm on hidden_states[-2].
        const auto skipped = clip.forward(ids, /*clipSkip=*/1);
        ARCHIVAL_EXPECT_CLOSE(skipped.clipSkipped, g["penultimate_with_final_layer_norm"], kAtol,
                              kRtol);
        QVERIFY(skipped.hiddenStates.empty());

        // The first folder named is the one text_embeds were computed with.
        const bool namedForEmbeds = modelsNamedIn(g.meta("text_embeds_model")).value(0) == model;
        if (clip.hasProjection()) {
            ARCHIVAL_EXPECT_CLOSE(out.textEmbeds, g["text_embeds"], kAtol, kRtol);
        } else {
            QVERIFY2(!namedForEmbeds, "the golden's text_embeds model has no text_projection");
            QVERIFY(!out.textEmbeds.defined());
        }
    }

    // The model folders' tokenizers give the goldens' ids for the goldens' prompts (every
    // folder that has a tokenizer; at least one must).
    void tokenizersGiveTheGoldenIds() {
        int checked = 0;
        for (const auto& [path, model] : goldenModelPairs()) {
            const QString folder = fixture(model);
            if (!QFileInfo::exists(folder + "/vocab.json")) continue;  // encoder-only folder
            const Golden g(path);
            const at::Tensor ids = g["input_ids"];
            const auto tok = ClipTokenizer::fromFolder(folder.toStdString());
            const auto prompts = g.meta("prompts").get<std::vector<std::string>>();
            QCOMPARE(static_cast<std::int64_t>(prompts.size()), ids.size(0));
            for (std::size_t b = 0; b < prompts.size(); ++b) {
                const auto expected = ids[static_cast<std::int64_t>(b)].contiguous();
                const std::vector<std::int64_t> want(
                    expected.data_ptr<std::int64_t>(),
                    expected.data_ptr<std::int64_t>() + expected.numel());
                QVERIFY2(tok.encode(prompts[b]).ids == want, prompts[b].c_str());
            }
            const nlohmann::json pad = g.meta("pad_id");  // stored as text, read as JSON
            QCOMPARE(tok.padId(), pad.is_string() ? std::stoll(pad.get<std::string>())
                                                  : pad.get<std::int64_t>());
            ++checked;
        }
        QVERIFY2(checked > 0,
                 "no models/ folder named by a golden/clip_*.safetensors has a tokenizer "
                 "(vocab.json)");
    }

    // The full-size encoders, built on the meta device from the real config.json files,
    // ask for exactly the tensors of the real checkpoints.
    void fullSizeStructureMatchesManifests() {
        QDirIterator it(fixture("manifests"), {QStringLiteral("clip-*.json")}, QDir::Files);
        int configsChecked = 0;
        while (it.hasNext()) {
            const QString manifest = it.next();
            if (manifest.endsWith(QLatin1String(".config.json"))) continue;
            QFile file(manifest);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const nlohmann::json m = nlohmann::json::parse(file.readAll().toStdString());
            QVERIFY2(m.contains("config_files"), qPrintable(manifest));
            for (const auto& configName : m["config_files"]) {
                const QString configPath =
                    fixture("manifests/" + QString::fromStdString(configName.get<std::string>()));
                const auto config = ClipTextConfig::fromFile(configPath.toStdString());
                MetaSource meta(at::kHalf);
                const ClipTextModel clip(config, Scope(meta));
                std::map<std::string, std::vector<std::int64_t>> built, expected;
                std::int64_t parameters = 0;
                for (const auto& [name, shape] : meta.specs()) {
                    QVERIFY2(built.emplace(name, shape).second, name.c_str());
                    std::int64_t n = 1;
                    for (auto d : shape) n *= d;
                    parameters += n;
                }
                for (const auto& e : readManifest(manifest.toStdString(), config.withProjection))
                    if (!e.optional) expected.emplace(e.name, e.shape);
                QStringList diff;
                for (const auto& [name, shape] : expected)
                    if (!built.count(name) || built[name] != shape)
                        diff << "missing/misshaped " + QString::fromStdString(name);
                for (const auto& [name, shape] : built)
                    if (!expected.count(name)) diff << "unexpected " + QString::fromStdString(name);
                QVERIFY2(diff.isEmpty(),
                         qPrintable(configPath + ":\n" + diff.mid(0, 10).join("\n")));
                const char* countKey =
                    config.withProjection ? "parameter_count_with_projection" : "parameter_count";
                QCOMPARE(parameters, m[countKey].get<std::int64_t>());
                qInfo("%s with %s: %zu tensors, %lld parameters",
                      qPrintable(QFileInfo(manifest).fileName()),
                      qPrintable(QFileInfo(configPath).fileName()), built.size(),
                      static_cast<long long>(parameters));
                ++configsChecked;
            }
        }
        QVERIFY2(configsChecked >= 2, "no CLIP manifest/config pairs found");
    }

    void strictLoadingNamesProblems() {
        const QString source = fixture("models/clip-l-tiny");
        auto tensors = readAll(source);
        const std::string dropped = "text_model.encoder.layers.1.mlp.fc2.bias";
        const auto before = tensors.size();
        tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                                     [&](const auto& t) { return t.first == dropped; }),
                      tensors.end());
        QCOMPARE(tensors.size(), before - 1);
        QTemporaryDir dir;
        QVERIFY(QFile::copy(source + "/config.json", dir.filePath("config.json")));
        writeSafetensors(dir.filePath("model.safetensors"), tensors);
        expectModelLoadError([&] { loadClipText(dir.path().toStdString(), at::kFloat, at::kCPU); },
                             {"missing", QString::fromStdString(dropped)});

        // A CLIPTextModelWithProjection file read as CLIPTextModel: text_projection is unexpected.
        const QString proj = fixture("models/clip-l-proj-tiny");
        const Checkpoint cp = Checkpoint::open(proj.toStdString());
        auto config = ClipTextConfig::fromFile((proj + "/config.json").toStdString());
        QVERIFY(config.withProjection);
        config.withProjection = false;
        expectModelLoadError([&] { loadClipText(cp, config, at::kFloat, at::kCPU); },
                             {"unexpected", "text_projection.weight"});

        // A config that does not say which class it is.
        archival::test::writeFile(dir.filePath("config.json"), R"({"hidden_size": 32})");
        try {
            ClipTextConfig::fromFile(dir.filePath("config.json").toStdString());
            QFAIL("a config without architectures was accepted");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::ModelLoad);
            QVERIFY2(QString(e.what()).contains("architectures"), e.what());
        }
    }

    void rejectsBadRequests() {
        const ClipTextModel clip =
            loadClipText(fixture("models/clip-g-tiny").toStdString(), at::kFloat, at::kCPU);
        auto expectRequestError = [&](const at::Tensor& ids, int skip) {
            try {
                clip.forward(ids, skip);
                QFAIL("a bad request was accepted");
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), ErrorKind::InvalidRequest);
            }
        };
        // Sizes from the model's config.json, never constants: other fixture sets differ.
        const ClipTextConfig& cfg = clip.config();
        const int layers = static_cast<int>(cfg.numLayers);
        expectRequestError(at::zeros({1, cfg.maxPositions + 1}, at::kLong), 0);  // too long
        expectRequestError(at::full({1, 5}, cfg.vocabSize, at::kLong), 0);       // outside vocab
        expectRequestError(at::zeros({1, 5}, at::kLong), layers + 1);  // clip skip > layers
        expectRequestError(at::zeros({5}, at::kLong), 0);              // not [B, S]
        // clip skip = number of layers reaches back to the embeddings.
        const auto all = clip.forward(at::zeros({1, 5}, at::kLong), layers);
        QCOMPARE(all.clipSkipped.sizes(), all.lastHidden.sizes());
        QVERIFY(!at::allclose(all.clipSkipped, all.lastHidden));
    }

    // The original single-file SD 1.5 checkpoint keeps the text encoder under
    // cond_stage_model.transformer.text_model.* beside the UNet and VAE.
    void loadsTheSingleFileSd15Layout() {
        const QString source = fixture("models/clip-l-tiny");
        QTemporaryDir dir;
        std::vector<std::pair<std::string, at::Tensor>> tensors;
        for (const auto& [name, t] : readAll(source))
            tensors.emplace_back(kSd15SingleFileTextEncoderPrefix + name, t);
        tensors.emplace_back("model.diffusion_model.out.2.bias", at::ones({4}));
        tensors.emplace_back("first_stage_model.decoder.conv_out.bias", at::ones({3}));
        const QString file = dir.filePath("v1-5-single-file.safetensors");
        writeSafetensors(file, tensors);

        const Checkpoint cp = Checkpoint::open(file.toStdString());
        const auto config = ClipTextConfig::fromFile((source + "/config.json").toStdString());
        const ClipTextModel single =
            loadClipText(cp, config, at::kFloat, at::kCPU, kSd15SingleFileTextEncoderPrefix);
        const ClipTextModel folder = loadClipText(source.toStdString(), at::kFloat, at::kCPU);
        const at::Tensor ids =
            Golden(QStringLiteral("golden/clip_l_tiny.safetensors"))["input_ids"];
        const auto a = single.forward(ids, 0), b = folder.forward(ids, 0);
        QVERIFY(at::equal(a.lastHidden, b.lastHidden));
        QVERIFY(at::equal(a.penultimate, b.penultimate));
        QVERIFY(at::equal(a.pooled, b.pooled));

        // The same layout with a tensor missing is named with its full single-file key.
        tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                                     [](const auto& t) {
                                         return t.first.find("final_layer_norm.weight") !=
                                                std::string::npos;
                                     }),
                      tensors.end());
        writeSafetensors(dir.filePath("broken.safetensors"), tensors);
        const Checkpoint broken =
            Checkpoint::open(dir.filePath("broken.safetensors").toStdString());
        expectModelLoadError(
            [&] {
                loadClipText(broken, config, at::kFloat, at::kCPU,
                             kSd15SingleFileTextEncoderPrefix);
            },
            {"cond_stage_model.transformer.text_model.final_layer_norm.weight"});

        // The built-in SD 1.5 config is the real one.
        const auto real =
            ClipTextConfig::fromFile(fixture("manifests/clip-l.config.json").toStdString());
        const auto builtIn = ClipTextConfig::sd15ViTL14();
        QCOMPARE(builtIn.hiddenSize, real.hiddenSize);
        QCOMPARE(builtIn.numLayers, real.numLayers);
        QCOMPARE(builtIn.numHeads, real.numHeads);
        QCOMPARE(builtIn.intermediateSize, real.intermediateSize);
        QCOMPARE(builtIn.eosTokenId, real.eosTokenId);
        QCOMPARE(builtIn.withProjection, real.withProjection);
        QVERIFY(builtIn.activation == real.activation);
    }
};

QTEST_GUILESS_MAIN(TestClipText)
#include "test_clip_text.moc"
