// SD 3.5 Large at full size inside a 24 GB machine: the test writes a random-free (all
// zero, sparse on disk) checkpoint laid out and sharded like the real
// stabilityai/stable-diffusion-3.5-large folder, from the fixtures' manifests of the real
// tensors, configs and tokenizers, and runs `archival-studio generate` on it (one step,
// 256x256, bf16). The run must write its picture with a peak resident memory of at most
// 20 GB. Heavy (about 18 GB of memory, minutes): label `heavy`, never beside other work.
#include <sys/resource.h>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "test_support.h"

namespace {

constexpr double kPeakLimitBytes = 20e9;

struct Tensor {
    QString name;
    QJsonArray shape;
    qint64 bytes = 0;
};

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

bool copyFile(const QString& from, const QString& to) {
    QFile::remove(to);
    return QFile::copy(from, to);
}

bool copyFolder(const QString& from, const QString& to) {
    QDir().mkpath(to);
    for (const QString& name : QDir(from).entryList(QDir::Files))
        if (!copyFile(from + "/" + name, to + "/" + name)) return false;
    return true;
}

// {name: shape} (diffusion manifests) or the text manifests' "tensors" (+ projection).
std::vector<Tensor> tensorsOf(const QJsonObject& manifest, int elementBytes) {
    QJsonObject all = manifest.contains("tensors") ? manifest["tensors"].toObject() : manifest;
    const QJsonObject projection = manifest["projection_tensors"].toObject();
    for (auto it = projection.begin(); it != projection.end(); ++it) all.insert(it.key(), *it);
    std::vector<Tensor> out;
    for (auto it = all.begin(); it != all.end(); ++it) {
        Tensor t{it.key(), it.value().toArray(), elementBytes};
        for (const auto& d : t.shape) t.bytes *= d.toInteger();
        out.push_back(t);
    }
    return out;
}

// One safetensors file: its header, then a data area left as a hole (reads as zeros).
bool writeSparseSafetensors(const QString& path, const std::vector<Tensor>& tensors,
                            const QString& dtype, qint64* dataBytes) {
    QJsonObject header{{"__metadata__", QJsonObject{{"format", "pt"}}}};
    qint64 offset = 0;
    for (const Tensor& t : tensors) {
        header.insert(t.name, QJsonObject{{"dtype", dtype},
                                          {"shape", t.shape},
                                          {"data_offsets", QJsonArray{offset, offset + t.bytes}}});
        offset += t.bytes;
    }
    QByteArray json = QJsonDocument(header).toJson(QJsonDocument::Compact);
    while (json.size() % 8) json.append(' ');
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return false;
    const quint64 n = static_cast<quint64>(json.size());
    QByteArray size(8, '\0');
    for (int i = 0; i < 8; ++i) size[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    if (f.write(size) != 8 || f.write(json) != json.size()) return false;
    *dataBytes = offset;
    return f.resize(8 + json.size() + offset);  // the data: a hole, no disk used
}

// Shards as Hugging Face saves them: tensors in order, a new shard when the next one
// would pass `maxShardBytes`, `<stem>-0000i-of-0000n.safetensors` +
// `<stem>.safetensors.index.json`.
bool writeSharded(const QString& folder, const QString& stem, const std::vector<Tensor>& tensors,
                  const QString& dtype, qint64 maxShardBytes) {
    std::vector<std::vector<Tensor>> shards(1);
    qint64 inShard = 0;
    for (const Tensor& t : tensors) {
        if (inShard > 0 && inShard + t.bytes > maxShardBytes) {
            shards.emplace_back();
            inShard = 0;
        }
        shards.back().push_back(t);
        inShard += t.bytes;
    }
    QJsonObject weightMap;
    qint64 total = 0;
    for (std::size_t i = 0; i < shards.size(); ++i) {
        const QString name = QStringLiteral("%1-%2-of-%3.safetensors")
                                 .arg(stem)
                                 .arg(i + 1, 5, 10, QLatin1Char('0'))
                                 .arg(shards.size(), 5, 10, QLatin1Char('0'));
        qint64 bytes = 0;
        if (!writeSparseSafetensors(folder + "/" + name, shards[i], dtype, &bytes)) return false;
        total += bytes;
        for (const Tensor& t : shards[i]) weightMap.insert(t.name, name);
    }
    const QJsonObject index{{"metadata", QJsonObject{{"total_size", total}}},
                            {"weight_map", weightMap}};
    return archival::test::writeFile(folder + "/" + stem + ".safetensors.index.json",
                                     QJsonDocument(index).toJson());
}

// The stabilityai/stable-diffusion-3.5-large folder: BF16 transformer in two shards, F16
// text encoders (T5 in two shards), a 16-bit VAE; tokenizers and scheduler as the tiny
// pipeline has them (the tokenizer files are the real ones).
QString writeSd35Large(const QString& root) {
    const QString fx = archival::test::fixturesDir();
    const QString manifests = fx + "/manifests/", tiny = fx + "/models/sd3-tiny-pipe/";
    const QString m = root + "/stable-diffusion-3.5-large";
    for (const char* sub : {"scheduler", "tokenizer", "tokenizer_2", "tokenizer_3"})
        if (!copyFolder(tiny + sub, m + "/" + sub)) return "cannot copy " + tiny + sub;
    if (!copyFile(tiny + "model_index.json", m + "/model_index.json")) return "model_index";
    struct Part {
        const char *folder, *manifest, *config, *dtype, *stem;
        qint64 maxShard;  // 0: one file
    };
    const Part parts[] = {
        {"text_encoder", "clip-l.json", "clip-l-sd3.config.json", "F16", "model", 0},
        {"text_encoder_2", "clip-g.json", "clip-g.config.json", "F16", "model", 0},
        {"text_encoder_3", "t5-xxl.json", "t5-xxl.config.json", "F16", "model", 5000000000},
        {"transformer", "sd35_large_transformer.json", "sd35_large_transformer.config.json", "BF16",
         "diffusion_pytorch_model", 10000000000},
        {"vae", "sd3_vae.json", "sd3_vae.config.json", "F16", "diffusion_pytorch_model", 0},
    };
    for (const Part& p : parts) {
        const QString dir = m + "/" + p.folder;
        QDir().mkpath(dir);
        if (!copyFile(manifests + p.config, dir + "/config.json")) return p.config;
        const auto tensors = tensorsOf(readJson(manifests + p.manifest), 2);
        if (tensors.empty()) return QStringLiteral("empty manifest ") + p.manifest;
        qint64 bytes = 0;
        const bool ok = p.maxShard > 0 ? writeSharded(dir, p.stem, tensors, p.dtype, p.maxShard)
                                       : writeSparseSafetensors(dir + "/" + p.stem + ".safetensors",
                                                                tensors, p.dtype, &bytes);
        if (!ok) return QStringLiteral("cannot write ") + p.folder;
    }
    return {};
}

qint64 diskBytes(const QString& folder) {
    QProcess du;
    du.start("du", {"-sb", "--apparent-size", folder});
    du.waitForFinished();
    return du.readAllStandardOutput().split('\t').value(0).toLongLong();
}

}  // namespace

class TestSd35LargeGenerate : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void generatesWithin20GB() {
        QElapsedTimer clock;
        clock.start();
        QString modelRoot;
        {
            QTemporaryDir dir;
            QVERIFY(dir.isValid());
            modelRoot = dir.path();
            const QString error = writeSd35Large(dir.path());
            QVERIFY2(error.isEmpty(), qPrintable(error));
            // The folder as the real one: about 27.6 GB of weights.
            QVERIFY(diskBytes(dir.path()) > 27'000'000'000);
            qInfo("checkpoint written in %.1f s", clock.elapsed() / 1000.0);

            const QString programs = dir.filePath("programs.json");
            const QJsonObject program{{"title", "SD 3.5 Large, full size, zero weights"},
                                      {"model", "test/sd3.5-large"},
                                      {"family", "sd3"},
                                      {"kind", "text-to-image"},
                                      {"steps", 1},
                                      {"guidance", 4.5},
                                      {"width", 256},
                                      {"height", 256},
                                      {"sampler", "flowmatch_euler"},
                                      {"template", "{prompt}"},
                                      {"negative_prompt", ""},
                                      {"loras", QJsonArray()},
                                      {"seed_policy", "random"}};
            const QJsonObject file{
                {"format", 1},
                {"model_locations",
                 QJsonObject{{"test/sd3.5-large", dir.filePath("stable-diffusion-3.5-large")}}},
                {"programs", QJsonObject{{"L35", program}}}};
            QVERIFY(archival::test::writeFile(programs, QJsonDocument(file).toJson()));

            auto env = QProcessEnvironment::systemEnvironment();
            for (const char* v : {"HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"})
                env.insert(v, dir.filePath("home"));
            env.remove("OMP_NUM_THREADS");  // the run has the machine to itself
            env.remove("ARCHIVAL_DEVICE_MEMORY_BUDGET");
            const QString image = dir.filePath("out.png");
            QProcess p;
            p.setProcessEnvironment(env);
            p.setProcessChannelMode(QProcess::ForwardedChannels);
            p.start(QStringLiteral(ARCHIVAL_STUDIO_EXE),
                    {"generate", "--programs", programs, "-p", "L35", "--prompt",
                     "a lighthouse at dusk", "--seed", "7", "--device", "cpu", "--dtype", "bf16",
                     "-o", image});
            QVERIFY(p.waitForFinished(60 * 60 * 1000));
            QCOMPARE(p.exitStatus(), QProcess::NormalExit);
            QCOMPARE(p.exitCode(), 0);

            rusage children{};
            getrusage(RUSAGE_CHILDREN, &children);
            const double peak = children.ru_maxrss * 1024.0;  // KiB
            qInfo("generate: peak RSS %.2f GB; %.1f s in all", peak / 1e9,
                  clock.elapsed() / 1000.0);
            QVERIFY2(peak <= kPeakLimitBytes,
                     qPrintable(QStringLiteral("peak RSS %1 GB").arg(peak / 1e9)));
            const QImage written(image);
            QCOMPARE(written.size(), QSize(256, 256));
        }
        QVERIFY2(!QDir(modelRoot).exists(), "the checkpoint was not removed");
    }
};

QTEST_GUILESS_MAIN(TestSd35LargeGenerate)
#include "test_sd35_large_generate.moc"
