#include "pipeline/image_metadata.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>
#include <QtEndian>

#include <zlib.h>

namespace archival::pipeline {
namespace {
const QString kChunkKey = QStringLiteral("archival-studio");

QByteArray pngChunk(const QByteArray& type, const QByteArray& data) {
    QByteArray chunk;
    chunk.reserve(12 + data.size());
    const quint32 length = qToBigEndian(static_cast<quint32>(data.size()));
    chunk.append(reinterpret_cast<const char*>(&length), 4);
    chunk.append(type).append(data);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.constData() + 4), uInt(4 + data.size()));
    const quint32 crcBig = qToBigEndian(static_cast<quint32>(crc));
    chunk.append(reinterpret_cast<const char*>(&crcBig), 4);
    return chunk;
}

// A text chunk as the wider ecosystem writes it: tEXt when the text is Latin-1, else iTXt
// (UTF-8). Written by hand because Qt's PNG writer folds newlines and runs of spaces, which
// would break the A1111 "parameters" lines and change prompts.
QByteArray textChunk(const QString& key, const QString& text, bool forceUtf8) {
    bool latin1 = !forceUtf8;
    for (const QChar c : text)
        if (c.unicode() > 0xff) latin1 = false;
    if (latin1) return pngChunk("tEXt", key.toLatin1() + '\0' + text.toLatin1());
    // keyword, 0, compression flag 0, method 0, empty language, 0, empty translation, 0, text
    return pngChunk("iTXt", key.toLatin1() + QByteArray("\0\0\0\0\0", 5) + text.toUtf8());
}

// Inserts chunks right after IHDR (signature 8 bytes + IHDR 25 bytes), before the image
// data, where readers that stop at the pixels (Qt's among them) still find them.
QByteArray withTextChunks(QByteArray png, const QByteArray& chunks) {
    constexpr int kAfterHeader = 8 + 25;
    png.insert(kAfterHeader, chunks);
    return png;
}

}  // namespace

QString ImageMetadata::loraFileName(const LoraRef& lora) {
    return QFileInfo(lora.path.isEmpty() ? lora.name : lora.path).fileName();
}

QJsonObject ImageMetadata::toJson() const {
    // LoRAs by file name: this metadata goes into PNGs and meta.json files that leave the
    // machine (screens, uploads), and a local path tells a stranger about its folders.
    QJsonArray loraArray;
    for (const auto& l : loras)
        loraArray.append(QJsonObject{{"name", loraFileName(l)}, {"scale", l.scale}});
    QJsonObject o{{"program", programId},
                  {"prompt", promptTyped},
                  {"prompt_sent", promptSent},
                  {"negative_prompt", negativePrompt},
                  // JSON numbers are doubles: a 64-bit seed travels as text to stay exact.
                  {"seed", QString::number(seed)},
                  {"steps", steps},
                  {"guidance", guidance},
                  {"sampler", sampler},
                  {"width", width},
                  {"height", height},
                  {"model", modelId},
                  {"model_hash", modelHash},
                  {"loras", loraArray},
                  {"device", device},
                  {"dtype", dtype},
                  {"timings", QJsonObject{{"text_encode_s", textEncodeSeconds},
                                          {"denoise_s", denoiseSeconds},
                                          {"decode_s", decodeSeconds},
                                          {"total_s", totalSeconds}}},
                  {"app_version", appVersion},
                  {"timestamp", timestamp.toUTC().toString(Qt::ISODateWithMs)},
                  {"index_in_batch", indexInBatch},
                  {"batch_size", batchSize}};
    if (strength > 0) o.insert("strength", strength);
    // Written always, so a reader need not know that older files lack them.
    o.insert("requested_width", requestedWidth > 0 ? requestedWidth : width);
    o.insert("requested_height", requestedHeight > 0 ? requestedHeight : height);
    if (!initImage.isEmpty()) o.insert("init_image", initImage);
    return o;
}

ImageMetadata ImageMetadata::fromJson(const QJsonObject& o) {
    ImageMetadata m;
    m.programId = o.value("program").toString();
    m.promptTyped = o.value("prompt").toString();
    m.promptSent = o.value("prompt_sent").toString();
    m.negativePrompt = o.value("negative_prompt").toString();
    m.seed = o.value("seed").toString().toULongLong();
    m.steps = o.value("steps").toInt();
    m.guidance = o.value("guidance").toDouble();
    m.sampler = o.value("sampler").toString();
    m.width = o.value("width").toInt();
    m.height = o.value("height").toInt();
    m.modelId = o.value("model").toString();
    m.modelHash = o.value("model_hash").toString();
    for (const auto& v : o.value("loras").toArray()) {
        // Files written before names replaced paths keep their path (they are local).
        const QJsonObject l = v.toObject();
        LoraRef ref{l.value("path").toString(), l.value("scale").toDouble(),
                    l.value("name").toString()};
        if (ref.name.isEmpty()) ref.name = QFileInfo(ref.path).fileName();
        m.loras.append(ref);
    }
    m.strength = o.value("strength").toDouble();
    // Files written before these fields existed: the size asked was the size made.
    m.requestedWidth = o.value("requested_width").toInt(m.width);
    m.requestedHeight = o.value("requested_height").toInt(m.height);
    m.initImage = o.value("init_image").toString();
    m.device = o.value("device").toString();
    m.dtype = o.value("dtype").toString();
    const QJsonObject t = o.value("timings").toObject();
    m.textEncodeSeconds = t.value("text_encode_s").toDouble();
    m.denoiseSeconds = t.value("denoise_s").toDouble();
    m.decodeSeconds = t.value("decode_s").toDouble();
    m.totalSeconds = t.value("total_s").toDouble();
    m.appVersion = o.value("app_version").toString();
    m.timestamp = QDateTime::fromString(o.value("timestamp").toString(), Qt::ISODateWithMs);
    m.indexInBatch = o.value("index_in_batch").toInt();
    m.batchSize = o.value("batch_size").toInt(1);
    return m;
}

