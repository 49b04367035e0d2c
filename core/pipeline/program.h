#pragma once
// One named program (P0, P2, ...): everything that decides how a prompt becomes an image.
// Programs come only from the registry (resources/programs.json + the user's file).

#include <QList>
#include <QSize>
#include <QString>

namespace archival::pipeline {

struct LoraRef {
    QString path;
    double scale = 1.0;
};

struct Program {
    QString id;
    QString title;
    QString model;   // e.g. "stabilityai/stable-diffusion-3.5-large-turbo"
    QString family;  // "sd3" or "sd15"
    QString kind;    // "text-to-image" or "image-to-image"
    int steps = 0;
    double guidance = 0.0;
    QSize size;             // fixed size, or empty when `sizes` is used
    QList<QSize> sizes;     // size drawn per seed from this list
    double strength = 0.0;  // image-to-image only
    QString sampler;
    QString promptTemplate;  // contains "{prompt}"
    QString negativePrompt;
    QList<LoraRef> loras;
    QString seedPolicy;  // "random" or "fixed"
    qint64 seed = -1;    // with "fixed"
    QString source;      // "built-in" or the user file it came from
    QString modelPath;   // where the model lives, when a programs file says so
                         // ("model_locations"); empty: found by the model resolver

    // The prompt as sent to the model.
    QString applyTemplate(const QString& prompt) const;
    // The image size for a seed: the fixed size, or a deterministic draw from `sizes`, so
    // that a set generated again from its seeds has the same formats.
    QSize sizeForSeed(quint64 seed) const;
    QString sizeText() const;
};

}  // namespace archival::pipeline
