#pragma once
// What is known about a generated image, written into its PNG (one JSON text chunk
// "archival-studio" plus an A1111-style "parameters" chunk, which the wider tool ecosystem
// reads) and into a batch set's metadata.json.

#include <QDateTime>
#include <QImage>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>

#include "pipeline/program.h"

namespace archival::pipeline {

struct ImageMetadata {
    QString programId;
    QString promptTyped;  // as the curator typed it
    QString promptSent;   // after the program's template
    QString negativePrompt;
    quint64 seed = 0;
    int steps = 0;
    double guidance = 0.0;
    QString sampler;
    int width = 0;  // the size made
    int height = 0;
    // The size asked for (the program's or the request's): larger than the size made when
    // the model could not take it and it was rounded down to the family's multiple.
    // 0 (a record made by hand): as made.
    int requestedWidth = 0;
    int requestedHeight = 0;
    QString initImage;  // the program's own source image (asset name), when it used one
    QString modelId;
    QString modelHash;  // short hash identifying the weights
    // Written as {"name": file name, "scale"}: never a local path (toJson()). Read back, a
    // LoRA has its name (and, from files written before, its path).
    QList<LoraRef> loras;
    double strength = 0.0;  // image-to-image only
    QString device;
    QString dtype;
    double textEncodeSeconds = 0, denoiseSeconds = 0, decodeSeconds = 0, totalSeconds = 0;
    QString appVersion;
    QDateTime timestamp;
    int indexInBatch = 0;
    int batchSize = 1;  // images drawn together from one seed (index_in_batch among them)

    QJsonObject toJson() const;
    // A LoRA's file name without its folder ("style.safetensors").
    static QString loraFileName(const LoraRef& lora);
    static ImageMetadata fromJson(const QJsonObject& obj);
    // "prompt\nNegative prompt: …\nSteps: 20, Sampler: …, CFG scale: 7.5, Seed: …, Size: WxH,
    // Model: …"
    QString a1111Parameters() const;
};

// Writes `image` as a PNG with the metadata chunks, atomically (QSaveFile: a killed
// process leaves the old file or none, never half a PNG). Returns an empty string on
// success, else a message naming the file and the reason.
QString writePngWithMetadata(const QString& path, const QImage& image,
                             const ImageMetadata& metadata);

// Every text chunk of a PNG (tEXt, zTXt, iTXt), exactly as stored (Qt's reader folds
// whitespace). Empty, with `error` set, when the file cannot be read or is no PNG.
QMap<QString, QString> readPngText(const QString& path, QString* error = nullptr);

// Reads the JSON chunk back; false when the file has none.
bool readPngMetadata(const QString& path, ImageMetadata* out, QString* error = nullptr);

}  // namespace archival::pipeline
