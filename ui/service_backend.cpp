#include "ui/service_backend.h"

namespace archival::ui {

using pipeline::GenerationService;

ServiceBackend::ServiceBackend(GenerationService* service,
                               std::shared_ptr<pipeline::PipelineFactory> factory, QObject* parent)
    : StudioBackend(parent), service_(service), factory_(std::move(factory)) {
    connect(service_, &GenerationService::queued, this, &StudioBackend::queued);
    connect(service_, &GenerationService::started, this, &StudioBackend::started);
    connect(service_, &GenerationService::stage, this, &StudioBackend::stage);
    connect(service_, &GenerationService::progress, this, &StudioBackend::progress);
    connect(service_, &GenerationService::finished, this, &StudioBackend::finished);
    connect(service_, &GenerationService::failed, this, &StudioBackend::failed);
    connect(service_, &GenerationService::cancelled, this, &StudioBackend::cancelled);
}

pipeline::JobId ServiceBackend::submit(const pipeline::JobRequest& request) {
    return service_->submit(request);
}

bool ServiceBackend::cancel(pipeline::JobId job) {
    return service_->cancel(job);
}

pipeline::ProgramRegistry ServiceBackend::registry() const {
    return service_->registry();
}

pipeline::ModelResolution ServiceBackend::resolve(const pipeline::Program& program) const {
    return factory_->resolve(program);
}

pipeline::MemoryStats ServiceBackend::memoryStats() const {
    return factory_->memoryStats();
}

void ServiceBackend::clearCache() {
    factory_->clearCache();
}

pipeline::FactorySettings ServiceBackend::factorySettings() const {
    return factory_->settings();
}

void ServiceBackend::setFactorySettings(const pipeline::FactorySettings& settings) {
    factory_->setSettings(settings);
}

void ServiceBackend::setServiceSettings(const pipeline::ServiceSettings& settings) {
    service_->setSettings(settings);
}

}  // namespace archival::ui
