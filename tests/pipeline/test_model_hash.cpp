// The model hash written into image metadata: the SHA-256 of the weights, checked against
// sha256sum run as a separate process; the Hugging Face blob-name shortcut; the cache keyed
// by path, size and modification time; and which file of a model folder is hashed.
#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "pipeline/model_hash.h"
#include "test_support.h"

using archival::pipeline::modelHashFile;
using archival::pipeline::shortFileHash;
using archival::test::writeFile;

namespace {

// Bytes that are not all alike, longer than any read buffer, with an odd length.
QByteArray sampleBytes(quint32 seed, qsizetype size) {
    QRandomGenerator rng(seed);
    QByteArray bytes(size, Qt::Uninitialized);
    for (auto& b : bytes) b = static_cast<char>(rng.bounded(256));
    return bytes;
}

void setModified(const QString& path, const QDateTime& when) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QVERIFY(f.setFileTime(when, QFileDevice::FileModificationTime));
}

}  // namespace

class TestModelHash : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString sha256sumTool_;

    // The full SHA-256 of `path` as the coreutils tool prints it.
    QString sha256sum(const QString& path) {
        QProcess p;
        p.start(sha256sumTool_, {path});
        if (!p.waitForFinished(60000) || p.exitCode() != 0) {
            QTest::qFail(qPrintable("sha256sum failed: " + p.readAllStandardError()), __FILE__,
                         __LINE__);
            return {};
        }
        return QString::fromLatin1(p.readAllStandardOutput()).section(QLatin1Char(' '), 0, 0);
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        // The independent hash this test compares with: missing, the test fails.
        sha256sumTool_ = QStandardPaths::findExecutable(QStringLiteral("sha256sum"));
        QVERIFY2(!sha256sumTool_.isEmpty(), "sha256sum not found on PATH (Debian: coreutils)");
    }

    void shortHashIsTheFilesSha256() {
        const QString file = dir_.filePath(QStringLiteral("weights.safetensors"));
        QVERIFY(writeFile(file, sampleBytes(1, 3 * 1024 * 1024 + 17)));
        const QString full = sha256sum(file);
        QCOMPARE(full.size(), 64);
        const QString hash = shortFileHash(file, QString());
        QCOMPARE(hash.size(), 10);
        QCOMPARE(hash, full.left(10));
        // An empty file has the well-known digest; a missing one has none.
        const QString empty = dir_.filePath(QStringLiteral("empty.safetensors"));
        QVERIFY(writeFile(empty, {}));
        QCOMPARE(shortFileHash(empty, QString()), sha256sum(empty).left(10));
        QVERIFY(shortFileHash(dir_.filePath(QStringLiteral("missing")), QString()).isEmpty());
    }

    // A Hugging Face cache snapshot links to blobs/<sha256>: the name is taken, the content
    // is not read. A link to any other name is hashed by content.
    void huggingFaceBlobNamesAreTaken() {
        const QString blobName(64, QLatin1Char('a'));  // not the content's SHA-256
        const QString blob = dir_.filePath(QStringLiteral("hf/blobs/") + blobName);
        QVERIFY(writeFile(blob, sampleBytes(2, 4096)));
        QVERIFY(QDir().mkpath(dir_.filePath(QStringLiteral("hf/snapshots/rev/unet"))));
        const QString link = dir_.filePath(
            QStringLiteral("hf/snapshots/rev/unet/diffusion_pytorch_model.safetensors"));
        QVERIFY(QFile::link(QStringLiteral("../../../blobs/") + blobName, link));
        QCOMPARE(shortFileHash(link, QString()), blobName.left(10));
        QVERIFY(shortFileHash(blob, QString()) != blobName.left(10));  // the content's hash
        QCOMPARE(shortFileHash(blob, QString()), sha256sum(blob).left(10));

        const QString other = dir_.filePath(QStringLiteral("hf/other.bin"));
        QVERIFY(writeFile(other, sampleBytes(3, 100)));
        const QString otherLink = dir_.filePath(QStringLiteral("hf/other-link.safetensors"));
        QVERIFY(QFile::link(other, otherLink));
        QCOMPARE(shortFileHash(otherLink, QString()), sha256sum(other).left(10));
    }

    // The cache remembers a hash under path, size and modification time: the same three
    // give the remembered hash without reading the file; a new size or time rehashes.
    void cacheIsKeyedByPathSizeAndTime() {
        const QString file = dir_.filePath(QStringLiteral("cached.safetensors"));
        const QString cache = dir_.filePath(QStringLiteral("cache/model-hashes.json"));
        QVERIFY(writeFile(file, sampleBytes(4, 100000)));
        const QDateTime when = QDateTime::fromSecsSinceEpoch(1700000000);
        setModified(file, when);
        const QString first = shortFileHash(file, cache);
        QCOMPARE(first, sha256sum(file).left(10));
        QFile cacheFile(cache);
        QVERIFY2(cacheFile.open(QIODevice::ReadOnly), "no cache file written");
        const QJsonObject entries = QJsonDocument::fromJson(cacheFile.readAll()).object();
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.begin().value().toString(), first);
        QVERIFY(entries.begin().key().contains(QFileInfo(file).canonicalFilePath()));

        // Same size, same time, other bytes: the cache answers (it is what makes the shortcut
        // cheap), so the old hash comes back.
        QVERIFY(writeFile(file, sampleBytes(5, 100000)));
        setModified(file, when);
        QCOMPARE(shortFileHash(file, cache), first);
        // Without the cache the new bytes are hashed.
        const QString fresh = shortFileHash(file, QString());
        QCOMPARE(fresh, sha256sum(file).left(10));
        QVERIFY(fresh != first);
        // A new modification time is a new key.
        setModified(file, when.addSecs(60));
        QCOMPARE(shortFileHash(file, cache), fresh);
        // So is a new size (same time as the first entry).
        QVERIFY(writeFile(file, sampleBytes(5, 100001)));
        setModified(file, when);
        QCOMPARE(shortFileHash(file, cache), sha256sum(file).left(10));
    }

    // Which file names a model: a single file itself; in a folder the denoiser's weights,
    // the full-precision file before the fp16 variant.
    void hashFileOfAModel() {
        const QString single = dir_.filePath(QStringLiteral("models/one.safetensors"));
        QVERIFY(writeFile(single, "x"));
        QCOMPARE(modelHashFile(single), QFileInfo(single).absoluteFilePath());

        const QString sd15 = dir_.filePath(QStringLiteral("models/sd15"));
        QVERIFY(writeFile(sd15 + "/unet/diffusion_pytorch_model.fp16.safetensors", "h"));
        QVERIFY(writeFile(sd15 + "/unet/diffusion_pytorch_model.safetensors", "f"));
        QVERIFY(writeFile(sd15 + "/vae/diffusion_pytorch_model.safetensors", "v"));
        QCOMPARE(QFileInfo(modelHashFile(sd15)).fileName(),
                 QStringLiteral("diffusion_pytorch_model.safetensors"));
        QVERIFY(modelHashFile(sd15).contains(QLatin1String("/unet/")));

        const QString sd3 = dir_.filePath(QStringLiteral("models/sd3"));
        QVERIFY(writeFile(sd3 + "/transformer/diffusion_pytorch_model-00002-of-00002.safetensors",
                          "2"));
        QVERIFY(writeFile(sd3 + "/transformer/diffusion_pytorch_model-00001-of-00002.safetensors",
                          "1"));
        QCOMPARE(QFileInfo(modelHashFile(sd3)).fileName(),
                 QStringLiteral("diffusion_pytorch_model-00001-of-00002.safetensors"));

        QVERIFY(QDir().mkpath(dir_.filePath(QStringLiteral("models/empty/unet"))));
        QVERIFY(modelHashFile(dir_.filePath(QStringLiteral("models/empty"))).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestModelHash)
#include "test_model_hash.moc"
