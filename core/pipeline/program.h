#pragma once
// One named program (P0, P2, ...): everything that decides how a prompt becomes an image.
// Programs come only from the registry (resources/programs.json + the user's file).

#include <QList>
#include <QSize>
#include <QString>
#include <QStringList>
#include <optional>

namespace archival::pipeline {

struct LoraRef {
    QString path;  // the file; for a program, empty while its asset is missing
    double scale = 1.0;
    QString name;  // as the programs file names it (an asset name or a path); empty: `path`
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
    QList<QSize> sizes;     // size drawn per set id (or seed) from this list
    double strength = 0.0;  // image-to-image only
    // The program's own source image ("init_image"), an asset name or a path; empty: the
    // request brings one. `initImage` is the file found for it (empty while missing).
    QString initImageName;
    QString initImage;
    QString sampler;
    QString promptTemplate;  // contains "{prompt}"
    QString negativePrompt;
    QList<LoraRef> loras;
    QString seedPolicy;  // "random" or "fixed"
    qint64 seed = -1;    // with "fixed"
    QString source;      // "built-in" or the user file it came from
    QString modelPath;   // where the model lives, when a programs file says so
                         // ("model_locations"); empty: found by the model resolver
    // One line per asset (source image, LoRA) that was not found, naming where it was
    // looked for. A program with any is unavailable: requests for it fail with MissingAsset.
    QStringList assetProblems;

    bool available() const { return assetProblems.isEmpty(); }

    // The prompt as sent to the model.
    QString applyTemplate(const QString& prompt) const;
    // The size asked for: the fixed size, or from `sizes` exactly as the reference service
    // picks it (Python's random.seed(setId) then random.choice(sizes)); without a set id the
    // job's seed takes its place, so a job generated again from its seed has the same size.
    QSize sizeFor(std::optional<qint64> setId, quint64 seed) const;
    // The size the model can make: width and height rounded down to the family's multiple.
    QSize sizeMade(const QSize& asked) const;
    // 16 for SD 3 (VAE ×8, then patches of 2), 8 for SD 1.5 (VAE ×8).
    int sizeMultiple() const;
    QString sizeText() const;
};

}  // namespace archival::pipeline
