// The safetensors reader against valid, sharded, hostile and fuzzed files.
#include <QTemporaryDir>
#include <QtTest>
#include <cstring>
#include <random>

#include "engine/errors.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "test_support.h"

using namespace archival::engine;

namespace {

QByteArray le64(quint64 n) {
    QByteArray out(8, '\0');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out;
}

// A file from a raw JSON header and a data area.
QByteArray rawFile(const QByteArray& header, const QByteArray& data) {
    return le64(static_cast<quint64>(header.size())) + header + data;
}

// A valid file: F32 [2,3] "a", F16 [4] "b", I64 [1] "c", plus metadata.
QByteArray validFile() {
    std::vector<TensorInfo> tensors = {
        {"a", DType::F32, {2, 3}}, {"b", DType::F16, {4}}, {"c", DType::I64, {1}}};
    const std::string header = makeSafetensorsHeader(tensors, {{"format", "pt"}});
    QByteArray data;
    for (int i = 0; i < 6; ++i) {
        float v = static_cast<float>(i) * 0.5f;
        data.append(reinterpret_cast<const char*>(&v), 4);
    }
    data.append(QByteArray(8, '\x3c'));  // four F16 values
    qint64 c = 42;
    data.append(reinterpret_cast<const char*>(&c), 8);
    return QByteArray::fromStdString(header) + data;
}

SafetensorsFile parseBytes(const QByteArray& bytes, const std::string& name = "test.safetensors") {
    return SafetensorsFile::parse(MappedFile::fromBytes(bytes.toStdString(), name));
}

// Parses and expects a ModelLoad error whose message names the file and contains `needle`.
void expectRejected(const QByteArray& bytes, const char* needle) {
    try {
        parseBytes(bytes, "hostile.safetensors");
    } catch (const EngineError& e) {
        QCOMPARE(e.kind(), ErrorKind::ModelLoad);
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.contains(QStringLiteral("hostile.safetensors")), qPrintable(msg));
        QVERIFY2(msg.contains(QLatin1String(needle)),
                 qPrintable(QStringLiteral("'%1' lacks '%2'").arg(msg, needle)));
        return;
    }
    QFAIL(qPrintable(QStringLiteral("accepted a file that should fail with '%1'").arg(needle)));
}

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void readsValidFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("ok.safetensors"));
        QVERIFY(archival::test::writeFile(path, validFile()));
        const auto f = SafetensorsFile::open(path.toStdString());
        QCOMPARE(f.tensors().size(), size_t(3));
        const TensorInfo* a = f.find("a");
        QVERIFY(a);
        QCOMPARE(a->dtype, DType::F32);
        QCOMPARE(a->shape, (std::vector<std::int64_t>{2, 3}));
        float v5 = 0;
        std::memcpy(&v5, f.data(*a) + 5 * 4, 4);
        QCOMPARE(v5, 2.5f);
        const TensorInfo* c = f.find("c");
        qint64 cv = 0;
        std::memcpy(&cv, f.data(*c), 8);
        QCOMPARE(cv, qint64(42));
        QCOMPARE(f.metadata().at("format"), std::string("pt"));
        QVERIFY(f.find("missing") == nullptr);
        QCOMPARE(f.headerSize() % 8, quint64(0));
    }

    void readsFixtureHeaders() {
        ARCHIVAL_REQUIRE_FIXTURES();
        // Every safetensors file in the fixtures must parse: they were written by the
        // reference library.
        QDirIterator it(archival::test::fixturesDir(), {QStringLiteral("*.safetensors")},
                        QDir::Files, QDirIterator::Subdirectories);
        int count = 0;
        while (it.hasNext()) {
            const auto f = SafetensorsFile::open(it.next().toStdString());
            QVERIFY(!f.tensors().empty());
            ++count;
        }
        QVERIFY2(count > 0, "no .safetensors files found in the fixtures");
    }

    void rejectsHostileFiles() {
        const QByteArray okHeader = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
        const QByteArray data8(8, '\0');
        expectRejected(QByteArray("\x01\x02\x03", 3), "shorter than the 8-byte header length");
        expectRejected(le64(1000) + okHeader + data8, "larger than the file");
        expectRejected(le64(1ull << 40) + okHeader, "exceeds the 100 MB limit");
        expectRejected(le64(0xffffffffffffffffull) + okHeader, "exceeds the 100 MB limit");
        expectRejected(rawFile("{not json at all", data8), "not valid JSON");
        expectRejected(rawFile("[1,2,3]", data8), "does not start with a JSON object");
        expectRejected(
            rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} trailing)", data8),
            "not valid JSON");
        expectRejected(rawFile(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", data8),
                       "data area has only 8");
        expectRejected(
            rawFile(
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                data8),
            "overlap");
        expectRejected(rawFile(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", data8),
                       "shape/size mismatch");
        expectRejected(rawFile(R"({"a":{"dtype":"F12","shape":[2],"data_offsets":[0,8]}})", data8),
                       "unknown dtype 'F12'");
        expectRejected(
            rawFile(
                R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                data8),
            "appears twice");
        expectRejected(rawFile(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", data8),
                       "not a non-negative integer");
        expectRejected(rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", data8),
                       "ends before it begins");
        expectRejected(rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", data8),
                       "data_offsets");
        expectRejected(
            rawFile(
                R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})",
                data8),
            "too large");
        expectRejected(
            rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", data8),
            "unknown field 'extra'");
        expectRejected(rawFile(R"({"__metadata__":{"k":3}})", data8), "__metadata__ value 'k'");
        expectRejected(rawFile(R"({"a":"F32"})", data8), "is not an object");
    }

    void openMissingFileIsStorageError() {
        try {
            SafetensorsFile::open("/nonexistent/dir/x.safetensors");
            QFAIL("opened a missing file");
        } catch (const EngineError& e) {
            QCOMPARE(e.kind(), ErrorKind::Storage);
            QVERIFY(QString::fromStdString(e.what()).contains(QStringLiteral("x.safetensors")));
        }
    }

    // Thousands of seeded random mutations of a valid file: each must parse into tensors
    // that lie inside the file, or fail with an EngineError. Nothing else is allowed.
    void fuzzedFilesNeverEscape() {
        const QByteArray base = validFile();
        std::mt19937_64 rng(20261201);
        int accepted = 0, rejected = 0;
        for (int round = 0; round < 4000; ++round) {
            QByteArray bytes = base;
            const int mutations = 1 + static_cast<int>(rng() % 4);
            for (int m = 0; m < mutations; ++m) {
                switch (rng() % 6) {
                    case 0:
                        bytes[static_cast<int>(rng() % bytes.size())] = static_cast<char>(rng());
                        break;
                    case 1:
                        bytes.truncate(static_cast<int>(rng() % (bytes.size() + 1)));
                        break;
                    case 2: {  // rewrite the header length
                        const QByteArray n = le64(rng() % 2 ? rng() % 600 : rng());
                        if (bytes.size() >= 8) bytes.replace(0, 8, n);
                        break;
                    }
                    case 3: {  // change a digit inside the JSON (offsets and shapes)
                        for (int tries = 0; tries < 32 && bytes.size() > 8; ++tries) {
                            const int i = 8 + static_cast<int>(rng() % (bytes.size() - 8));
                            if (bytes[i] >= '0' && bytes[i] <= '9') {
                                bytes[i] = static_cast<char>('0' + rng() % 10);
                                break;
                            }
                        }
                        break;
                    }
                    case 4:
                        bytes.append(
                            QByteArray(static_cast<int>(rng() % 64), static_cast<char>(rng())));
                        break;
                    default: {  // swap in a structural character
                        static const char structural[] = "{}[]\",:-e.";
                        if (bytes.size() > 8)
                            bytes[8 + static_cast<int>(rng() % (bytes.size() - 8))] =
                                structural[rng() % 10];
                    }
                }
            }
            try {
                const auto f = parseBytes(bytes);
                for (const auto& t : f.tensors()) {
                    QVERIFY(t.end >= t.begin);
                    QVERIFY(f.headerSize() + t.end <= static_cast<quint64>(bytes.size()));
                    QCOMPARE(t.byteSize(), static_cast<quint64>(t.numel()) * dtypeSize(t.dtype));
                }
                ++accepted;
            } catch (const EngineError& e) {
                QCOMPARE(e.kind(), ErrorKind::ModelLoad);
                ++rejected;
            }
        }
        qInfo("fuzz: %d accepted, %d rejected", accepted, rejected);
        QVERIFY(rejected > 1000);  // the mutations do reach the checks
    }

    void readsShardedCheckpoint() {
        QTemporaryDir dir;
        std::vector<TensorInfo> s1 = {{"x.weight", DType::F32, {2}}},
                                s2 = {{"y.weight", DType::BF16, {4}}};
        QVERIFY(archival::test::writeFile(
            dir.filePath(QStringLiteral("m-00001-of-00002.safetensors")),
            QByteArray::fromStdString(makeSafetensorsHeader(s1)) + QByteArray(8, '\0')));
        QVERIFY(archival::test::writeFile(
            dir.filePath(QStringLiteral("m-00002-of-00002.safetensors")),
            QByteArray::fromStdString(makeSafetensorsHeader(s2)) + QByteArray(8, '\0')));
        const QByteArray index =
            R"({"metadata":{"total_size":16},"weight_map":{"x.weight":"m-00001-of-00002.safetensors","y.weight":"m-00002-of-00002.safetensors"}})";
        QVERIFY(archival::test::writeFile(dir.filePath(QStringLiteral("m.safetensors.index.json")),
                                          index));

        const auto cp = Checkpoint::open(dir.path().toStdString());
        QCOMPARE(cp.entries().size(), size_t(2));
        QCOMPARE(cp.shards().size(), size_t(2));
        QCOMPARE(cp.find("y.weight")->info->dtype, DType::BF16);
        QCOMPARE(cp.totalBytes(), quint64(16));

        // The index names a tensor its shard lacks.
        QVERIFY(archival::test::writeFile(
            dir.filePath(QStringLiteral("m.safetensors.index.json")),
            R"({"weight_map":{"x.weight":"m-00001-of-00002.safetensors","z.weight":"m-00002-of-00002.safetensors","y.weight":"m-00002-of-00002.safetensors"}})"));
        QVERIFY_THROWS_EXCEPTION(EngineError, Checkpoint::open(dir.path().toStdString()));
        // A shard holds a tensor the index does not list.
        std::vector<TensorInfo> s1b = {{"x.weight", DType::F32, {2}}, {"w.extra", DType::F32, {1}}};
        QVERIFY(archival::test::writeFile(
            dir.filePath(QStringLiteral("m-00001-of-00002.safetensors")),
            QByteArray::fromStdString(makeSafetensorsHeader(s1b)) + QByteArray(12, '\0')));
        QVERIFY(archival::test::writeFile(
            dir.filePath(QStringLiteral("m.safetensors.index.json")),
            R"({"weight_map":{"x.weight":"m-00001-of-00002.safetensors","y.weight":"m-00002-of-00002.safetensors"}})"));
        QVERIFY_THROWS_EXCEPTION(
            EngineError,
            Checkpoint::open(
                dir.filePath(QStringLiteral("m.safetensors.index.json")).toStdString()));
        // A shard outside the folder.
        QVERIFY(archival::test::writeFile(
            dir.filePath(QStringLiteral("m.safetensors.index.json")),
            R"({"weight_map":{"x.weight":"../m-00001-of-00002.safetensors"}})"));
        QVERIFY_THROWS_EXCEPTION(EngineError, Checkpoint::open(dir.path().toStdString()));
    }

    void prefersFullPrecisionFiles() {
        QTemporaryDir dir;
        std::vector<TensorInfo> t = {{"w", DType::F32, {1}}};
        const QByteArray bytes =
            QByteArray::fromStdString(makeSafetensorsHeader(t)) + QByteArray(4, '\0');
        QVERIFY(archival::test::writeFile(dir.filePath(QStringLiteral("model.fp16.safetensors")),
                                          bytes));
        QCOMPARE(QString::fromStdString(Checkpoint::locate(dir.path().toStdString())),
                 dir.filePath(QStringLiteral("model.fp16.safetensors")));
        QVERIFY(
            archival::test::writeFile(dir.filePath(QStringLiteral("model.safetensors")), bytes));
        QCOMPARE(QString::fromStdString(Checkpoint::locate(dir.path().toStdString())),
                 dir.filePath(QStringLiteral("model.safetensors")));
        QTemporaryDir empty;
        QVERIFY_THROWS_EXCEPTION(EngineError, Checkpoint::locate(empty.path().toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
