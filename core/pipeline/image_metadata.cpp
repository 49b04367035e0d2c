#include "pipeline/image_metadata.h"

#include <QBuffer>
#include <QImageReader>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace archival::pipeline {
namespace {
const QString kChunkKey = QStringLiteral("archival-studio");
}

QJsonObject ImageMetadata::toJson() const {
    QJsonArray loraArray;
    for (const auto& l : loras) loraArray.append(QJsonObject{{"path", l.path}, {"scale", l.scale}});
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
    for (const auto& v : o.value("loras").toArray())
        m.loras.append(
            {v.toObject().value("path").toString(), v.toObject().value("scale").toDouble()});
    m.strength = o.value("strength").toDouble();
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
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    QImageWriter writer(&file, "png");
    writer.setText(kChunkKey, QString::fromUtf8(
                                  QJsonDocument(metadata.toJson()).toJson(QJsonDocument::Compact)));
    writer.setText(QStringLiteral("parameters"), metadata.a1111Parameters());
    if (!writer.write(image)) {
        file.cancelWriting();
        return QStringLiteral("cannot encode %1: %2").arg(path, writer.errorString());
    }
    if (!file.commit()) return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

bool readPngMetadata(const QString& path, ImageMetadata* out, QString* error) {
    QImageReader reader(path, "png");
    const QString text = reader.text(kChunkKey);
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
