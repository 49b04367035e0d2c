#pragma once
// A GenerationCore that plays a job the way the service reports one (queued, started, three
// loading stages, one progress signal per step with a small preview, finished with images
// and metadata) from a timer, so window tests run in milliseconds without a model.

#include <QColor>
#include <QDateTime>
#include <QImage>
#include <QTimer>
#include <optional>

#include "pipeline/studio_settings.h"
#include "ui/generation_core.h"

namespace archival::test {

class ScriptedGenerationCore : public ui::GenerationCore {
    Q_OBJECT
  public:
    explicit ScriptedGenerationCore(pipeline::ProgramRegistry registry, QObject* parent = nullptr)
        : GenerationCore(parent), registry_(std::move(registry)) {
        // Built from the settings, as the application builds the real factory.
        factory = pipeline::factorySettingsFromSettings(QSettings());
        timer_.setInterval(stepMs);
        connect(&timer_, &QTimer::timeout, this, &ScriptedGenerationCore::tick);
    }

    int stepMs = 15;
    std::optional<pipeline::Error> failWith;  // the next job fails at its first step
    QList<pipeline::JobRequest> requests;
    int clearCacheCalls = 0;
    pipeline::FactorySettings factory;
    pipeline::ServiceSettings service;
    int factorySettingsCalls = 0;

    pipeline::JobId submit(const pipeline::JobRequest& request) override {
        requests << request;
        job_ = ++lastId_;
        step_ = -3;  // three loading stages first
        const pipeline::Program* p = registry_.find(request.programId);
        total_ = request.steps.value_or(p ? p->steps : 4);
        timer_.setInterval(stepMs);
        const pipeline::JobId id = job_;
        QTimer::singleShot(0, this, [this, id] {
            Q_EMIT queued(id, 0);
            Q_EMIT started(id);
            timer_.start();
        });
        return id;
    }
    bool cancel(pipeline::JobId job) override {
        if (job != job_ || !timer_.isActive()) return false;
        timer_.stop();
        job_ = 0;
        QTimer::singleShot(0, this, [this, job] { Q_EMIT cancelled(job); });
        return true;
    }
    pipeline::ProgramRegistry registry() const override { return registry_; }
    pipeline::ModelResolution resolve(const pipeline::Program& p) const override {
        pipeline::ModelLocations loc = factory.locations;
        if (!p.modelPath.isEmpty()) loc.explicitPaths.insert(p.model, p.modelPath);
        return pipeline::ModelResolver(loc).resolve(p.model, p.family);
    }
    pipeline::MemoryStats memoryStats() const override {
        pipeline::MemoryStats s;
        s.rssBytes = 812ull << 20;
        s.peakRssBytes = 1300ull << 20;
        s.budgetBytes = 12ull << 30;
        if (clearCacheCalls == 0 && !requests.isEmpty()) {
            pipeline::CachedPipelineInfo c;
            c.modelId = QStringLiteral("runwayml/stable-diffusion-v1-5");
            c.family = QStringLiteral("sd15");
            c.device = QStringLiteral("cpu");
            c.dtype = QStringLiteral("float32");
            c.bytes = 420ull << 20;
            s.cached << c;
        }
        return s;
    }
    void clearCache() override { ++clearCacheCalls; }
    pipeline::FactorySettings factorySettings() const override { return factory; }
    void setFactorySettings(const pipeline::FactorySettings& s) override {
        factory = s;
        ++factorySettingsCalls;
    }
    void setServiceSettings(const pipeline::ServiceSettings& s) override { service = s; }

  private:
    void tick() {
        const pipeline::JobId id = job_;
        if (!id) return;
        ++step_;
        if (step_ <= 0) {
            static const char* names[] = {"text encoder", "UNet", "VAE"};
            Q_EMIT stage(id, QString::fromLatin1(names[step_ + 2]), step_ + 3, 3);
            return;
        }
        if (failWith) {
            timer_.stop();
            job_ = 0;
            const pipeline::Error e = *failWith;
            failWith.reset();
            Q_EMIT failed(id, e);
            return;
        }
        if (step_ <= total_) {
            QImage preview(24, 20, QImage::Format_RGB888);
            preview.fill(QColor::fromHsv((step_ * 300 / total_) % 360, 150, 200));
            Q_EMIT progress(id, step_, total_, preview);
            return;
        }
        timer_.stop();
        job_ = 0;
        const pipeline::JobRequest& r = requests.last();
        const pipeline::Program* p = registry_.find(r.programId);
        pipeline::JobResult result;
        result.job = id;
        const QSize size = r.size.value_or(QSize(96, 64));
        QImage img(size, QImage::Format_RGB888);
        for (int y = 0; y < img.height(); ++y)
            for (int x = 0; x < img.width(); ++x)
                img.setPixelColor(x, y, QColor(x * 255 / img.width(), y * 255 / img.height(), 140));
        pipeline::ImageMetadata md;
        md.programId = r.programId;
        md.promptTyped = r.prompt;
        md.promptSent = p ? p->applyTemplate(r.prompt) : r.prompt;
        md.negativePrompt = r.negativePrompt.value_or(p ? p->negativePrompt : QString());
        md.seed = r.seed.value_or(1000 + id);
        md.steps = total_;
        md.guidance = r.guidance.value_or(p ? p->guidance : 7.5);
        md.sampler = p ? p->sampler : QString();
        md.width = size.width();
        md.height = size.height();
        md.modelId = p ? p->model : QString();
        md.modelHash = QStringLiteral("0123456789");
        md.device = QStringLiteral("cpu");
        md.dtype = QStringLiteral("float32");
        md.totalSeconds = 0.4;
        md.denoiseSeconds = 0.3;
        md.timestamp = QDateTime::currentDateTimeUtc();
        result.images << img;
        result.metadata << md;
        Q_EMIT finished(id, result);
    }

    pipeline::ProgramRegistry registry_;
    QTimer timer_;
    pipeline::JobId lastId_ = 0;
    pipeline::JobId job_ = 0;
    int step_ = 0;
    int total_ = 0;
};

}  // namespace archival::test
