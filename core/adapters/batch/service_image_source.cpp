#include "adapters/batch/service_image_source.h"

#include "pipeline/job_plan.h"
#include "pipeline/pipeline_factory.h"

namespace archival::adapters {

using pipeline::Error;
using pipeline::ErrorCode;
using pipeline::JobId;

ServiceImageSource::ServiceImageSource(pipeline::GenerationService& service, QObject* parent)
    : ImageSource(parent), service_(service) {
    using S = pipeline::GenerationService;
    connect(&service_, &S::finished, this, [this](JobId job, const pipeline::JobResult& result) {
        if (jobs_.remove(job)) Q_EMIT finished(job, result.images, result.metadata);
    });
    connect(&service_, &S::failed, this, [this](JobId job, const Error& error) {
        if (jobs_.remove(job)) Q_EMIT failed(job, error);
    });
    connect(&service_, &S::cancelled, this, [this](JobId job) {
        if (jobs_.remove(job))
            Q_EMIT failed(job, {ErrorCode::Interrupted, QStringLiteral("cancelled")});
    });
    connect(&service_, &S::progress, this,
            [this](JobId job, int step, int total, const QImage& preview, double) {
                if (jobs_.contains(job)) Q_EMIT progress(job, step, total, preview);
            });
}

std::optional<Error> ServiceImageSource::checkProgram(const QString& programId,
                                                      const SetOverrides& overrides) const {
    const auto registry = service_.registry();
    const pipeline::Program* program = registry.find(programId);
    if (!program)
        return Error{
            ErrorCode::InvalidRequest,
            QStringLiteral("unknown program '%1' (see `archival-studio programs`)").arg(programId)};
    // An image-to-image program runs in a batch when it has its own source image (the
    // seed's P2 and P2B): a set is made from a prompt alone.
    if (program->kind == QLatin1String("image-to-image") && program->initImageName.isEmpty())
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("program '%1' is image-to-image without a source image of "
                                    "its own; batch sets are made from a prompt alone: choose "
                                    "a text-to-image program or one with an init_image")
                         .arg(programId)};
    if (!program->available())
        return Error{ErrorCode::MissingAsset,
                     QStringLiteral("program '%1' is unavailable: %2")
                         .arg(programId, program->assetProblems.join(QStringLiteral("; ")))};
    if (bool(overrides.width) != bool(overrides.height) && !program->size.isValid())
        return Error{ErrorCode::InvalidRequest,
                     QStringLiteral("program '%1' draws its size from a list: give both width "
                                    "and height, or neither")
                         .arg(programId)};
    return std::nullopt;
}

std::optional<quint64> ServiceImageSource::fixedSeed(const QString& programId) const {
    const auto registry = service_.registry();
    const pipeline::Program* program = registry.find(programId);
    if (program && program->seedPolicy == QLatin1String("fixed") && program->seed >= 0)
        return quint64(program->seed);
    return std::nullopt;
}

int ServiceImageSource::maxBatch(const QString& programId, int wanted) const {
    const auto registry = service_.registry();
    const pipeline::Program* program = registry.find(programId);
    if (!program) return 1;
    // The largest size the program can draw decides what fits.
    QSize size = program->size;
    for (const QSize& s : program->sizes)
        if (s.width() * s.height() > size.width() * size.height()) size = s;
    const int capped = std::min(wanted, pipeline::kMaxImagesPerJob);
    return std::max(1, service_.factory().maxBatch(*program, size.width(), size.height(), capped));
}

bool ServiceImageSource::sizePerSet(const QString& programId) const {
    const auto registry = service_.registry();
    const pipeline::Program* program = registry.find(programId);
    return program && !program->sizes.isEmpty();
}

quint64 ServiceImageSource::start(const ImageBatchRequest& request) {
    pipeline::JobRequest job;
    job.programId = request.programId;
    job.prompt = request.prompt;
    job.overridePrompt = request.overrides.prompt;
    job.steps = request.overrides.steps;
    job.guidance = request.overrides.guidance;
    job.strength = request.overrides.strength;
    if (request.overrides.width || request.overrides.height) {
        // One side given: the other stays the program's.
        const auto registry = service_.registry();
        const pipeline::Program* program = registry.find(request.programId);
        const QSize base = program ? program->size : QSize();
        job.size = QSize(request.overrides.width.value_or(base.width()),
                         request.overrides.height.value_or(base.height()));
    }
    job.setId = request.setId;
    job.everyStep = request.everyStep;
    job.seed = request.seed;
    job.count = request.count;
    job.exactBatch = true;  // a set made again after a crash must have the same pixels
    job.priority = pipeline::JobPriority::Batch;
    job.owner = request.owner;
    const JobId id = service_.submit(job);
    jobs_.insert(id);
    return id;
}

void ServiceImageSource::cancel(quint64 ticket) {
    service_.cancel(ticket);
}

pipeline::MemoryStats ServiceImageSource::memoryStats() const {
    return service_.factory().memoryStats();
}

quint64 ServiceImageSource::clearUnusedModels() {
    // Asking for the whole budget evicts every pipeline no job holds (an unlimited budget
    // never stops the eviction early); one in use stays for its job.
    pipeline::PipelineFactory& factory = service_.factory();
    return factory.trim(factory.budgetBytes());
}

}  // namespace archival::adapters
