// AutoencoderKL (SD 1.5 and SD 3 VAEs) against the diffusers goldens, the full-size
// layouts against the manifests, the other checkpoint layouts (legacy attention names, 1x1
// conv attention, original LDM single-file names), tiling, latent scaling and errors.
//
// Cases are discovered from the fixtures: every golden/*_vae_decode*.safetensors and
// *_vae_encode*.safetensors (each names its model folder in __metadata__), every input
// prefix in them ("", "case2_", ...), every AutoencoderKL manifest config.
#include <QDirIterator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <functional>
#include <map>
#include <regex>
#include <set>

#include "engine/errors.h"
#include "engine/io/manifest.h"
#include "engine/io/safetensors.h"
#include "engine/io/tensor_loader.h"
#include "engine/models/autoencoder_kl.h"
#include "engine/models/ldm_vae_names.h"
#include "engine/models/vae_tiling.h"
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

std::vector<QString> goldenFiles(const QString& pattern) {
    std::vector<QString> files;
    QDirIterator it(fixture(QStringLiteral("golden")), {pattern}, QDir::Files);
    while (it.hasNext()) files.push_back(it.next());
    std::sort(files.begin(), files.end());
    return files;
}

// The prefixes of the cases in a golden: every tensor named <prefix><inputName>.
std::vector<std::string> casePrefixes(const Golden& golden, const std::string& inputName) {
    std::vector<std::string> prefixes;
    for (const auto& [name, entry] : golden.checkpoint().entries()) {
        if (name.size() >= inputName.size() &&
            name.compare(name.size() - inputName.size(), inputName.size(), inputName) == 0)
            prefixes.push_back(name.substr(0, name.size() - inputName.size()));
    }
    return prefixes;
}

// The VAE folder a golden used: `model` is "models/x/vae", a pipeline folder "models/x"
// or "unet: models/a, vae: models/b".
QString vaeFolderOf(const Golden& golden) {
    const QString model = QString::fromStdString(golden.meta("model").get<std::string>());
    const QRegularExpression named(QStringLiteral("vae: ([^,]+)"));
    const auto match = named.match(model);
    QString folder = fixture(match.hasMatch() ? match.captured(1).trimmed() : model);
    if (!QFileInfo::exists(folder + QStringLiteral("/config.json")))
        folder += QStringLiteral("/vae");
    return folder;
}

AutoencoderKL loadVae(const QString& folder) {
    return loadAutoencoderKL(folder.toStdString(), at::kFloat, at::kCPU);
}

// Every tensor of a checkpoint, in name order, as float32.
std::vector<std::pair<std::string, at::Tensor>> readAll(const Checkpoint& cp) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& [name, entry] : cp.entries())
        out.emplace_back(name, loadTensor(entry, at::kFloat));
    return out;
}

// A model folder (config.json + weights) holding `tensors`.
QString writeVaeFolder(const QTemporaryDir& dir, const QString& configFrom,
                       const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
    const QString folder = dir.filePath(QStringLiteral("vae"));
    QDir().mkpath(folder);
    QFile::copy(configFrom + QStringLiteral("/config.json"),
                folder + QStringLiteral("/config.json"));
    writeSafetensors(folder + QStringLiteral("/diffusion_pytorch_model.safetensors"), tensors);
    return folder;
}

// A deterministic input: the decode golden's first latent when the fixtures have one.
struct VaeCase {
    QString folder;
    at::Tensor latents, image;
};
VaeCase firstCase(const QString& decodePattern, const QString& encodePattern) {
    const Golden dec(goldenFiles(decodePattern).front());
    const Golden enc(goldenFiles(encodePattern).front());
    return {vaeFolderOf(dec), dec[casePrefixes(dec, "latents").front() + "latents"],
            enc[casePrefixes(enc, "image_u8").front() + "image"]};
}

bool sameTensor(const at::Tensor& a, const at::Tensor& b) {
    return a.sizes() == b.sizes() && at::equal(a, b);
}

}  // namespace

