#include "pipeline/generation_service.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QImageReader>
#include <QMutex>
#include <QMutexLocker>
#include <QWaitCondition>
#include <algorithm>
#include <thread>

#include "engine/errors.h"
#include "engine/generation.h"
#include "pipeline/engine_bridge.h"
#include "pipeline/job_plan.h"
#include "pipeline/pipeline_factory.h"

namespace archival::pipeline {

// Owns the queue and the worker thread. Everything the worker reports reaches the service's
// thread as a queued call, so receivers never run on the worker and generation never waits
// for them.
class GenerationService::Worker {
  public:
    Worker(GenerationService* q, ProgramRegistry registry, std::shared_ptr<PipelineFactory> factory)
        : q_(q), registry_(std::move(registry)), factory_(std::move(factory)) {
        thread_ = std::thread([this] { run(); });
    }

    ~Worker() {
        {
            QMutexLocker lock(&mutex_);
            stopping_ = true;
            queue_.clear();
            if (running_) running_->token->cancel();
        }
        wake_.wakeAll();
        thread_.join();
    }

    JobId submit(const JobRequest& request) {
        QMutexLocker lock(&mutex_);
        const JobId id = nextId_++;
        Queued job{id, request, order_++};
        // Keep the queue sorted: priority class first, then arrival.
        auto at = std::upper_bound(queue_.begin(), queue_.end(), job,
                                   [](const Queued& a, const Queued& b) {
                                       return std::make_pair(int(a.request.priority), a.order) <
                                              std::make_pair(int(b.request.priority), b.order);
                                   });
        const int position = int(at - queue_.begin()) + (running_ ? 1 : 0);
        queue_.insert(at, job);
        post([q = q_, id, position] { Q_EMIT q->queued(id, position); });
        wake_.wakeOne();
        return id;
    }

    bool cancel(JobId id) {
        QMutexLocker lock(&mutex_);
        return cancelLocked([id](JobId job, const QString&) { return job == id; }) > 0;
    }

    int cancelOwner(const QString& owner) {
        QMutexLocker lock(&mutex_);
        return cancelLocked([&owner](JobId, const QString& o) { return o == owner; });
    }

    int cancelAll() {
        QMutexLocker lock(&mutex_);
        return cancelLocked([](JobId, const QString&) { return true; });
    }

    int position(JobId id) const {
        QMutexLocker lock(&mutex_);
        if (running_ && running_->id == id) return 0;
        for (int i = 0; i < queue_.size(); ++i)
            if (queue_[i].id == id) return i + 1;
        return -1;
    }

    int queuedCount() const {
        QMutexLocker lock(&mutex_);
        return queue_.size();
    }

    bool busy() const {
        QMutexLocker lock(&mutex_);
        return running_.has_value() || !queue_.isEmpty();
    }

    ProgramRegistry registry() const {
        QMutexLocker lock(&mutex_);
        return registry_;
    }
    void setRegistry(const ProgramRegistry& r) {
        QMutexLocker lock(&mutex_);
        registry_ = r;
    }
    ServiceSettings settings() const {
        QMutexLocker lock(&mutex_);
        return settings_;
    }
    void setSettings(const ServiceSettings& s) {
        QMutexLocker lock(&mutex_);
        settings_ = s;
    }
    PipelineFactory& factory() const { return *factory_; }

  private:
    struct Queued {
        JobId id;
        JobRequest request;
        quint64 order;
    };
    struct Running {
        JobId id;
        QString owner;
        std::shared_ptr<engine::CancellationToken> token;
    };
    // The newest step not yet delivered: a slow receiver sees fewer, never older, updates.
    struct PendingProgress {
        JobId job = 0;
        int step = 0;
        int total = 0;
        double timestep = 0;
        QImage preview;
        bool posted = false;
    };

    template <typename F>
    void post(F&& f) {
        QMetaObject::invokeMethod(q_, std::forward<F>(f), Qt::QueuedConnection);
    }

    template <typename Match>
    int cancelLocked(Match match) {
        int n = 0;
        for (int i = queue_.size() - 1; i >= 0; --i) {
            if (!match(queue_[i].id, queue_[i].request.owner)) continue;
            const JobId id = queue_[i].id;
            queue_.removeAt(i);
            post([q = q_, id] { Q_EMIT q->cancelled(id); });
            ++n;
        }
        if (running_ && match(running_->id, running_->owner) && !running_->token->cancelled()) {
            running_->token->cancel();  // the worker reports `cancelled` when the step ends
            ++n;
        }
        return n;
    }

