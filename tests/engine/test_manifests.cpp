// Full-size checkpoint layouts (SD 1.5 UNet/VAE, CLIP-L/G, T5-XXL, SD3 transformers and
// VAE) proven without their weights: for every manifest in the fixtures, a synthetic
// checkpoint with the real names and shapes is written as a sparse file (sharded where the
// real one is), validated, then broken in four ways that must each be named.
#include <QDirIterator>
#include <QTemporaryDir>
#include <QtTest>
#include <functional>

#include "engine/errors.h"
#include "engine/io/manifest.h"
#include "engine/io/safetensors.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

struct Case {
    QString manifest;
    std::vector<ManifestEntry> entries;
};

// Manifests are the *.json files that readManifest accepts; configs and summaries are not.
std::vector<Case> discoverManifests() {
    std::vector<Case> cases;
    QDirIterator it(archival::test::fixturesDir() + QStringLiteral("/manifests"),
                    {QStringLiteral("*.json")}, QDir::Files);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.endsWith(QLatin1String(".config.json"))) continue;
        try {
            auto entries = readManifest(path.toStdString(), /*withProjection=*/true);
            if (!entries.empty()) cases.push_back({path, std::move(entries)});
        } catch (const EngineError&) {
            // Not a key/shape manifest (summary, deprecated-name map): skip.
        }
    }
    std::sort(cases.begin(), cases.end(),
              [](const Case& a, const Case& b) { return a.manifest < b.manifest; });
    return cases;
}

// Writes `tensors` as BF16 (the dtype of the real 16-bit files) without writing any data:
// the file is extended to its full size, so it is sparse. Shards of at most `shardBytes`
// with an index when the whole exceeds it, as the Hugging Face writers do.
QString writeSynthetic(const QString& dir, std::vector<TensorInfo> tensors, quint64 shardBytes) {
    quint64 total = 0;
    for (auto& t : tensors) total += static_cast<quint64>(t.numel()) * dtypeSize(t.dtype);
    auto writeOne = [](const QString& path, std::vector<TensorInfo> part) {
        const std::string header = makeSafetensorsHeader(part);
        quint64 bytes = header.size();
        for (auto& t : part) bytes += t.byteSize();
        QFile f(path);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
        f.write(header.data(), static_cast<qint64>(header.size()));
        return f.resize(static_cast<qint64>(bytes));
    };
    if (total <= shardBytes) {
        const QString path = dir + QStringLiteral("/model.safetensors");
        return writeOne(path, tensors) ? path : QString();
    }
    std::vector<std::vector<TensorInfo>> shards(1);
    quint64 inShard = 0;
    for (auto& t : tensors) {
        const quint64 b = static_cast<quint64>(t.numel()) * dtypeSize(t.dtype);
        if (inShard > 0 && inShard + b > shardBytes) {
            shards.emplace_back();
            inShard = 0;
        }
        shards.back().push_back(t);
        inShard += b;
    }
    QString weightMap;
    for (size_t i = 0; i < shards.size(); ++i) {
        const QString name = QStringLiteral("model-%1-of-%2.safetensors")
                                 .arg(i + 1, 5, 10, QLatin1Char('0'))
                                 .arg(shards.size(), 5, 10, QLatin1Char('0'));
        if (!writeOne(dir + QLatin1Char('/') + name, shards[i])) return {};
        for (auto& t : shards[i])
            weightMap +=
                QStringLiteral("%1\"%2\":\"%3\"")
                    .arg(weightMap.isEmpty() ? "" : ",", QString::fromStdString(t.name), name);
    }
    const QString index = dir + QStringLiteral("/model.safetensors.index.json");
    archival::test::writeFile(
        index, QStringLiteral("{\"metadata\":{\"total_size\":%1},\"weight_map\":{%2}}")
                   .arg(total)
                   .arg(weightMap)
                   .toUtf8());
    return dir;
}