class TestAutoencoderKL : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    // ---- goldens -------------------------------------------------------------------------

    void decodeMatchesGolden_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("prefix");
        int rows = 0;
        for (const QString& file : goldenFiles(QStringLiteral("*_vae_decode.safetensors"))) {
            const Golden g(file);
            for (const auto& p : casePrefixes(g, "latents")) {
                QTest::newRow(
                    qPrintable(QFileInfo(file).baseName() + "/" + QString::fromStdString(p)))
                    << file << QString::fromStdString(p);
                ++rows;
            }
        }
        archival::test::addRowIfNothingFound(
            rows, "golden/*_vae_decode.safetensors with <prefix>latents");
    }
    void decodeMatchesGolden() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, file);
        QFETCH(QString, prefix);
        const Golden g(file);
        const std::string p = prefix.toStdString();
        const AutoencoderKL vae = loadVae(vaeFolderOf(g));
        const at::Tensor image = vae.decode(g[p + "latents"]);
        ARCHIVAL_EXPECT_CLOSE(image, g[p + "image"], kAtol, kRtol);
    }

    void encodeMatchesGolden_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("prefix");
        int rows = 0;
        for (const QString& file : goldenFiles(QStringLiteral("*_vae_encode.safetensors"))) {
            const Golden g(file);
            for (const auto& p : casePrefixes(g, "image_u8")) {
                QTest::newRow(
                    qPrintable(QFileInfo(file).baseName() + "/" + QString::fromStdString(p)))
                    << file << QString::fromStdString(p);
                ++rows;
            }
        }
        archival::test::addRowIfNothingFound(
            rows, "golden/*_vae_encode.safetensors with <prefix>image_u8");
    }
    void encodeMatchesGolden() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, file);
        QFETCH(QString, prefix);
        const Golden g(file);
        const std::string p = prefix.toStdString();
        const AutoencoderKL vae = loadVae(vaeFolderOf(g));
        // The stored image is the README's u8/255*2-1 of the stored uint8 image.
        const at::Tensor fromU8 =
            (g[p + "image_u8"].to(at::kFloat) / 255.0 * 2.0 - 1.0).permute({2, 0, 1}).unsqueeze(0);
        QVERIFY(at::allclose(fromU8, g[p + "image"], 0, 1e-6));

        at::Tensor moments;
        const std::string momentsModule =
            vae.config().useQuantConv ? "quant_conv" : "encoder.conv_out";
        const auto post =
            vae.encode(g[p + "image"], [&](const std::string& m, const at::Tensor& t) {
                if (m == momentsModule) moments = t;
            });
        QVERIFY2(moments.defined(), momentsModule.c_str());
        ARCHIVAL_EXPECT_CLOSE(moments, g[p + "moments"], kAtol, kRtol);
        ARCHIVAL_EXPECT_CLOSE(post.mean, g[p + "mean"], kAtol, kRtol);
        ARCHIVAL_EXPECT_CLOSE(post.logvar, g[p + "logvar"], kAtol, kRtol);
        ARCHIVAL_EXPECT_CLOSE(post.std, g[p + "std"], kAtol, kRtol);
        ARCHIVAL_EXPECT_CLOSE(post.sample(g[p + "eps"]), g[p + "sample"], kAtol, kRtol);
    }

    // Every recorded module output, to bisect a mismatch (README section 4).
    void intermediatesMatchGolden_data() {
        QTest::addColumn<QString>("file");
        const auto files = goldenFiles(QStringLiteral("*_vae_*_intermediates.safetensors"));
        for (const QString& file : files)
            QTest::newRow(qPrintable(QFileInfo(file).baseName())) << file;
        archival::test::addRowIfNothingFound(int(files.size()),
                                             "golden/*_vae_*_intermediates.safetensors");
    }
    void intermediatesMatchGolden() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, file);
        const Golden g(file);
        // "golden/sd15_vae_decode.safetensors (case2_)": the inputs and their prefix.
        const QString inputs = QString::fromStdString(g.meta("inputs").get<std::string>());
        const auto m = QRegularExpression(QStringLiteral("^(\\S+) \\((\\w*)\\)$")).match(inputs);
        QVERIFY2(m.hasMatch(), qPrintable(inputs));
        const Golden in(fixture(m.captured(1)));
        const std::string p = m.captured(2).toStdString();
        const AutoencoderKL vae = loadVae(vaeFolderOf(g));

        std::map<std::string, at::Tensor> traced;
        const vae::Trace trace = [&](const std::string& module, const at::Tensor& t) {
            traced[module] = t;
        };
        if (in.has(p + "latents"))
            vae.decode(in[p + "latents"], trace);
        else
            vae.encode(in[p + "image"], trace);
        size_t compared = 0;
        for (const auto& [name, entry] : g.checkpoint().entries()) {
            QVERIFY2(traced.count(name),
                     qPrintable("module not traced: " + QString::fromStdString(name)));
            const at::Tensor actual = traced[name];
            qInfo("%s", name.c_str());
            ARCHIVAL_EXPECT_CLOSE(actual, g[name], kAtol, kRtol);
            ++compared;
        }
        QVERIFY(compared > 0);
    }

    // toLatent/fromLatent against the pipelines' own arithmetic: txt2img loops store the
    // final latents and what they passed to vae.decode; img2img loops store the posterior,
    // eps and the scaled init latents.
    void latentScalingMatchesPipelines() {
        int checked = 0;
        for (const QString& file : goldenFiles(QStringLiteral("*.safetensors"))) {
            const Golden g(file);
            const bool decodeSide = g.has("final_latents") && g.has("vae_input");
            const bool encodeSide = g.has("posterior_mean") && g.has("posterior_std") &&
                                    g.has("posterior_eps") && g.has("init_latents") &&
                                    !g.has("vae_input");
            if (!decodeSide && !encodeSide) continue;
            const AutoencoderKL vae = loadVae(vaeFolderOf(g));
            qInfo("%s", qPrintable(QFileInfo(file).fileName()));
            // Same operations as the pipelines, so expected equal up to rounding of the
            // scalar (PyTorch divides by a scalar through its reciprocal): 1 ulp-level.
            if (decodeSide)
                ARCHIVAL_EXPECT_CLOSE(vae.fromLatent(g["final_latents"]), g["vae_input"], 1e-6,
                                      1e-6);
            if (encodeSide)
                ARCHIVAL_EXPECT_CLOSE(
                    vae.toLatent(g["posterior_mean"] + g["posterior_std"] * g["posterior_eps"]),
                    g["init_latents"], 1e-6, 1e-6);
            ++checked;
        }
        QVERIFY2(checked > 0, "no pipeline golden with VAE latents found");

        AutoencoderKLConfig c;
        c.scalingFactor = 2.0;
        c.shiftFactor = 0.5;
        RandomSource src(1, at::kFloat, at::kCPU);
        c.blockOutChannels = {8};
        c.normNumGroups = 4;
        const AutoencoderKL vae(c, Scope(src));
        const at::Tensor z = at::tensor({1.0f, -3.0f});
        QVERIFY(at::equal(vae.toLatent(z), at::tensor({1.0f, -7.0f})));
        QVERIFY(at::equal(vae.fromLatent(vae.toLatent(z)), z));
    }

    // ---- full-size layouts ---------------------------------------------------------------

    void fullSizeLayoutMatchesManifest_data() {
        QTest::addColumn<QString>("config");
        QDirIterator it(fixture(QStringLiteral("manifests")), {QStringLiteral("*.config.json")},
                        QDir::Files);
        int rows = 0;
        while (it.hasNext()) {
            const QString path = it.next();
            if (readJsonFile(path.toStdString()).value("_class_name", "") == "AutoencoderKL") {
                QTest::newRow(qPrintable(QFileInfo(path).fileName())) << path;
                ++rows;
            }
        }
        archival::test::addRowIfNothingFound(rows, "manifests/*.config.json of an AutoencoderKL");
    }
    void fullSizeLayoutMatchesManifest() {
        ARCHIVAL_FAIL_ON_EMPTY_TABLE();
        QFETCH(QString, config);
        QString manifest = config;
        manifest.replace(QStringLiteral(".config.json"), QStringLiteral(".json"));
        const auto cfg = AutoencoderKLConfig::fromFile(config.toStdString());
        MetaSource meta;
        const AutoencoderKL vae(cfg, Scope(meta));

        std::map<std::string, std::vector<std::int64_t>> expected, built;
        for (const auto& e : readManifest(manifest.toStdString(), false))
            expected[e.name] = e.shape;
        for (const auto& [name, shape] : meta.specs()) {
            QVERIFY2(!built.count(name), name.c_str());  // each tensor asked for once
            built[name] = shape;
        }
        for (const auto& [name, shape] : expected)
            QVERIFY2(built.count(name) && built[name] == shape,
                     qPrintable("missing or mis-shaped: " + QString::fromStdString(name)));
        for (const auto& [name, shape] : built)
            QVERIFY2(expected.count(name),
                     qPrintable("not in the manifest: " + QString::fromStdString(name)));
        qInfo("%zu tensors, as the manifest", built.size());
        // diffusers tiles with sample_size pixels.
        QCOMPARE(cfg.defaultTileLatent() * cfg.spatialScale(), cfg.sampleSize);

        // The LDM names of the full-size model are distinct, and the ones everybody knows.
        std::set<std::string> ldm;
        for (const auto& [name, shape] : built) ldm.insert(ldmVaeName(name, cfg));
        QCOMPARE(ldm.size(), built.size());
        QCOMPARE(ldmVaeName("decoder.up_blocks.0.upsamplers.0.conv.weight", cfg),
                 std::string("decoder.up.3.upsample.conv.weight"));
        QCOMPARE(ldmVaeName("decoder.up_blocks.3.resnets.0.conv_shortcut.weight", cfg),
                 std::string("decoder.up.0.block.0.nin_shortcut.weight"));
        QCOMPARE(ldmVaeName("encoder.mid_block.attentions.0.to_out.0.bias", cfg),
                 std::string("encoder.mid.attn_1.proj_out.bias"));
        QCOMPARE(ldmVaeName("encoder.conv_norm_out.weight", cfg),
                 std::string("encoder.norm_out.weight"));
    }

    void withoutMidAttentionHasNoAttentionTensors() {
        auto cfg = AutoencoderKLConfig::fromFile(
            fixture(QStringLiteral("models/sd15-tiny/vae/config.json")).toStdString());
        cfg.midBlockAddAttention = false;
        MetaSource meta;
        const AutoencoderKL vae(cfg, Scope(meta));
        for (const auto& [name, shape] : meta.specs())
            QVERIFY2(name.find("attentions") == std::string::npos, name.c_str());
    }

    // ---- other checkpoint layouts --------------------------------------------------------

    // Old diffusers files: query/key/value/proj_attn (the fixtures' deprecated-name map), and
    // in some conversions as 1x1 convolutions.
    void legacyAttentionNamesLoad() {
        const VaeCase c = firstCase(QStringLiteral("sd15_vae_decode.safetensors"),
                                    QStringLiteral("sd15_vae_encode.safetensors"));
        const AutoencoderKL reference = loadVae(c.folder);
        const at::Tensor expected = reference.decode(c.latents);

        const auto renames = readJsonFile(
            fixture(QStringLiteral("manifests/sd15_vae.deprecated_names.json")).toStdString());
        const Checkpoint cp = Checkpoint::open(c.folder.toStdString());
        for (bool asConv : {false, true}) {
            std::vector<std::pair<std::string, at::Tensor>> tensors;
            int renamed = 0;
            for (auto [name, t] : readAll(cp)) {
                if (renames.contains(name)) {
                    name = renames[name].get<std::string>();
                    if (asConv && t.dim() == 2) t = t.view({t.size(0), t.size(1), 1, 1});
                    ++renamed;
                }
                tensors.emplace_back(name, t);
            }
            QCOMPARE(renamed, int(renames.size()));
            QTemporaryDir dir;
            const AutoencoderKL legacy = loadVae(writeVaeFolder(dir, c.folder, tensors));
            QVERIFY2(sameTensor(legacy.decode(c.latents), expected),
                     asConv ? "legacy names, 1x1 conv weights" : "legacy names");
        }
    }

    // The original LDM layout of single-file SD 1.x checkpoints, under first_stage_model.,
    // attention as 1x1 convs; other models' tensors in the same file are not the VAE's
    // concern. The names are written here from the CompVis layout, independently of
    // ldmVaeName.
    void ldmSingleFileLayoutLoads() {
        const VaeCase c = firstCase(QStringLiteral("sd15_vae_decode.safetensors"),
                                    QStringLiteral("sd15_vae_encode.safetensors"));
        const AutoencoderKL reference = loadVae(c.folder);
        const auto blocks = reference.config().blockOutChannels.size();
        const Checkpoint cp = Checkpoint::open(c.folder.toStdString());

        auto toLdm = [&](std::string n) {
            std::smatch m;
            if (std::regex_match(n, m, std::regex(R"(decoder\.up_blocks\.(\d+)\.(.*))")))
                n = "decoder.up." + std::to_string(blocks - 1 - std::stoul(m[1])) + "." +
                    m[2].str();
            const std::pair<const char*, const char*> rules[] = {
                {R"(encoder\.down_blocks\.)", "encoder.down."},
                {R"(\.resnets\.(\d+)\.)", ".block.$1."},
                {R"(\.downsamplers\.0\.)", ".downsample."},
                {R"(\.upsamplers\.0\.)", ".upsample."},
                {R"(\.conv_shortcut\.)", ".nin_shortcut."},
                {R"(mid_block\.block\.0\.)", "mid.block_1."},
                {R"(mid_block\.block\.1\.)", "mid.block_2."},
                {R"(mid_block\.attentions\.0\.group_norm\.)", "mid.attn_1.norm."},
                {R"(mid_block\.attentions\.0\.to_q\.)", "mid.attn_1.q."},
                {R"(mid_block\.attentions\.0\.to_k\.)", "mid.attn_1.k."},
                {R"(mid_block\.attentions\.0\.to_v\.)", "mid.attn_1.v."},
                {R"(mid_block\.attentions\.0\.to_out\.0\.)", "mid.attn_1.proj_out."},
                {R"(conv_norm_out\.)", "norm_out."},
            };
            for (const auto& [from, to] : rules) n = std::regex_replace(n, std::regex(from), to);
            return "first_stage_model." + n;
        };
        std::vector<std::pair<std::string, at::Tensor>> tensors;
        std::set<std::string> names;
        for (auto [name, t] : readAll(cp)) {
            if (t.dim() == 2) t = t.view({t.size(0), t.size(1), 1, 1});
            names.insert(toLdm(name));
            tensors.emplace_back(toLdm(name), t);
        }
        QCOMPARE(names.size(), tensors.size());
        QVERIFY(names.count("first_stage_model.decoder.up.0.block.2.conv2.weight"));
        QVERIFY(names.count("first_stage_model.encoder.mid.attn_1.q.weight"));
        tensors.emplace_back("model.diffusion_model.conv_in.weight", at::ones({2, 2}));
        tensors.emplace_back("cond_stage_model.transformer.x", at::ones({1}));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("v1-5-tiny.safetensors"));
        writeSafetensors(path, tensors);
        const Checkpoint single = Checkpoint::open(path.toStdString());
        const auto layout = detectVaeLayout(single);
        QVERIFY(layout.naming == VaeCheckpointLayout::Naming::Ldm);
        QCOMPARE(layout.prefix, std::string("first_stage_model."));
        const AutoencoderKL ldm =
            loadAutoencoderKL(single, reference.config(), at::kFloat, at::kCPU);
        QVERIFY2(sameTensor(ldm.decode(c.latents), reference.decode(c.latents)), "decode");
        QVERIFY2(sameTensor(ldm.encode(c.image).mean, reference.encode(c.image).mean), "encode");
        QVERIFY2(sameTensor(ldm.encode(c.image).logvar, reference.encode(c.image).logvar),
                 "encode logvar");
    }

    // ---- errors --------------------------------------------------------------------------

    void brokenCheckpointNamesEveryProblem() {
        const VaeCase c = firstCase(QStringLiteral("sd15_vae_decode.safetensors"),
                                    QStringLiteral("sd15_vae_encode.safetensors"));
        const Checkpoint cp = Checkpoint::open(c.folder.toStdString());
        std::vector<std::pair<std::string, at::Tensor>> tensors;
        for (auto [name, t] : readAll(cp)) {
            if (name == "decoder.conv_in.bias") continue;  // missing
            if (name == "encoder.conv_out.weight") t = t.narrow(0, 0, 1).contiguous();
            tensors.emplace_back(name, t);
        }
        tensors.emplace_back("decoder.stray.weight", at::ones({1}));
        QTemporaryDir dir;
        const QString folder = writeVaeFolder(dir, c.folder, tensors);
        try {
            loadVae(folder);
            QFAIL("a broken VAE loaded");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::ModelLoad);
            const QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.contains(QStringLiteral("missing (1):\n    decoder.conv_in.bias")),
                     qPrintable(msg));
            QVERIFY2(msg.contains(QStringLiteral("encoder.conv_out.weight (expected [")),
                     qPrintable(msg));
            QVERIFY2(msg.contains(QStringLiteral("unexpected (1):\n    decoder.stray.weight")),
                     qPrintable(msg));
        }
    }

    void badConfigAndRequestsAreTyped() {
        auto expectError = [](ErrorKind kind, const QString& needle,
                              const std::function<void()>& f) {
            try {
                f();
                QFAIL(qPrintable("no error; expected one mentioning " + needle));
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), kind);
                QVERIFY2(QString::fromUtf8(e.what()).contains(needle), e.what());
            }
        };
        const auto base =
            readJsonFile(fixture(QStringLiteral("models/sd15-tiny/vae/config.json")).toStdString());
        auto withKey = [&](const char* key, nlohmann::json value) {
            auto j = base;
            j[key] = std::move(value);
            return j;
        };
        expectError(
            ErrorKind::ModelLoad, QStringLiteral("'latent_channels' has the wrong type"),
            [&] { AutoencoderKLConfig::fromJson(withKey("latent_channels", "four"), "x"); });
        expectError(ErrorKind::ModelLoad, QStringLiteral("act_fn"),
                    [&] { AutoencoderKLConfig::fromJson(withKey("act_fn", "gelu"), "x"); });
        expectError(ErrorKind::ModelLoad, QStringLiteral("latents_mean"), [&] {
            AutoencoderKLConfig::fromJson(withKey("latents_mean", {0.1, 0.2}), "x");
        });
        expectError(ErrorKind::ModelLoad, QStringLiteral("norm_num_groups"),
                    [&] { AutoencoderKLConfig::fromJson(withKey("norm_num_groups", 5), "x"); });
        // Defaults where a key is absent: diffusers v0.31's.
        const auto d = AutoencoderKLConfig::fromJson(nlohmann::json::object(), "x");
        QCOMPARE(d.blockOutChannels, std::vector<std::int64_t>{64});
        QCOMPARE(d.latentChannels, std::int64_t(4));
        QVERIFY(!d.shiftFactor && d.useQuantConv && d.usePostQuantConv);

        const VaeCase c = firstCase(QStringLiteral("sd15_vae_decode.safetensors"),
                                    QStringLiteral("sd15_vae_encode.safetensors"));
        const AutoencoderKL vae = loadVae(c.folder);
        expectError(ErrorKind::InvalidRequest, QStringLiteral("latent of shape"), [&] {
            vae.decode(at::zeros({1, 3, 4, 4}));
        });
        expectError(ErrorKind::InvalidRequest, QStringLiteral("image of shape"), [&] {
            vae.encode(at::zeros({3, 16, 16}));
        });
        expectError(ErrorKind::InvalidRequest, QStringLiteral("overlap"),
                    [&] { vae.tiledDecode(c.latents, 4, 4); });
        expectError(ErrorKind::InvalidRequest, QStringLiteral("overlap"),
                    [&] { vae.tiledEncode(c.image, 4, -1); });
    }

    // ---- tiling --------------------------------------------------------------------------

    // The stitching on its own, with a tile function whose untiled result is known: nearest
    // x4 upsampling, plus a constant that differs per tile (a stand-in for the colour shift
    // per-tile GroupNorm statistics give a real decoder). Without the constants, tiling
    // must change nothing. With them, no neighbouring pixels may differ by more than the
    // jump between two tiles spread over the blend width: a cross-fade, not a seam. (Cut
    // and pasted without blending, the output would jump by the whole difference.)
    void tileStitchingIsExactAndSmooth() {
        const std::int64_t scale = 4, tile = 6, overlap = 2, h = 11, w = 17;
        const vae::TileLayout layout{tile, tile - overlap, (tile - overlap) * scale,
                                     overlap * scale};
        const auto rows = vae::tileStarts(h, tile, tile - overlap);
        const auto cols = vae::tileStarts(w, tile, tile - overlap);
        QVERIFY(rows.size() >= 2 && cols.size() >= 2);
        QCOMPARE(rows.back() + tile >= h && rows[rows.size() - 2] + tile < h, true);
        const at::Tensor input =
            at::arange(h * w * 2, at::kFloat).view({1, 2, h, w}).sin();  // any smooth field
        auto upsample = [&](const at::Tensor& t) {
            return at::upsample_nearest2d(t, {t.size(2) * scale, t.size(3) * scale});
        };
        const at::Tensor expected = upsample(input);

        const at::Tensor plain = vae::runTiled(input, layout, upsample);
        ARCHIVAL_EXPECT_CLOSE(plain, expected, 1e-6, 0);

        int calls = 0;
        const at::Tensor shifted = vae::runTiled(input, layout, [&](const at::Tensor& t) {
            return upsample(t) + static_cast<double>(calls++);  // tile k is shifted by k
        });
        QCOMPARE(calls, static_cast<int>(rows.size() * cols.size()));
        const at::Tensor offset = (shifted - expected).mean(1);  // [1, H, W]
        QVERIFY(offset.min().item<double>() >= -1e-5);
        QVERIFY(offset.max().item<double>() <= calls - 1 + 1e-5);
        const double extent = static_cast<double>(layout.blendExtent);
        // Vertically adjacent tiles differ by the number of tile columns, horizontally by 1.
        const double vertical =
            (offset.narrow(1, 1, offset.size(1) - 1) - offset.narrow(1, 0, offset.size(1) - 1))
                .abs()
                .max()
                .item<double>();
        const double horizontal =
            (offset.narrow(2, 1, offset.size(2) - 1) - offset.narrow(2, 0, offset.size(2) - 1))
                .abs()
                .max()
                .item<double>();
        qInfo(
            "largest step between neighbours: vertical %.4f (tiles differ by %zu), "
            "horizontal %.4f (by 1), blend width %g",
            vertical, cols.size(), horizontal, extent);
        QVERIFY(vertical <= cols.size() / extent + 1e-5);
        QVERIFY(horizontal <= 1 / extent + 1e-5);
        // Where one tile alone covers a pixel, the pixel is that tile's: tile 0's corner.
        QVERIFY(offset[0][0][0].item<double>() == 0.0);
        QVERIFY(std::abs(offset[0][h * scale - 1][w * scale - 1].item<double>() - (calls - 1)) <
                1e-5);
    }

    // Tiled decode/encode of a fixture input with tiles smaller than it (at least 2x2).
    // The tiny random VAE is a harsh case: each tile's GroupNorm statistics and mid-block
    // attention see only the tile, its edges see zero padding instead of their neighbours,
    // and with random weights that changes the output by a large part of its own size (the
    // numbers are printed). What must hold is that the stitching adds nothing of its own:
    //  * at every pixel |tiled - untiled| is at most the largest |tile - untiled| among the
    //    tiles covering that pixel (the blend is a convex combination), plus rounding;
    //  * where one tile alone covers a pixel, the output is exactly that tile's: in
    //    particular on both sides of each border line, so the border shows the decoder's
    //    own continuous output there, and the fade (tileStitchingIsExactAndSmooth) spreads
    //    the tiles' disagreement over the overlap instead of drawing a line.
    // The mean difference near the borders against inside the tiles is printed: it is
    // higher near the borders because of the tile edges' missing context (the overlap here
    // is 1 latent pixel, less than the decoder's receptive field), not because of a seam.
    void tiledMatchesUntiled_data() {
        QTest::addColumn<QString>("decodeGolden");
        QTest::addColumn<QString>("encodeGolden");
        QTest::newRow("sd15") << QStringLiteral("sd15_vae_decode.safetensors")
                              << QStringLiteral("sd15_vae_encode.safetensors");
        QTest::newRow("sd3") << QStringLiteral("sd3_vae_decode.safetensors")
                             << QStringLiteral("sd3_vae_encode.safetensors");
    }
    void tiledMatchesUntiled() {
        QFETCH(QString, decodeGolden);
        QFETCH(QString, encodeGolden);
        const VaeCase c = firstCase(decodeGolden, encodeGolden);
        const AutoencoderKL vae = loadVae(c.folder);
        const auto f = vae.config().spatialScale();
        const auto h = c.latents.size(2), w = c.latents.size(3);
        // Tiles of 2/3 of the smaller side, overlapping by a quarter (diffusers' ratio).
        const int tile = static_cast<int>((std::min(h, w) * 2 + 2) / 3);
        const int overlap = std::max(1, tile / 4);
        const std::int64_t stride = tile - overlap;
        qInfo("latent %lldx%lld, tile %d, overlap %d", (long long)h, (long long)w, tile, overlap);

        // Checks `tiled` against `full` and the tiles' own outputs (`single` on each tile of
        // `in`); `toOut` maps an input offset to an output offset.
        struct Check {
            double maxDiff = 0, meanDiff = 0, atBorders = 0, inside = 0;
            QString failure;  // empty when every check held
        };
        auto check = [&](const at::Tensor& in, const at::Tensor& full, const at::Tensor& tiled,
                         std::int64_t tileIn, std::int64_t strideIn, std::int64_t extentOut,
                         const std::function<std::int64_t(std::int64_t)>& toOut,
                         const std::function<at::Tensor(const at::Tensor&)>& single) -> Check {
            const auto rows = vae::tileStarts(in.size(2), tileIn, strideIn);
            const auto cols = vae::tileStarts(in.size(3), tileIn, strideIn);
            Check result;
            if (rows.size() < 2 || cols.size() < 2) {
                result.failure = QStringLiteral("input too small to tile 2x2");
                return result;
            }
            if (tiled.sizes() != full.sizes()) {
                result.failure = QStringLiteral("the tiled output has another shape");
                return result;
            }
            at::Tensor worst = at::zeros_like(full);  // max |tile - full| over covering tiles
            at::Tensor band = at::ones({full.size(2), full.size(3)}, at::kBool);
            for (size_t r = 0; r < rows.size(); ++r)
                for (size_t q = 0; q < cols.size(); ++q) {
                    const auto th = std::min(tileIn, in.size(2) - rows[r]),
                               tw = std::min(tileIn, in.size(3) - cols[q]);
                    const at::Tensor out = single(in.narrow(2, rows[r], th).narrow(3, cols[q], tw));
                    const auto y0 = toOut(rows[r]), x0 = toOut(cols[q]);
                    const at::Tensor region =
                        worst.narrow(2, y0, out.size(2)).narrow(3, x0, out.size(3));
                    region.copy_(at::maximum(
                        region,
                        (out - full.narrow(2, y0, out.size(2)).narrow(3, x0, out.size(3))).abs()));
                    // The part only this tile covers: after the fade from its upper/left
                    // neighbour, up to where the next tile starts.
                    const auto top = r > 0 ? extentOut : 0, left = q > 0 ? extentOut : 0;
                    const auto bottom = r + 1 < rows.size() ? toOut(rows[r + 1]) - y0 : out.size(2);
                    const auto right = q + 1 < cols.size() ? toOut(cols[q + 1]) - x0 : out.size(3);
                    const at::Tensor own =
                        out.narrow(2, top, bottom - top).narrow(3, left, right - left);
                    const at::Tensor shown =
                        tiled.narrow(2, y0 + top, bottom - top).narrow(3, x0 + left, right - left);
                    if (!at::equal(own, shown))
                        result.failure = QStringLiteral(
                                             "tile (%1, %2) shows other values than "
                                             "its own output where it alone covers")
                                             .arg(r)
                                             .arg(q);
                    band.narrow(0, y0 + top, bottom - top)
                        .narrow(1, x0 + left, right - left)
                        .fill_(false);
                }
            const at::Tensor diff = (tiled - full).abs();
            const double excess = (diff - worst).max().item<double>();
            if (excess > 1e-5)
                result.failure = QStringLiteral("tiled exceeds its worst tile by %1").arg(excess);
            const at::Tensor perPixel = diff.mean(at::IntArrayRef{0, 1});
            result.maxDiff = diff.max().item<double>();
            result.meanDiff = diff.mean().item<double>();
            result.atBorders = perPixel.masked_select(band).mean().item<double>();
            result.inside = perPixel.masked_select(band.logical_not()).mean().item<double>();
            return result;
        };

        const at::Tensor full = vae.decode(c.latents);
        const Check d = check(
            c.latents, full, vae.tiledDecode(c.latents, tile, overlap), tile, stride, overlap * f,
            [&](std::int64_t i) { return i * f; },
            [&](const at::Tensor& t) { return vae.decode(t); });
        qInfo(
            "decode: max|tiled - untiled| %.4g, mean %.4g (untiled peak %.3g, mean|x| %.3g); "
            "mean difference in the overlaps %.4g, elsewhere %.4g",
            d.maxDiff, d.meanDiff, full.abs().max().item<double>(),
            full.abs().mean().item<double>(), d.atBorders, d.inside);
        QVERIFY2(d.failure.isEmpty(), qPrintable(QStringLiteral("decode: ") + d.failure));

        const at::Tensor fullMean = vae.encode(c.image).mean;
        const Check e = check(
            c.image, fullMean, vae.tiledEncode(c.image, tile, overlap).mean, tile * f, stride * f,
            overlap, [&](std::int64_t i) { return i / f; },
            [&](const at::Tensor& t) { return vae.encode(t).mean; });
        qInfo(
            "encode (posterior mean): max|tiled - untiled| %.4g, mean %.4g (untiled peak %.3g); "
            "mean difference in the overlaps %.4g, elsewhere %.4g",
            e.maxDiff, e.meanDiff, fullMean.abs().max().item<double>(), e.atBorders, e.inside);
        QVERIFY2(e.failure.isEmpty(), qPrintable(QStringLiteral("encode: ") + e.failure));

        // A latent that fits one tile is decoded untiled: exactly the same.
        QVERIFY(sameTensor(vae.tiledDecode(c.latents, static_cast<int>(std::max(h, w)), 1), full));
    }
};

QTEST_GUILESS_MAIN(TestAutoencoderKL)
#include "test_autoencoder_kl.moc"
