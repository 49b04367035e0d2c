#include "pipeline/job_plan.h"

#include <QRandomGenerator>

namespace archival::pipeline {
namespace {

Error invalid(const QString& message) {
    return {ErrorCode::InvalidRequest, message};
}

}  // namespace

ImageMetadata JobPlan::baseMetadata() const {
    ImageMetadata m;
    m.programId = program.id;
    m.promptTyped = promptTyped;
    m.promptSent = promptSent;
    m.negativePrompt = negativePrompt;
    m.seed = seed;
    m.steps = steps;
    m.guidance = guidance;
    m.sampler = sampler;
    m.width = size.width();
    m.height = size.height();
    m.requestedWidth = requestedSize.width();
    m.requestedHeight = requestedSize.height();
    m.initImage = initImageAsset;
    m.modelId = program.model;
    m.loras = program.loras;
    m.strength = strength;
    return m;
}

std::optional<Error> planJob(const Program& program, const JobRequest& request, JobPlan* plan,
                             const QImage& programImage) {
    // An override is the whole prompt sent; the typed prompt may then be empty.
    const QString sent =
        request.overridePrompt ? *request.overridePrompt : program.applyTemplate(request.prompt);
    const QString checked = request.overridePrompt ? *request.overridePrompt : request.prompt;
    if (checked.trimmed().isEmpty()) return invalid(QStringLiteral("the prompt is empty"));
    if (checked.size() > kMaxPromptCharacters)
        return invalid(QStringLiteral("the prompt has %1 characters; at most %2 are accepted")
                           .arg(checked.size())
                           .arg(kMaxPromptCharacters));
    if (request.count < 1 || request.count > kMaxImagesPerJob)
        return invalid(QStringLiteral("a job makes 1 to %1 images, not %2")
                           .arg(kMaxImagesPerJob)
                           .arg(request.count));
    const bool img2img = program.kind == QLatin1String("image-to-image");
    const bool ownImage = img2img && request.initImage.isNull() && !programImage.isNull();
    if (img2img && request.initImage.isNull() && !ownImage)
        return invalid(
            QStringLiteral("program %1 reworks an image: choose an init image").arg(program.id));
    if (!img2img && !request.initImage.isNull())
        return invalid(
            QStringLiteral("program %1 is text-to-image and takes no init image").arg(program.id));

    JobPlan p;
    p.program = program;
    p.promptTyped = request.prompt;
    p.promptSent = sent;
    p.negativePrompt = request.negativePrompt.value_or(program.negativePrompt);
    if (request.seed)
        p.seed = *request.seed;
    else if (program.seedPolicy == QLatin1String("fixed") && program.seed >= 0)
        p.seed = static_cast<quint64>(program.seed);
    else
        p.seed = QRandomGenerator::global()->bounded(Q_UINT64_C(1) << 32);  // short to type

    p.steps = request.steps.value_or(program.steps);
    if (p.steps < 1 || p.steps > 150)
        return invalid(QStringLiteral("steps must be 1 to 150, not %1").arg(p.steps));
    p.guidance = request.guidance.value_or(program.guidance);
    if (!(p.guidance >= 0.0 && p.guidance <= 30.0))
        return invalid(QStringLiteral("guidance must be 0 to 30, not %1").arg(p.guidance));
    // A size from the program (fixed or from its list) the family cannot take is rounded
    // down to the family's multiple, as the reference's formats (600 for SD 3) need; a size
    // the caller gives explicitly must already fit: the caller is told rather than surprised.
    p.requestedSize = request.size.value_or(program.sizeFor(request.setId, p.seed));
    p.size = request.size ? p.requestedSize : program.sizeMade(p.requestedSize);
    const int multiple = program.sizeMultiple();
    if (p.size.width() < multiple || p.size.height() < multiple || p.size.width() > 4096 ||
        p.size.height() > 4096 || p.size.width() % multiple || p.size.height() % multiple)
        return invalid(QStringLiteral("size %1x%2: width and height must be at most 4096 and "
                                      "multiples of %3 for this model")
                           .arg(p.size.width())
                           .arg(p.size.height())
                           .arg(multiple));
    p.sampler = program.sampler;
    p.strength = img2img ? request.strength.value_or(program.strength) : 0.0;
    if (img2img && !(p.strength > 0.0 && p.strength <= 1.0))
        return invalid(
            QStringLiteral("strength must be above 0 and at most 1, not %1").arg(p.strength));
    p.count = request.count;
    p.initImage = ownImage ? programImage : request.initImage;
    if (ownImage) p.initImageAsset = program.initImageName;
    p.everyStep = request.everyStep;
    *plan = p;
    return std::nullopt;
}

}  // namespace archival::pipeline
