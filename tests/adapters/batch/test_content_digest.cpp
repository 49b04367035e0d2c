// The content digest (adapters/batch/content_digest.h): the same pixels and metadata made at
// another time and speed digest the same; a pixel, a seed or a set number apart do not.
#include <QDateTime>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "adapters/batch/content_digest.h"
#include "pipeline/image_metadata.h"

using archival::adapters::contentDigest;
using archival::pipeline::ImageMetadata;

class TestContentDigest : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

    QByteArray png(const QImage& image, const ImageMetadata& metadata, const QString& name) {
        const QString path = dir_.filePath(name);
        const QString error = archival::pipeline::writePngWithMetadata(path, image, metadata);
        if (!error.isEmpty()) qFatal("%s", qPrintable(error));
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

    static QImage picture() {
        QImage image(16, 8, QImage::Format_RGB888);
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x) image.setPixel(x, y, qRgb(x * 15, y * 30, 7));
        return image;
    }

    static ImageMetadata metadata(double seconds, const QDateTime& when) {
        ImageMetadata m;
        m.programId = QStringLiteral("tiny");
        m.promptSent = QStringLiteral("ai conference");
        m.seed = 3000;
        m.steps = 2;
        m.width = 16;
        m.height = 8;
        m.textEncodeSeconds = seconds / 4;
        m.denoiseSeconds = seconds / 2;
        m.decodeSeconds = seconds / 4;
        m.totalSeconds = seconds;
        m.timestamp = when;
        return m;
    }

  private Q_SLOTS:
    void pngMadeAgainHasTheSameDigest() {
        const QDateTime first = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
        const QByteArray a = png(picture(), metadata(1.25, first), "a.png");
        const QByteArray b = png(picture(), metadata(2.5, first.addSecs(90)), "b.png");
        QVERIFY(a != b);
        QCOMPARE(contentDigest("final.png", a), contentDigest("final.png", b));
        QCOMPARE(contentDigest("final.png", a).size(), 64);
    }

    void pngWithOtherPixelsOrSeedDiffers() {
        const QDateTime when = QDateTime::fromSecsSinceEpoch(1700000000, Qt::UTC);
        const QByteArray a = png(picture(), metadata(1.0, when), "c.png");
        QImage other = picture();
        other.setPixel(3, 3, qRgb(0, 0, 0));
        const QByteArray pixel = png(other, metadata(1.0, when), "d.png");
        QVERIFY(contentDigest("final.png", a) != contentDigest("final.png", pixel));
        ImageMetadata reseeded = metadata(1.0, when);
        reseeded.seed = 3001;
        const QByteArray seed = png(picture(), reseeded, "e.png");
        QVERIFY(contentDigest("final.png", a) != contentDigest("final.png", seed));
    }

    void metaJsonIgnoresTimingsOnly() {
        const QJsonObject base{
            {"cue_id", "remade"},
            {"set_id", 0},
            {"durations", QJsonObject{{"2", 0.5}}},
            {"total_duration", 1.5},
            {"generated_at", "2026-12-05T00:00:00Z"},
            {"preview_urls", QJsonArray{QJsonObject{{"step", 1}, {"duration", 0.2}}}}};
        QJsonObject later = base;
        later["durations"] = QJsonObject{{"2", 0.7}};
        later["total_duration"] = 2.5;
        later["generated_at"] = "2026-12-05T00:01:00Z";
        later["preview_urls"] = QJsonArray{QJsonObject{{"step", 1}, {"duration", 0.9}}};
        QJsonObject otherSet = base;
        otherSet["set_id"] = 1;
        const auto digest = [](const QJsonObject& o) {
            return contentDigest("meta.json", QJsonDocument(o).toJson());
        };
        QCOMPARE(digest(base), digest(later));
        QVERIFY(digest(base) != digest(otherSet));
        // Whitespace is not content either.
        QVERIFY(digest(base) ==
                contentDigest("meta.json", QJsonDocument(base).toJson(QJsonDocument::Compact)));
    }

    void otherFilesAndBrokenOnesAreHashedWhole() {
        QVERIFY(contentDigest("1.jpg", "abc") != contentDigest("1.jpg", "abd"));
        QVERIFY(contentDigest("final.png", "not a png") != contentDigest("final.png", "not a pn"));
        QVERIFY(contentDigest("meta.json", "{broken") != contentDigest("meta.json", "{broke"));
    }
};

QTEST_GUILESS_MAIN(TestContentDigest)
#include "test_content_digest.moc"