    void run() {
        for (;;) {
            Queued job;
            {
                QMutexLocker lock(&mutex_);
                while (queue_.isEmpty() && !stopping_) wake_.wait(&mutex_);
                if (stopping_) return;
                job = queue_.takeFirst();
                running_ = Running{job.id, job.request.owner,
                                   std::make_shared<engine::CancellationToken>()};
            }
            execute(job);
            QMutexLocker lock(&mutex_);
            running_.reset();
        }
    }

    void execute(const Queued& job) {
        const JobId id = job.id;
        post([q = q_, id] { Q_EMIT q->started(id); });
        std::shared_ptr<engine::CancellationToken> token;
        ProgramRegistry registry;
        {
            QMutexLocker lock(&mutex_);
            token = running_->token;
            registry = registry_;
        }
        try {
            JobResult result = generate(id, job.request, registry, *token);
            post([q = q_, id, result] { Q_EMIT q->finished(id, result); });
        } catch (const PipelineError& e) {
            report(id, e.error(), *token);
        } catch (const engine::EngineError& e) {
            report(id, fromEngineError(e), *token);
        } catch (const std::bad_alloc&) {
            report(id, {ErrorCode::OutOfMemory, QStringLiteral("the computer ran out of memory")},
                   *token);
        } catch (const std::exception& e) {
            report(id, {ErrorCode::Internal, QString::fromUtf8(e.what())}, *token);
        }
    }

    void report(JobId id, const Error& error, const engine::CancellationToken& token) {
        if (error.code == ErrorCode::Interrupted || token.cancelled())
            post([q = q_, id] { Q_EMIT q->cancelled(id); });
        else
            post([q = q_, id, error] { Q_EMIT q->failed(id, error); });
    }

    JobResult generate(JobId id, const JobRequest& request, const ProgramRegistry& registry,
                       const engine::CancellationToken& token) {
        const Program* program = registry.find(request.programId);
        if (!program)
            throw PipelineError(
                {ErrorCode::InvalidRequest,
                 QStringLiteral("there is no program \"%1\"").arg(request.programId)});
        if (!program->available())
            throw PipelineError(
                {ErrorCode::MissingAsset,
                 QStringLiteral("program %1 cannot run: %2")
                     .arg(program->id, program->assetProblems.join(QStringLiteral("; ")))});
        JobPlan plan;
        if (auto error = planJob(*program, request, &plan, programImage(*program, request)))
            throw PipelineError(*error);

        QElapsedTimer clock;
        clock.start();
        const auto lease = factory_->acquire(
            plan.program, [this, id](const QString& component, int index, int count) {
                post([q = q_, id, component, index, count] {
                    Q_EMIT q->stage(id, QObject::tr("Loading %1").arg(component), index, count);
                });
            });
        if (token.cancelled())
            throw PipelineError({ErrorCode::Interrupted, QStringLiteral("cancelled")});

        const QString dtype = dtypeText(lease.pipeline->dtype());
        QStringList warnings;
        int batch = plan.count;
        const int w = plan.size.width(), h = plan.size.height();
        if (!factory_->fits(plan.program.family, w, h, batch, dtype)) {
            factory_->trim(
                PipelineFactory::estimateWorkingBytes(plan.program.family, w, h, batch, dtype));
            if (!request.exactBatch) batch = factory_->maxBatch(plan.program, w, h, batch);
            if (!factory_->fits(plan.program.family, w, h, batch, dtype))
                throw PipelineError(outOfMemory(plan, batch));
            if (batch < plan.count)
                warnings
                    << QObject::tr("made in batches of %1 to fit the memory budget").arg(batch);
        }

        JobResult result;
        result.job = id;
        bool retried = false;
        for (;;) {
            try {
                runInBatches(id, plan, lease, batch, token, clock, &result);
                break;
            } catch (const engine::EngineError& e) {
                if (e.kind() != engine::ErrorKind::OutOfMemory || retried) throw;
                // Out of device memory: free what other models hold and try once more,
                // smaller unless the images must come from one pass.
                retried = true;
                factory_->trim(std::numeric_limits<quint64>::max() / 2);
                if (!request.exactBatch) {
                    batch = std::max(1, batch / 2);
                    warnings
                        << QObject::tr("ran out of memory; retried in batches of %1").arg(batch);
                }
                result.images.clear();
                result.metadata.clear();
            }
        }
        result.warnings = warnings + result.warnings;
        result.warnings.removeDuplicates();
        return result;
    }

