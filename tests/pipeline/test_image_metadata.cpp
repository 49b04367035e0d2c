// Metadata survives a round trip through the PNG; writes are atomic.
#include <QFile>
#include <QImageReader>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "pipeline/image_metadata.h"

using archival::pipeline::ImageMetadata;

namespace {

ImageMetadata sample() {
    ImageMetadata m;
    m.programId = "P0";
    m.promptTyped = "machine learning summit";
    m.promptSent = "machine learning summit, photorealistic, high quality, detailed";
    m.negativePrompt = "blurry";
    m.seed = 18446744073709551557ull;  // beyond 2^53: must stay exact
    m.steps = 20;
    m.guidance = 7.5;
    m.sampler = "flowmatch_euler";
    m.width = 1360;
    m.height = 768;
    m.modelId = "stabilityai/stable-diffusion-3.5-large-turbo";
    m.modelHash = "a1b2c3d4e5";
    m.loras = {{"/loras/style.safetensors", 0.8}};
    m.device = "cuda:0";
    m.dtype = "bf16";
    m.textEncodeSeconds = 0.25;
    m.totalSeconds = 3.5;
    m.appVersion = "0.1.0";
    m.timestamp = QDateTime::fromString("2026-12-01T10:00:00.000Z", Qt::ISODateWithMs);
    return m;
}

}  // namespace

class TestImageMetadata : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    // The metadata leaves the machine (finals to screens, meta.json uploads): a LoRA is named
    // by its file name, never by the local path it was loaded from, in the JSON and the PNG.
    void loRAsAreNamedWithoutTheirLocalPath() {
        ImageMetadata m = sample();
        m.loras = {{"/srv/studio/private/loras/style.safetensors", 0.8,
                    "/srv/studio/private/loras/style.safetensors"}};
        const QByteArray json = QJsonDocument(m.toJson()).toJson();
        QVERIFY2(!json.contains("/srv/studio"), json.constData());
        QVERIFY2(json.contains("\"style.safetensors\""), json.constData());
        QTemporaryDir dir;
        const QString path = dir.filePath("x.png");
        QCOMPARE(
            archival::pipeline::writePngWithMetadata(path, QImage(4, 4, QImage::Format_RGB888), m),
            QString());
        QFile png(path);
        QVERIFY(png.open(QIODevice::ReadOnly));
        QVERIFY(!png.readAll().contains("/srv/studio"));
        ImageMetadata back;
        QVERIFY(archival::pipeline::readPngMetadata(path, &back));
        QCOMPARE(back.loras.size(), 1);
        QCOMPARE(ImageMetadata::loraFileName(back.loras.first()),
                 QStringLiteral("style.safetensors"));
        QCOMPARE(back.loras.first().scale, 0.8);
    }

    void roundTripsThroughThePng() {
        QTemporaryDir dir;
        const QString path = dir.filePath("x.png");
        QImage img(16, 8, QImage::Format_RGB888);
        img.fill(Qt::darkCyan);
        QCOMPARE(archival::pipeline::writePngWithMetadata(path, img, sample()), QString());
        ImageMetadata back;
        QString err;
        QVERIFY2(archival::pipeline::readPngMetadata(path, &back, &err), qPrintable(err));
        QCOMPARE(back.toJson(), sample().toJson());
        QCOMPARE(back.seed, sample().seed);
        QImageReader reader(path);
        const QString params = reader.text("parameters");
        QVERIFY(params.startsWith("machine learning summit, photorealistic"));
        QVERIFY(params.contains("Negative prompt: blurry"));
        QVERIFY(
            params.contains("Steps: 20, Sampler: flowmatch_euler, CFG scale: 7.5, Seed: "
                            "18446744073709551557, Size: 1360x768"));
        QCOMPARE(reader.read().pixelColor(3, 3), QColor(Qt::darkCyan));
    }

    // Prompts keep their exact whitespace and any script; the A1111 lines keep their breaks.
    void textSurvivesExactly() {
        QTemporaryDir dir;
        const QString path = dir.filePath("exact.png");
        ImageMetadata m = sample();
        m.promptTyped = QStringLiteral("two  spaces,\ttab, Ümlaut, 東京, emoji \U0001F3A8");
        m.promptSent = m.promptTyped + QStringLiteral("\nsecond line");
        QImage img(4, 4, QImage::Format_RGB888);
        img.fill(Qt::black);
        QCOMPARE(archival::pipeline::writePngWithMetadata(path, img, m), QString());
        ImageMetadata back;
        QVERIFY(archival::pipeline::readPngMetadata(path, &back));
        QCOMPARE(back.promptTyped, m.promptTyped);
        QCOMPARE(back.promptSent, m.promptSent);
        const QString params = archival::pipeline::readPngText(path).value("parameters");
        QVERIFY2(
            params.startsWith(m.promptSent + QStringLiteral("\nNegative prompt: blurry\nSteps: ")),
            qPrintable(params));
        QString error;
        QVERIFY(archival::pipeline::readPngText(dir.filePath("none.png"), &error).isEmpty());
        QVERIFY(error.contains("cannot read"));
    }

    void failedWriteLeavesNoFile() {
        QTemporaryDir dir;
        const QString path = dir.filePath("none/x.png");  // the folder does not exist
        const QString err = archival::pipeline::writePngWithMetadata(
            path, QImage(4, 4, QImage::Format_RGB888), sample());
        QVERIFY(err.contains(path));
        QVERIFY(!QFile::exists(path));

        // An unencodable (null) image must not replace an existing file.
        const QString good = dir.filePath("good.png");
        QImage img(4, 4, QImage::Format_RGB888);
        img.fill(Qt::red);
        QCOMPARE(archival::pipeline::writePngWithMetadata(good, img, sample()), QString());
        QVERIFY(!archival::pipeline::writePngWithMetadata(good, QImage(), sample()).isEmpty());
        QCOMPARE(QImage(good).pixelColor(0, 0), QColor(Qt::red));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 1);  // no temp file left behind
    }

    void fileWithoutMetadataIsReported() {
        QTemporaryDir dir;
        const QString path = dir.filePath("plain.png");
        QVERIFY(QImage(4, 4, QImage::Format_RGB888).save(path));
        ImageMetadata m;
        QString err;
        QVERIFY(!archival::pipeline::readPngMetadata(path, &m, &err));
        QVERIFY(err.contains("no Archival Studio metadata"));
    }
};

QTEST_GUILESS_MAIN(TestImageMetadata)
#include "test_image_metadata.moc"
