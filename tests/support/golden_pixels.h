#pragma once
// Reads what the end-to-end goldens hold for tests above the engine (Qt only, no libtorch):
// the `__metadata__` strings and U8 tensors of a .safetensors file, and the pixel check the
// fixtures README asks for (|a-b| <= 1 everywhere, at most 0.5 % of the values off by one).

#include <QByteArray>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QtEndian>
#include <cstdlib>

#include "test_support.h"

namespace archival::test {

struct GoldenFile {
    QJsonObject header;
    QByteArray data;  // the byte buffer after the header
    QString error;

    static GoldenFile read(const QString& path) {
        GoldenFile g;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            g.error = f.errorString();
            return g;
        }
        const QByteArray all = f.readAll();
        if (all.size() < 8) {
            g.error = QStringLiteral("short file");
            return g;
        }
        const auto n = qFromLittleEndian<quint64>(all.constData());
        g.header = QJsonDocument::fromJson(all.mid(8, qsizetype(n))).object();
        g.data = all.mid(8 + qsizetype(n));
        return g;
    }

    QString meta(const QString& key) const {
        return header.value(QStringLiteral("__metadata__")).toObject().value(key).toString();
    }

    // An RGB image from a U8 tensor shaped [H, W, 3] or [1, H, W, 3].
    QImage rgbImage(const QString& name) const {
        const QJsonObject t = header.value(name).toObject();
        if (t.value(QStringLiteral("dtype")).toString() != QLatin1String("U8")) return {};
        const auto shape = t.value(QStringLiteral("shape")).toArray();
        const int h = shape.at(shape.size() - 3).toInt(), w = shape.at(shape.size() - 2).toInt();
        const auto offsets = t.value(QStringLiteral("data_offsets")).toArray();
        const QByteArray bytes =
            data.mid(qsizetype(offsets.at(0).toDouble()),
                     qsizetype(offsets.at(1).toDouble() - offsets.at(0).toDouble()));
        QImage img(w, h, QImage::Format_RGB888);
        for (int y = 0; y < h; ++y)
            memcpy(img.scanLine(y), bytes.constData() + qsizetype(y) * w * 3, size_t(w) * 3);
        return img;
    }
};

// Empty when `actual` matches `expected` within the README's bounds, else what is off.
inline QString comparePixels(const QImage& actualIn, const QImage& expectedIn) {
    const QImage a = actualIn.convertToFormat(QImage::Format_RGB888);
    const QImage e = expectedIn.convertToFormat(QImage::Format_RGB888);
    if (a.size() != e.size())
        return QStringLiteral("size %1x%2, expected %3x%4")
            .arg(a.width())
            .arg(a.height())
            .arg(e.width())
            .arg(e.height());
    int offByOne = 0, worst = 0;
    const int values = a.width() * a.height() * 3;
    for (int y = 0; y < a.height(); ++y) {
        const uchar* pa = a.constScanLine(y);
        const uchar* pe = e.constScanLine(y);
        for (int x = 0; x < a.width() * 3; ++x) {
            const int d = std::abs(int(pa[x]) - int(pe[x]));
            worst = std::max(worst, d);
            if (d == 1) ++offByOne;
        }
    }
    if (worst > 1 || offByOne * 200 > values)
        return QStringLiteral("largest difference %1, %2 of %3 values off by one")
            .arg(worst)
            .arg(offByOne)
            .arg(values);
    return {};
}

// tests/data/programs-tiny.json names its models through ${ARCHIVAL_FIXTURES}: make sure
// the variable is set (to the default fixtures folder when the caller left it unset).
inline QString tinyProgramsFile() {
    if (qEnvironmentVariableIsEmpty("ARCHIVAL_FIXTURES"))
        qputenv("ARCHIVAL_FIXTURES", fixturesDir().toLocal8Bit());
    return QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/data/programs-tiny.json");
}

// tests/data/programs-seed-tiny.json: the seed's six programs over the tiny models, its
// assets in tests/data/assets (made by tests/data/make_seed_assets.py).
inline QString seedTinyProgramsFile() {
    tinyProgramsFile();  // sets ARCHIVAL_FIXTURES when unset
    return QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/data/programs-seed-tiny.json");
}

}  // namespace archival::test
