// T5 encoder (SD3 text_encoder_3): the tiny model against golden/t5_tiny.safetensors, the
// relative-position buckets exactly, the full-size T5-XXL layout against its manifest on the
// meta device, and the load / precision / input errors.
#include <ATen/ATen.h>

#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/io/manifest.h"
#include "engine/io/safetensors.h"
#include "engine/io/tensor_loader.h"
#include "engine/models/t5_encoder.h"
#include "engine/tokenizers/t5_tokenizer.h"
#include "golden.h"
#include "test_support.h"
#include "tolerances.h"

using namespace archival::engine;
using archival::test::Golden;

namespace {

// README-text.md "Tolerances" for T5 in float32 (kit/tolerances.h).
constexpr double kAtol = archival::test::kT5.atol, kRtol = archival::test::kT5.rtol;

const QString kGolden = QStringLiteral("golden/t5_tiny.safetensors");

// The model folder the golden was made from (its __metadata__["model"]).
QString modelDir(const Golden& golden) {
    return archival::test::fixturesDir() + QLatin1Char('/') +
           QString::fromStdString(golden.meta("model").get<std::string>());
}

// The reference's own bf16 error on the golden's last_hidden_state, measured, never copied:
// transformers' bf16 run (tests/data/bf16_peer_errors.json) when it was measured on this
// golden file; otherwise the fixture's own measurement (text_tolerances.json: an independent
// bf16 implementation against float64, plus the golden's own float32-vs-float64 error, so
// that the sum bounds the distance to the float32 golden).
double bf16ReferenceError(const Golden& golden) {
    if (const auto peer = archival::test::peerBf16ErrorOf(kGolden, "last_hidden_state")) {
        qInfo("bf16 reference error %g from %s", peer->maxAbs, qPrintable(peer->source));
        return peer->maxAbs;
    }
    const QString comparison = QStringLiteral("%1 (%2)").arg(
        QString::fromStdString(golden.meta("model").get<std::string>()),
        QString::number(golden["input_ids"].size(1)));
    const auto bf16 = archival::test::fixtureToleranceOf(
        QStringLiteral("text_tolerances.json"), comparison,
        QStringLiteral("own bf16 compute vs own fp64"), "last_hidden_state");
    const auto fp32 = archival::test::fixtureToleranceOf(
        QStringLiteral("text_tolerances.json"), comparison,
        QStringLiteral("reference fp32 vs own fp64"), "last_hidden_state");
    if (!bf16 || !fp32) {
        QTest::qFail(qPrintable("no measured bf16 error for " + comparison +
                                " (tests/data/bf16_peer_errors.json or golden/"
                                "text_tolerances.json)"),
                     __FILE__, __LINE__);
        return 0;
    }
    qInfo("bf16 reference error %g + %g from %s and %s", bf16->maxAbs, fp32->maxAbs,
          qPrintable(bf16->source), qPrintable(fp32->source));
    return bf16->maxAbs + fp32->maxAbs;
}

nlohmann::json readJson(const QString& path) {
    std::ifstream in(path.toStdString());
    if (!in) throw std::runtime_error("cannot read " + path.toStdString());
    return nlohmann::json::parse(in);
}

template <typename Fn>
void expectError(Fn&& call, ErrorKind kind, const QStringList& mentions) {
    try {
        call();
        QFAIL("no error");
    } catch (const EngineError& e) {
        QCOMPARE(e.kind(), kind);
        for (const QString& m : mentions)
            QVERIFY2(QString::fromStdString(e.what()).contains(m), e.what());
    }
}

// A copy of a model folder (config.json + one model.safetensors) whose tensors `edit` may
// drop, add or rename. Tensors are (info, bytes) pairs.
struct StoredTensor {
    TensorInfo info;
    QByteArray bytes;
};
QString rewriteModel(const QTemporaryDir& dir, const QString& source,
                     const std::function<void(std::vector<StoredTensor>&)>& edit) {
    const Checkpoint checkpoint = Checkpoint::open(source.toStdString());
    std::vector<StoredTensor> tensors;
    for (const auto& [name, entry] : checkpoint.entries()) {
        TensorInfo info{name, entry.info->dtype, entry.info->shape};
        tensors.push_back(
            {info, QByteArray(reinterpret_cast<const char*>(entry.file->data(*entry.info)),
                              static_cast<int>(entry.info->byteSize()))});
    }
    edit(tensors);
    std::vector<TensorInfo> infos;
    for (const auto& t : tensors) infos.push_back(t.info);
    QByteArray bytes = QByteArray::fromStdString(makeSafetensorsHeader(infos));
    for (const auto& t : tensors) bytes.append(t.bytes);
    archival::test::writeFile(dir.filePath(QStringLiteral("model.safetensors")), bytes);
    QFile::copy(source + QStringLiteral("/config.json"),
                dir.filePath(QStringLiteral("config.json")));
    return dir.path();
}

// Every manifest of a T5 encoder, with its config file.
struct ManifestCase {
    QString manifest, config;
};
std::vector<ManifestCase> t5Manifests() {
    std::vector<ManifestCase> cases;
    const QString dir = archival::test::fixturesDir() + QStringLiteral("/manifests");
    QDirIterator it(dir, {QStringLiteral("*.json")}, QDir::Files);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.endsWith(QLatin1String(".config.json"))) continue;
        const nlohmann::json manifest = readJson(path);
        if (!manifest.is_object() || !manifest.contains("config_files")) continue;
        for (const auto& file : manifest["config_files"]) {
            const QString config =
                dir + QLatin1Char('/') + QString::fromStdString(file.get<std::string>());
            const nlohmann::json c = readJson(config);
            if (c.value("model_type", std::string()) == "t5") cases.push_back({path, config});
        }
    }
    return cases;
}

}  // namespace

