#include "studio_assembly.h"

#include "adapters/batch/batch_destination.h"
#include "adapters/batch/r2_settings.h"
#include "adapters/batch/service_image_source.h"
#include "adapters/host/exhibition_host.h"
#include "adapters/host/host_settings.h"
#include "adapters/host/service_job_runner.h"
#include "pipeline/studio_settings.h"

namespace archival::app {

StudioCore assembleStudioCore(const QSettings& settings, const CoreOptions& options) {
    StudioCore core;
    core.registry = pipeline::ProgramRegistry::load(
        options.programsFile.isEmpty() ? pipeline::ProgramRegistry::defaultUserFile()
                                       : options.programsFile,
        pipeline::assetPathsFromSettings(settings));
    pipeline::FactorySettings factorySettings = pipeline::factorySettingsFromSettings(settings);
    if (!options.device.isEmpty()) factorySettings.device = options.device;
    if (!options.dtype.isEmpty()) factorySettings.dtype = options.dtype;
    if (options.withoutT5) factorySettings.loadT5 = false;
    core.factory = std::make_shared<pipeline::PipelineFactory>(factorySettings);
    core.service = std::make_unique<pipeline::GenerationService>(core.registry, core.factory);
    pipeline::ServiceSettings serviceSettings = pipeline::serviceSettingsFromSettings(settings);
    if (options.previews) serviceSettings.previews = *options.previews;
    core.service->setSettings(serviceSettings);
    return core;
}

StudioServices::StudioServices(pipeline::GenerationService* service, const QSettings& settings) {
    imageSource_ = std::make_unique<adapters::ServiceImageSource>(*service);
    batch_ =
        std::make_unique<adapters::BatchDestination>(adapters::QueueSettings{}, imageSource_.get());
    batchProblems_ = batch_->retarget(adapters::R2Settings::load(settings));

    adapters::host::HostSettings hostSettings;
    adapters::host::ListenAddress::load(settings).applyTo(&hostSettings);
    hostJobs_ = std::make_unique<adapters::host::ServiceJobRunner>(service);
    host_ = std::make_unique<adapters::host::ExhibitionHost>(hostSettings, hostJobs_.get());
}

// Here, where the members' types are complete; their declaration order sets the teardown.
StudioServices::~StudioServices() = default;

}  // namespace archival::app