QString ImageMetadata::a1111Parameters() const {
    QString s = promptSent;
    if (!negativePrompt.isEmpty()) s += QStringLiteral("\nNegative prompt: ") + negativePrompt;
    s += QStringLiteral("\nSteps: %1, Sampler: %2, CFG scale: %3, Seed: %4, Size: %5x%6, Model: %7")
             .arg(steps)
             .arg(sampler)
             .arg(guidance)
             .arg(seed)
             .arg(width)
             .arg(height)
             .arg(modelId);
    if (!modelHash.isEmpty()) s += QStringLiteral(", Model hash: ") + modelHash;
    if (strength > 0) s += QStringLiteral(", Denoising strength: %1").arg(strength);
    if (batchSize > 1)
        s += QStringLiteral(", Batch size: %1, Batch pos: %2").arg(batchSize).arg(indexInBatch);
    return s;
}

QString writePngWithMetadata(const QString& path, const QImage& image,
                             const ImageMetadata& metadata) {
    QSaveFile file(path);
    // Unbuffered: buffered, a full disk shows only in commit(), which does not report the
    // failed flush and replaces the file with a truncated one.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered))
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    QBuffer encoded;
    encoded.open(QIODevice::WriteOnly);
    QImageWriter writer(&encoded, "png");
    if (!writer.write(image)) {
        file.cancelWriting();
        return QStringLiteral("cannot encode %1: %2").arg(path, writer.errorString());
    }
    const QByteArray json = QJsonDocument(metadata.toJson()).toJson(QJsonDocument::Compact);
    const QByteArray chunks =
        textChunk(kChunkKey, QString::fromUtf8(json), /*forceUtf8=*/true) +
        textChunk(QStringLiteral("parameters"), metadata.a1111Parameters(), false);
    const QByteArray png = withTextChunks(encoded.data(), chunks);
    if (file.write(png) != png.size() || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

namespace {

QByteArray inflate(const QByteArray& in) {
    z_stream z{};
    if (inflateInit(&z) != Z_OK) return {};
    QByteArray out;
    char buffer[16384];
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.constData()));
    z.avail_in = uInt(in.size());
    int rc = Z_OK;
    while (rc == Z_OK && out.size() < (64 << 20)) {
        z.next_out = reinterpret_cast<Bytef*>(buffer);
        z.avail_out = sizeof buffer;
        rc = ::inflate(&z, Z_NO_FLUSH);
        out.append(buffer, int(sizeof buffer - z.avail_out));
    }
    inflateEnd(&z);
    return rc == Z_STREAM_END ? out : QByteArray();
}

}  // namespace

QMap<QString, QString> readPngText(const QString& path, QString* error) {
    QMap<QString, QString> texts;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("cannot read %1: %2").arg(path, f.errorString());
        return texts;
    }
    const QByteArray png = f.readAll();
    if (!png.startsWith("\x89PNG\r\n\x1a\n")) {
        if (error) *error = QStringLiteral("%1 is not a PNG file").arg(path);
        return texts;
    }
    qsizetype at = 8;
    while (at + 12 <= png.size()) {
        const quint32 length = qFromBigEndian<quint32>(png.constData() + at);
        const QByteArray type = png.mid(at + 4, 4);
        if (length > quint32(png.size() - at - 12)) break;  // truncated: keep what was read
        const QByteArray data = png.mid(at + 8, qsizetype(length));
        at += 12 + qsizetype(length);
        const qsizetype nul = data.indexOf('\0');
        if (nul <= 0) continue;
        const QString key = QString::fromLatin1(data.left(nul));
        if (type == "tEXt") {
            texts.insert(key, QString::fromLatin1(data.mid(nul + 1)));
        } else if (type == "zTXt") {
            texts.insert(key, QString::fromLatin1(inflate(data.mid(nul + 2))));
        } else if (type == "iTXt" && nul + 2 < data.size()) {
            const bool compressed = data.at(nul + 1) != 0;
            const qsizetype language = data.indexOf('\0', nul + 3);
            const qsizetype translated = language < 0 ? -1 : data.indexOf('\0', language + 1);
            if (translated < 0) continue;
            const QByteArray text = data.mid(translated + 1);
            texts.insert(key, QString::fromUtf8(compressed ? inflate(text) : text));
        } else if (type == "IEND") {
            break;
        }
    }
    return texts;
}

bool readPngMetadata(const QString& path, ImageMetadata* out, QString* error) {
    const QString text = readPngText(path, error).value(kChunkKey);
    if (text.isEmpty()) {
        if (error) *error = QStringLiteral("%1 has no Archival Studio metadata").arg(path);
        return false;
    }
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject()) {
        if (error) *error = QStringLiteral("%1: metadata is not valid JSON").arg(path);
        return false;
    }
    *out = ImageMetadata::fromJson(doc.object());
    return true;
}

}  // namespace archival::pipeline
