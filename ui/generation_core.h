#pragma once
// What the window needs from the generation core: the pipeline service's calls and signals,
// and the factory's memory stats and cache. The window talks only to this interface, so the
// same window runs on the real service (ServiceGenerationCore) and, in fast tests, on a scripted
// one.

#include <QObject>

#include "pipeline/errors.h"
#include "pipeline/generation_job.h"
#include "pipeline/generation_service.h"
#include "pipeline/pipeline_factory.h"
#include "pipeline/program_registry.h"

namespace archival::ui {

class GenerationCore : public QObject {
    Q_OBJECT
  public:
    using QObject::QObject;

    virtual pipeline::JobId submit(const pipeline::JobRequest& request) = 0;
    virtual bool cancel(pipeline::JobId job) = 0;
    virtual pipeline::ProgramRegistry registry() const = 0;
    // Where a program's model is (or where it was looked for), as the factory will load it.
    virtual pipeline::ModelResolution resolve(const pipeline::Program& program) const = 0;
    virtual pipeline::MemoryStats memoryStats() const = 0;
    virtual void clearCache() = 0;
    // Where the factory looks for models and on what device it runs (clears the cache when
    // these change) and how often previews come. Applied to jobs submitted from now on.
    virtual pipeline::FactorySettings factorySettings() const = 0;
    virtual void setFactorySettings(const pipeline::FactorySettings& settings) = 0;
    virtual void setServiceSettings(const pipeline::ServiceSettings& settings) = 0;

  Q_SIGNALS:
    void queued(archival::pipeline::JobId job, int position);
    void started(archival::pipeline::JobId job);
    void stage(archival::pipeline::JobId job, const QString& stage, int index, int count);
    void progress(archival::pipeline::JobId job, int step, int total, const QImage& preview);
    void finished(archival::pipeline::JobId job, const archival::pipeline::JobResult& result);
    void failed(archival::pipeline::JobId job, const archival::pipeline::Error& error);
    void cancelled(archival::pipeline::JobId job);
};

}  // namespace archival::ui
