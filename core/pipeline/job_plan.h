#pragma once
// Turns a program and a job request into exactly what runs: the seed (given, the program's
// fixed one, or drawn), the size (override or the program's, per seed), the prompt as sent,
// steps, guidance, sampler, LoRAs. Checks the request the way a curator would be told.

#include <QImage>
#include <QSize>
#include <QString>
#include <optional>

#include "pipeline/errors.h"
#include "pipeline/generation_job.h"
#include "pipeline/image_metadata.h"
#include "pipeline/program.h"

namespace archival::pipeline {

struct JobPlan {
    Program program;
    QString promptTyped;
    QString promptSent;
    QString negativePrompt;
    quint64 seed = 0;
    QSize size;           // as made (a multiple the family takes)
    QSize requestedSize;  // as asked: the program's (or size list's) or the request's
    int steps = 0;
    double guidance = 0;
    QString sampler;
    double strength = 0;  // image-to-image only
    int count = 1;
    QImage initImage;
    QString initImageAsset;  // the program's own source image, when the job uses it
    bool everyStep = false;  // JobRequest::everyStep

    // Metadata shared by every image of the job (timings, model hash, device, index and
    // timestamp are filled in when it has run).
    ImageMetadata baseMetadata() const;
};

constexpr int kMaxImagesPerJob = 16;
constexpr int kMaxPromptCharacters = 4000;

// Fills `plan`, or returns an InvalidRequest error naming what is wrong. An image-to-image
// request with no init image uses the program's own source image, which the caller loads
// into `programImage` (see GenerationService); a request's own image takes precedence.
std::optional<Error> planJob(const Program& program, const JobRequest& request, JobPlan* plan,
                             const QImage& programImage = QImage());

}  // namespace archival::pipeline
