#pragma once
// What a caller asks the generation service for and what it gets back. Shared by every way
// in: the studio window, `generate` on the command line, the batch queue, the WebSocket host.

#include <QImage>
#include <QList>
#include <QMetaType>
#include <QSize>
#include <QString>
#include <QStringList>
#include <optional>

#include "pipeline/image_metadata.h"

namespace archival::pipeline {

using JobId = quint64;

// Queue order: interactive (the curator at the window) before display (exhibition screens)
// before batch (sets for upload); first come, first served within a class.
enum class JobPriority { Interactive = 0, Display = 1, Batch = 2 };

struct JobRequest {
    QString programId;
    QString prompt;               // as typed; the program's template is applied by the service
    // Used as the prompt sent, as is: the program's template is not applied.
    std::optional<QString> overridePrompt;
    std::optional<quint64> seed;  // none: the program's fixed seed, else a random one
    int count = 1;                // images, generated together in one batched pass
    QImage initImage;             // image-to-image programs: required
    // Per-run overrides that never edit the program.
    std::optional<int> steps;
    std::optional<double> guidance;
    std::optional<QSize> size;
    // A batch set's id: a program with a size list picks its size from it, the way the
    // reference service does (Python's random seeded with the set id). None: from the seed.
    std::optional<qint64> setId;
    std::optional<QString> negativePrompt;
    std::optional<double> strength;  // image-to-image: (0, 1]
    // The images must come from one pass of `count` (a seed and a count always give the same
    // pixels): fail with OutOfMemory rather than split the job into smaller passes.
    bool exactBatch = false;
    // Every step is delivered, in order, with its preview (when previews are on): no
    // throttling, no coalescing. For callers that relay or record each step (exhibition
    // screens on the live dialect, batch sets that upload one preview per step).
    bool everyStep = false;

    JobPriority priority = JobPriority::Interactive;
    QString owner;  // who asked ("gui", "cli", "ws:<client>", "batch:<action>"): cancelOwner()
};

struct JobResult {
    JobId job = 0;
    QList<QImage> images;           // RGB888
    QList<ImageMetadata> metadata;  // one per image
    QStringList warnings;           // prompt truncated, LoRA modules unmatched, smaller batch...
    QString previewMethod;
    int promptTokens = 0;
    bool promptTruncated = false;
    double secondsToFirstStep = 0;  // from the job starting (model load included)
};

}  // namespace archival::pipeline

Q_DECLARE_METATYPE(archival::pipeline::JobResult)
