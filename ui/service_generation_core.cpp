#include "ui/service_generation_core.h"

namespace archival::ui {

using pipeline::GenerationService;

ServiceGenerationCore::ServiceGenerationCore(GenerationService* service,
                                             std::shared_ptr<pipeline::PipelineFactory> factory,
                                             QObject* parent)
    : GenerationCore(parent), service_(service), factory_(std::move(factory)) {
    connect(service_, &GenerationService::queued, this, &GenerationCore::queued);
    connect(service_, &GenerationService::started, this, &GenerationCore::started);
    connect(service_, &GenerationService::stage, this, &GenerationCore::stage);
    connect(service_, &GenerationService::progress, this, &GenerationCore::progress);
    connect(service_, &GenerationService::finished, this, &GenerationCore::finished);
    connect(service_, &GenerationService::failed, this, &GenerationCore::failed);
    connect(service_, &GenerationService::cancelled, this, &GenerationCore::cancelled);
}

pipeline::JobId ServiceGenerationCore::submit(const pipeline::JobRequest& request) {
    return service_->submit(request);
}

bool ServiceGenerationCore::cancel(pipeline::JobId job) {
    return service_->cancel(job);
}

pipeline::ProgramRegistry ServiceGenerationCore::registry() const {
    return service_->registry();
}

pipeline::ModelResolution ServiceGenerationCore::resolve(const pipeline::Program& program) const {
    return factory_->resolve(program);
}

pipeline::MemoryStats ServiceGenerationCore::memoryStats() const {
    return factory_->memoryStats();
}

void ServiceGenerationCore::clearCache() {
    factory_->clearCache();
}

pipeline::FactorySettings ServiceGenerationCore::factorySettings() const {
    return factory_->settings();
}

void ServiceGenerationCore::setFactorySettings(const pipeline::FactorySettings& settings) {
    factory_->setSettings(settings);
}

void ServiceGenerationCore::setServiceSettings(const pipeline::ServiceSettings& settings) {
    service_->setSettings(settings);
}

}  // namespace archival::ui
