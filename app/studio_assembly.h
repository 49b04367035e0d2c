#pragma once
// The studio assembled in one place. Every front end (the window, generate, batch, serve)
// runs on the same core built from the user's settings: program registry → pipeline
// factory → generation service. The window adds the batch queue with its R2 uploader and
// the exhibition host, all on that one service; the UI receives them and only shows them.
//
//   CoreOptions options;
//   options.programsFile = file;
//   StudioCore core = assembleStudioCore(QSettings(), options);
//   core.service->submit(request);

#include <QSettings>
#include <QString>
#include <QStringList>
#include <memory>
#include <optional>

#include "pipeline/generation_service.h"
#include "pipeline/pipeline_factory.h"
#include "pipeline/program_registry.h"

namespace archival::adapters {
class BatchDestination;
class ServiceImageSource;
namespace host {
class ExhibitionHost;
class ServiceJobRunner;
}  // namespace host
}  // namespace archival::adapters

namespace archival::app {

// What a command changes of the user's settings for its run; empty keeps the settings'.
struct CoreOptions {
    QString programsFile;  // empty: the user's programs.json
    QString device;        // auto, cpu, cuda, cuda:N
    QString dtype;         // auto, fp32, fp16, bf16
    bool withoutT5 = false;
    std::optional<bool> previews;  // step previews: the screens want them, a terminal not
};

// The generation core: one registry, the factory that loads its models, the service that
// runs jobs on them.
struct StudioCore {
    pipeline::ProgramRegistry registry;
    std::shared_ptr<pipeline::PipelineFactory> factory;
    std::unique_ptr<pipeline::GenerationService> service;
};

StudioCore assembleStudioCore(const QSettings& settings, const CoreOptions& options = {});

// The window's services beside the core: the batch queue (over the service, resumed from
// disk) bound to the R2 destination in the settings, and the exhibition host (off until the
// curator switches it on) on the address in the settings.
class StudioServices {
  public:
    StudioServices(pipeline::GenerationService* service, const QSettings& settings);
    ~StudioServices();
    StudioServices(const StudioServices&) = delete;
    StudioServices& operator=(const StudioServices&) = delete;

    adapters::BatchDestination* batch() const { return batch_.get(); }
    adapters::host::ExhibitionHost* host() const { return host_.get(); }
    // What resuming the queue found wrong with records on disk.
    QStringList batchProblems() const { return batchProblems_; }

  private:
    // Destroyed in reverse order: the host before its job runner, the queue before the image
    // source it generates with.
    std::unique_ptr<adapters::ServiceImageSource> imageSource_;
    std::unique_ptr<adapters::BatchDestination> batch_;
    std::unique_ptr<adapters::host::ServiceJobRunner> hostJobs_;
    std::unique_ptr<adapters::host::ExhibitionHost> host_;
    QStringList batchProblems_;
};

}  // namespace archival::app