    // The program's own source image, when an image-to-image request brings none (exhibition
    // screens and batch callers send none); null otherwise.
    static QImage programImage(const Program& program, const JobRequest& request) {
        if (program.kind != QLatin1String("image-to-image") || !request.initImage.isNull() ||
            program.initImage.isEmpty())
            return {};
        QImageReader reader(program.initImage);
        QImage image = reader.read();
        if (image.isNull())
            throw PipelineError({ErrorCode::MissingAsset,
                                 QStringLiteral("program %1: cannot read its source image %2: %3")
                                     .arg(program.id, program.initImage, reader.errorString())});
        return image;
    }

    Error outOfMemory(const JobPlan& plan, int batch) const {
        const double need = double(PipelineFactory::estimateWorkingBytes(
                                plan.program.family, plan.size.width(), plan.size.height(), batch,
                                QStringLiteral("fp32"))) /
                            double(1ULL << 30);
        return {ErrorCode::OutOfMemory,
                QObject::tr("a %1x%2 image needs about %3 GiB more than the memory budget "
                            "allows next to the loaded models; choose a smaller size, clear "
                            "the model cache or raise the budget in the settings")
                    .arg(plan.size.width())
                    .arg(plan.size.height())
                    .arg(need, 0, 'f', 1)};
    }

    // Runs the plan's images in passes of `batch`; pass k starts from seed + k * batch so each
    // pass is reproducible from the seed written into its images.
    void runInBatches(JobId id, const JobPlan& plan, const PipelineFactory::Lease& lease, int batch,
                      const engine::CancellationToken& token, const QElapsedTimer& clock,
                      JobResult* result) {
        std::optional<engine::Image> init;
        if (!plan.initImage.isNull()) init = toEngineImage(plan.initImage);
        // The program's sampler name (checked by the registry); an unknown one is an
        // InvalidRequest naming the engine's samplers.
        const engine::Sampler sampler = engine::parseSampler(plan.sampler.toStdString());
        const std::string prompt = plan.promptSent.toStdString();
        const std::string negative = plan.negativePrompt.toStdString();
        std::vector<engine::LoraRequest> loras;
        for (const auto& l : plan.program.loras) loras.push_back({l.path.toStdString(), l.scale});

        for (int first = 0; first < plan.count; first += batch) {
            const int n = std::min(batch, plan.count - first);
            engine::GenerationRequest req;
            req.prompt = prompt;
            req.negativePrompt = negative;
            req.width = plan.size.width();
            req.height = plan.size.height();
            req.steps = plan.steps;
            req.guidance = plan.guidance;
            req.sampler = sampler;
            req.seed = plan.seed + static_cast<quint64>(first);
            req.batch = n;
            req.initImage = init;
            req.strength = plan.strength;
            req.loras = loras;

            engine::GenerationHooks hooks;
            hooks.cancel = &token;  // outlives generate(): the worker holds it for the job
            const ServiceSettings settings = this->settings();
            hooks.previews = settings.previews;
            QElapsedTimer sincePreview;
            hooks.onStep = [&](const engine::StepProgress& p) {
                if (result->secondsToFirstStep == 0)
                    result->secondsToFirstStep = double(clock.nsecsElapsed()) / 1e9;
                QImage preview;
                if (!p.preview.empty() && (plan.everyStep || !sincePreview.isValid() ||
                                           sincePreview.elapsed() >= settings.previewIntervalMs)) {
                    preview = toQImage(p.preview);
                    sincePreview.start();
                }
                if (plan.everyStep) {
                    post([q = q_, id, step = p.step, total = p.total, t = p.timestep, preview] {
                        Q_EMIT q->progress(id, step, total, preview, t);
                    });
                } else {
                    deliverProgress(id, p.step, p.total, preview, p.timestep);
                }
            };
            hooks.onStage = [this, id](const std::string& stage) {
                const QString text = QString::fromStdString(stage);
                post([q = q_, id, text] { Q_EMIT q->stage(id, text, 0, 0); });
            };

            const engine::GenerationResult out = lease.pipeline->generate(req, hooks);
            ImageMetadata base = plan.baseMetadata();
            base.seed = req.seed;
            base.batchSize = n;
            base.modelHash = lease.modelHash;
            base.device = deviceText(lease.pipeline->device());
            base.dtype = dtypeText(lease.pipeline->dtype());
            base.textEncodeSeconds = out.timings.textEncodeSeconds;
            base.denoiseSeconds = out.timings.denoiseSeconds;
            base.decodeSeconds = out.timings.decodeSeconds;
            base.totalSeconds = out.timings.totalSeconds;
            base.appVersion = QCoreApplication::applicationVersion();
            base.timestamp = QDateTime::currentDateTimeUtc();
            for (std::size_t i = 0; i < out.images.size(); ++i) {
                ImageMetadata m = base;
                m.indexInBatch = static_cast<int>(i);
                result->images.append(toQImage(out.images[i]));
                result->metadata.append(m);
            }
            for (const auto& w : out.warnings) result->warnings << QString::fromStdString(w);
            result->previewMethod = QString::fromStdString(out.previewMethod);
            result->promptTokens = out.promptTokens;
            result->promptTruncated = out.promptTruncated;
        }
    }