class TestT5Encoder : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void lastHiddenStateOfPaddedPrompts() {
        const Golden golden(kGolden);
        const auto model = loadT5Encoder(modelDir(golden).toStdString(), at::kFloat);
        const at::Tensor out = model->forward(golden["input_ids"]);
        QCOMPARE(out.scalar_type(), at::kFloat);
        ARCHIVAL_EXPECT_CLOSE(out, golden["last_hidden_state"], kAtol, kRtol);
    }

    void everyStageOfTheShortPrompt() {
        const Golden golden(kGolden);
        const auto model = loadT5Encoder(modelDir(golden).toStdString(), at::kFloat);
        std::map<std::string, at::Tensor> seen;
        T5Encoder::Hooks hooks;
        hooks.record = [&](const std::string& name, const at::Tensor& t) { seen[name] = t; };
        const at::Tensor out = model->forward(golden["input_ids_short"], hooks);
        ARCHIVAL_EXPECT_CLOSE(seen.at("embed_tokens"), golden["embedding_output_short"], kAtol,
                              kRtol);
        const at::Tensor layers = golden["layer_outputs_short"];
        QCOMPARE(layers.size(0), model->config().numLayers);
        for (std::int64_t i = 0; i < layers.size(0); ++i) {
            qInfo("block %lld", static_cast<long long>(i));
            ARCHIVAL_EXPECT_CLOSE(seen.at("block." + std::to_string(i)), layers[i], kAtol, kRtol);
        }
        ARCHIVAL_EXPECT_CLOSE(out, golden["last_hidden_state_short"], kAtol, kRtol);
    }

    void tokenizerGivesTheGoldenIds() {
        const Golden golden(kGolden);
        const T5Tokenizer tokenizer = T5Tokenizer::fromFolder(modelDir(golden).toStdString());
        const auto prompts = golden.meta("prompts").get<std::vector<std::string>>();
        const at::Tensor ids = golden["input_ids"];
        QCOMPARE(ids.size(0), std::int64_t(prompts.size()));
        // Metadata values are strings that Golden::meta parses as JSON when they are.
        const nlohmann::json lengthMeta = golden.meta("max_length");
        const int maxLength = lengthMeta.is_number() ? lengthMeta.get<int>()
                                                     : std::stoi(lengthMeta.get<std::string>());
        QCOMPARE(std::int64_t(maxLength), ids.size(1));
        for (std::size_t i = 0; i < prompts.size(); ++i) {
            const T5Tokens t = tokenizer.encode(prompts[i], maxLength);
            QVERIFY2(at::equal(at::tensor(t.ids, at::kLong), ids[std::int64_t(i)]),
                     prompts[i].c_str());
        }
        const auto shortIds =
            tokenizer.encodeUntruncated(golden.meta("short_prompt").get<std::string>());
        QVERIFY(at::equal(at::tensor(shortIds, at::kLong), golden["input_ids_short"][0]));
    }

    void relativePositionBucketsExactly() {
        const Golden golden(kGolden);
        const auto config = T5EncoderConfig::fromFile(
            (modelDir(golden) + QStringLiteral("/config.json")).toStdString());
        const at::Tensor offsets = golden["relative_offsets"];
        const at::Tensor expected = golden["relative_position_bucket_by_offset"];
        const at::Tensor buckets = relativePositionBucket(
            offsets, config.relativeAttentionNumBuckets, config.relativeAttentionMaxDistance);
        QCOMPARE(buckets.scalar_type(), at::kLong);
        const std::int64_t wrong = buckets.ne(expected).sum().item<std::int64_t>();
        QVERIFY2(
            wrong == 0,
            qPrintable(QStringLiteral("%1 of %2 buckets differ").arg(wrong).arg(offsets.numel())));

        // The bias the model adds is block 0's table looked up by the golden bucket of k - q.
        const auto model = loadT5Encoder(modelDir(golden).toStdString(), at::kFloat);
        const Checkpoint checkpoint = Checkpoint::open(modelDir(golden).toStdString());
        const auto* entry =
            checkpoint.find("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight");
        QVERIFY(entry);
        const at::Tensor table = loadTensor(*entry, at::kFloat);  // [buckets, heads]
        const std::int64_t n = offsets.numel() / 2 + 1;           // offsets span -(n-1) .. n-1
        const at::Tensor position = at::arange(n, at::kLong);
        const at::Tensor offsetIndex = position.unsqueeze(0) - position.unsqueeze(1) + (n - 1);
        const at::Tensor goldenBuckets = expected.index({offsetIndex});  // [q, k]
        const at::Tensor expectedBias =
            at::embedding(table, goldenBuckets).permute({2, 0, 1}).unsqueeze(0);
        const at::Tensor bias = model->positionBias(n);
        QCOMPARE(bias.sizes(), at::IntArrayRef({1, config.numHeads, n, n}));
        QVERIFY(at::equal(bias, expectedBias));
    }

    void float64AndBfloat16Runs() {
        const Golden golden(kGolden);
        const at::Tensor expected = golden["last_hidden_state"];
        const auto f64 = loadT5Encoder(modelDir(golden).toStdString(), at::kDouble);
        ARCHIVAL_EXPECT_CLOSE(f64->forward(golden["input_ids"]), expected, kAtol, kRtol);
        const auto bf16 = loadT5Encoder(modelDir(golden).toStdString(), at::kBFloat16);
        const at::Tensor out = bf16->forward(golden["input_ids"]);
        QCOMPARE(out.scalar_type(), at::kBFloat16);
        const double bound = archival::test::kBf16ErrorFactor * bf16ReferenceError(golden);
        QVERIFY(bound > 0);
        ARCHIVAL_EXPECT_CLOSE(out, expected, bound, 0.0);
    }

    void fullSizeLayoutEqualsTheManifest() {
        const auto cases = t5Manifests();
        QVERIFY2(!cases.empty(), "no T5 manifest in manifests/");
        for (const auto& c : cases) {
            qInfo("%s", qPrintable(QFileInfo(c.manifest).fileName()));
            const auto config = T5EncoderConfig::fromFile(c.config.toStdString());
            MetaSource meta(at::kBFloat16);
            const T5Encoder model(config, Scope(meta));
            std::map<std::string, std::vector<std::int64_t>> built;
            std::int64_t parameters = 0;
            for (const auto& [name, shape] : meta.specs()) {
                QVERIFY2(built.emplace(name, shape).second, ("asked twice: " + name).c_str());
                parameters += c10::multiply_integers(shape);
            }
            std::map<std::string, std::vector<std::int64_t>> required;
            for (const auto& e : readManifest(c.manifest.toStdString(), false)) {
                if (!e.optional) required.emplace(e.name, e.shape);
            }
            for (const auto& [name, shape] : required) {
                const auto it = built.find(name);
                QVERIFY2(it != built.end(), ("not built: " + name).c_str());
                QVERIFY2(it->second == shape, ("wrong shape: " + name).c_str());
            }
            for (const auto& [name, shape] : built)
                QVERIFY2(required.count(name), ("not in the manifest: " + name).c_str());
            QCOMPARE(built.size(), required.size());
            const nlohmann::json manifest = readJson(c.manifest);
            if (manifest.contains("parameter_count"))
                QCOMPARE(parameters, manifest["parameter_count"].get<std::int64_t>());
        }
    }

    void refusesFloat16() {
        const Golden golden(kGolden);
        expectError([&] { loadT5Encoder(modelDir(golden).toStdString(), at::kHalf); },
                    ErrorKind::InvalidRequest,
                    {QStringLiteral("float16"), QStringLiteral("bfloat16")});
        MetaSource half(at::kHalf);
        T5EncoderConfig tiny;
        tiny.numLayers = 1;
        expectError([&] { T5Encoder refused(tiny, Scope(half)); }, ErrorKind::InvalidRequest,
                    {QStringLiteral("float16")});
        expectError([&] { loadT5Encoder(modelDir(golden).toStdString(), at::kInt); },
                    ErrorKind::InvalidRequest, {QStringLiteral("float32")});
    }

    void missingOrUnexpectedTensorsAreNamed() {
        const Golden golden(kGolden);
        const QString source = modelDir(golden);
        const auto config =
            T5EncoderConfig::fromFile((source + QStringLiteral("/config.json")).toStdString());
        const std::string last = "encoder.block." + std::to_string(config.numLayers - 1);
        const std::string dropped = last + ".layer.1.DenseReluDense.wi_1.weight";
        const std::string extra = last + ".layer.0.SelfAttention.relative_attention_bias.weight";
        QTemporaryDir dir;
        rewriteModel(dir, source, [&](std::vector<StoredTensor>& tensors) {
            const auto before = tensors.size();
            tensors.erase(
                std::remove_if(tensors.begin(), tensors.end(),
                               [&](const StoredTensor& t) { return t.info.name == dropped; }),
                tensors.end());
            QCOMPARE(tensors.size(), before - 1);
            QByteArray table(int(config.relativeAttentionNumBuckets * config.numHeads * 4), '\0');
            tensors.push_back(
                {TensorInfo{
                     extra, DType::F32, {config.relativeAttentionNumBuckets, config.numHeads}},
                 table});
        });
        expectError([&] { loadT5Encoder(dir.path().toStdString(), at::kFloat); },
                    ErrorKind::ModelLoad,
                    {QStringLiteral("missing (1):\n    ") + QString::fromStdString(dropped),
                     QStringLiteral("unexpected (1):\n    ") + QString::fromStdString(extra)});
    }

    void tiedEmbeddingCopyIsTolerated() {
        const Golden golden(kGolden);
        const QString source = modelDir(golden);
        const at::Tensor ids = golden["input_ids_short"];
        const at::Tensor expected = golden["last_hidden_state_short"];
        // Both names (a tied copy beside shared.weight).
        QTemporaryDir both;
        rewriteModel(both, source, [](std::vector<StoredTensor>& tensors) {
            for (const auto& t : std::vector<StoredTensor>(tensors)) {
                if (t.info.name != "shared.weight") continue;
                StoredTensor copy = t;
                copy.info.name = "encoder.embed_tokens.weight";
                tensors.push_back(copy);
            }
        });
        ARCHIVAL_EXPECT_CLOSE(loadT5Encoder(both.path().toStdString(), at::kFloat)->forward(ids),
                              expected, kAtol, kRtol);
        // Only the copy.
        QTemporaryDir onlyTied;
        rewriteModel(onlyTied, source, [](std::vector<StoredTensor>& tensors) {
            for (auto& t : tensors)
                if (t.info.name == "shared.weight") t.info.name = "encoder.embed_tokens.weight";
        });
        ARCHIVAL_EXPECT_CLOSE(
            loadT5Encoder(onlyTied.path().toStdString(), at::kFloat)->forward(ids), expected, kAtol,
            kRtol);
    }

    void badInputsAreInvalidRequests() {
        const Golden golden(kGolden);
        const auto model = loadT5Encoder(modelDir(golden).toStdString(), at::kFloat);
        const std::int64_t vocab = model->config().vocabSize;
        expectError([&] { model->forward(at::ones({4}, at::kLong)); }, ErrorKind::InvalidRequest,
                    {QStringLiteral("[batch, tokens]")});
        expectError(
            [&] {
                model->forward(at::ones({1, 4}, at::kFloat));
            },
            ErrorKind::InvalidRequest, {QStringLiteral("integer")});
        expectError(
            [&] {
                model->forward(at::full({1, 3}, vocab, at::kLong));
            },
            ErrorKind::InvalidRequest, {QString::number(vocab)});
        expectError(
            [&] {
                model->forward(at::full({1, 3}, -1, at::kLong));
            },
            ErrorKind::InvalidRequest, {QStringLiteral("-1")});
        // int32 ids are fine.
        QCOMPARE(model->forward(at::ones({2, 3}, at::kInt)).sizes(),
                 at::IntArrayRef({2, 3, model->config().dModel}));
    }

    void beforeBlockCanCancel() {
        const Golden golden(kGolden);
        const auto model = loadT5Encoder(modelDir(golden).toStdString(), at::kFloat);
        int calls = 0;
        T5Encoder::Hooks hooks;
        hooks.beforeBlock = [&] { ++calls; };
        model->forward(golden["input_ids_short"], hooks);
        QCOMPARE(calls, int(model->config().numLayers));
        calls = 0;
        hooks.beforeBlock = [&] {
            if (++calls == 2) throw EngineError(ErrorKind::Interrupted, "cancelled");
        };
        expectError([&] { model->forward(golden["input_ids_short"], hooks); },
                    ErrorKind::Interrupted, {});
        QCOMPARE(calls, 2);
    }

    void configFollowsTransformers() {
        // Absent keys take T5Config's defaults.
        const auto defaults = T5EncoderConfig::fromJson(nlohmann::json::object());
        QCOMPARE(defaults.dModel, std::int64_t(512));
        QCOMPARE(defaults.denseActFn, std::string("relu"));
        QVERIFY(!defaults.isGatedAct);
        // "gated-gelu" is the tanh GELU; "gated-silu" stays silu.
        auto gated = T5EncoderConfig::fromJson({{"feed_forward_proj", "gated-gelu"}});
        QVERIFY(gated.isGatedAct);
        QCOMPARE(gated.denseActFn, std::string("gelu_new"));
        gated = T5EncoderConfig::fromJson({{"feed_forward_proj", "gated-silu"}});
        QCOMPARE(gated.denseActFn, std::string("silu"));
        expectError(
            [] {
                T5EncoderConfig::fromJson({{"feed_forward_proj", "fancy-gelu"}}, "c.json");
            },
            ErrorKind::ModelLoad, {QStringLiteral("c.json"), QStringLiteral("feed_forward_proj")});
        expectError(
            [] {
                T5EncoderConfig::fromJson({{"d_model", "wide"}}, "c.json");
            },
            ErrorKind::ModelLoad, {QStringLiteral("d_model")});
        expectError(
            [] {
                T5EncoderConfig::fromJson({{"num_heads", 0}}, "c.json");
            },
            ErrorKind::ModelLoad, {QStringLiteral("num_heads")});
        expectError(
            [] {
                T5EncoderConfig::fromJson({{"dense_act_fn", "mish"}}, "c.json");
            },
            ErrorKind::ModelLoad, {QStringLiteral("mish")});
        // The ungated feed-forward (T5 v1.0) asks for `wi` instead of wi_0 / wi_1.
        T5EncoderConfig relu;
        relu.numLayers = 1;
        MetaSource meta;
        const T5Encoder model(relu, Scope(meta));
        bool hasWi = false, hasWi0 = false;
        for (const auto& [name, shape] : meta.specs()) {
            hasWi |= name == "encoder.block.0.layer.1.DenseReluDense.wi.weight";
            hasWi0 |= name.find("wi_0") != std::string::npos;
        }
        QVERIFY(hasWi && !hasWi0);
    }
};

QTEST_GUILESS_MAIN(TestT5Encoder)
#include "test_t5_encoder.moc"