std::vector<TensorInfo> tensorsOf(const Case& c) {
    std::vector<TensorInfo> out;
    for (const auto& e : c.entries)
        if (!e.optional || e.name.find("position_ids") == std::string::npos)
            out.push_back({e.name, DType::BF16, e.shape});
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

class TestManifests : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void realLayoutsValidateAndBreaksAreNamed() {
        ARCHIVAL_REQUIRE_FIXTURES();
        const auto cases = discoverManifests();
        QVERIFY2(!cases.empty(), "no manifests found");
        for (const auto& c : cases) {
            const QString name = QFileInfo(c.manifest).completeBaseName();
            // Text encoders ship in 5 GB shards (transformers), diffusion models in 10 GB.
            const bool textEncoder =
                name.startsWith(QLatin1String("clip")) || name.startsWith(QLatin1String("t5"));
            const quint64 shardBytes = (textEncoder ? 5ull : 10ull) * 1000 * 1000 * 1000;
            const auto base = tensorsOf(c);
            qInfo("%s: %zu tensors", qPrintable(name), base.size());

            auto run = [&](const char* what, std::vector<TensorInfo> tensors,
                           const std::function<void(const ManifestReport&)>& check) {
                QTemporaryDir dir;
                const QString path = writeSynthetic(dir.path(), std::move(tensors), shardBytes);
                QVERIFY2(!path.isEmpty(), "could not write the synthetic checkpoint");
                const auto report =
                    validateAgainstManifest(path.toStdString(), c.manifest.toStdString(), true);
                check(report);
                if (QTest::currentTestFailed())
                    qWarning("%s / %s:\n%s", qPrintable(name), what, report.summary().c_str());
            };

            run("intact", base, [&](const ManifestReport& r) {
                QVERIFY2(r.ok(), r.summary().c_str());
                QCOMPARE(r.checked, base.size());
            });
            if (name.startsWith(QLatin1String("t5")) ||
                name.startsWith(QLatin1String("sd35_large"))) {
                QTemporaryDir dir;
                writeSynthetic(dir.path(), base, shardBytes);
                QVERIFY2(
                    QFileInfo::exists(dir.filePath(QStringLiteral("model.safetensors.index.json"))),
                    "the real checkpoint is sharded; the synthetic one must be too");
            }

            const size_t victim = base.size() / 2;
            const std::string victimName = base[victim].name;

            auto removed = base;
            removed.erase(removed.begin() + static_cast<long>(victim));
            run("removed", removed, [&](const ManifestReport& r) {
                QVERIFY(contains(r.missing, victimName));
                QCOMPARE(r.missing.size(), size_t(1));
            });

            auto renamed = base;
            renamed[victim].name = victimName + "_renamed";
            run("renamed", renamed, [&](const ManifestReport& r) {
                QVERIFY(contains(r.missing, victimName));
                QVERIFY(contains(r.unexpected, victimName + "_renamed"));
            });

            auto reshaped = base;
            reshaped[victim].shape.back() += 1;
            run("reshaped", reshaped, [&](const ManifestReport& r) {
                QCOMPARE(r.misshaped.size(), size_t(1));
                QCOMPARE(r.misshaped.front().name, victimName);
            });

            auto retyped = base;
            retyped[victim].dtype = DType::I32;
            run("retyped", retyped, [&](const ManifestReport& r) {
                QCOMPARE(r.wrongDtype.size(), size_t(1));
                QCOMPARE(r.wrongDtype.front().name, victimName);
                QCOMPARE(r.wrongDtype.front().actual, std::string("I32"));
            });
            if (QTest::currentTestFailed()) return;
        }
    }

    void acceptsLegacyOptionalBuffers() {
        ARCHIVAL_REQUIRE_FIXTURES();
        // Older CLIP files carry text_model.embeddings.position_ids (I64): allowed.
        const QString manifest =
            archival::test::fixturesDir() + QStringLiteral("/manifests/clip-l.json");
        const auto entries = readManifest(manifest.toStdString(), false);
        std::vector<TensorInfo> tensors;
        for (const auto& e : entries) {
            if (e.name == "text_projection.weight") continue;
            tensors.push_back({e.name, e.optional ? DType::I64 : DType::F16, e.shape});
        }
        QTemporaryDir dir;
        const QString path = writeSynthetic(dir.path(), tensors, ~0ull);
        const auto report =
            validateAgainstManifest(path.toStdString(), manifest.toStdString(), false);
        QVERIFY2(report.ok(), report.summary().c_str());
    }
};

QTEST_GUILESS_MAIN(TestManifests)
#include "test_manifests.moc"