    void deliverProgress(JobId id, int step, int total, const QImage& preview, double timestep) {
        QMutexLocker lock(&progressMutex_);
        if (pending_.job != id) pending_.preview = QImage();
        pending_.job = id;
        pending_.step = step;
        pending_.total = total;
        pending_.timestep = timestep;
        if (!preview.isNull()) pending_.preview = preview;
        if (pending_.posted) return;
        pending_.posted = true;
        post([this] {
            PendingProgress p;
            {
                QMutexLocker lock(&progressMutex_);
                p = pending_;
                pending_.posted = false;
                pending_.preview = QImage();
            }
            Q_EMIT q_->progress(p.job, p.step, p.total, p.preview, p.timestep);
        });
    }

    GenerationService* q_;
    mutable QMutex mutex_;
    QWaitCondition wake_;
    QList<Queued> queue_;
    std::optional<Running> running_;
    ProgramRegistry registry_;
    ServiceSettings settings_;
    std::shared_ptr<PipelineFactory> factory_;
    JobId nextId_ = 1;
    quint64 order_ = 0;
    bool stopping_ = false;
    QMutex progressMutex_;
    PendingProgress pending_;
    std::thread thread_;
};

GenerationService::GenerationService(ProgramRegistry registry,
                                     std::shared_ptr<PipelineFactory> factory, QObject* parent)
    : QObject(parent) {
    qRegisterMetaType<JobId>("archival::pipeline::JobId");
    qRegisterMetaType<JobResult>("archival::pipeline::JobResult");
    qRegisterMetaType<Error>("archival::pipeline::Error");
    worker_ = std::make_unique<Worker>(this, std::move(registry), std::move(factory));
}

GenerationService::~GenerationService() {
    worker_.reset();
}

JobId GenerationService::submit(const JobRequest& request) {
    return worker_->submit(request);
}
bool GenerationService::cancel(JobId job) {
    return worker_->cancel(job);
}
int GenerationService::cancelOwner(const QString& owner) {
    return worker_->cancelOwner(owner);
}
void GenerationService::cancelAll() {
    worker_->cancelAll();
}
int GenerationService::position(JobId job) const {
    return worker_->position(job);
}
int GenerationService::queuedCount() const {
    return worker_->queuedCount();
}
bool GenerationService::isBusy() const {
    return worker_->busy();
}
ProgramRegistry GenerationService::registry() const {
    return worker_->registry();
}
void GenerationService::setRegistry(const ProgramRegistry& registry) {
    worker_->setRegistry(registry);
}
PipelineFactory& GenerationService::factory() const {
    return worker_->factory();
}
ServiceSettings GenerationService::settings() const {
    return worker_->settings();
}
void GenerationService::setSettings(const ServiceSettings& settings) {
    worker_->setSettings(settings);
}

}  // namespace archival::pipeline
