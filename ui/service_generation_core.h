#pragma once
// The window's core on the real pipeline service: forwards calls and signals.

#include <memory>

#include "ui/generation_core.h"

namespace archival::ui {

class ServiceGenerationCore : public GenerationCore {
    Q_OBJECT
  public:
    ServiceGenerationCore(pipeline::GenerationService* service,
                          std::shared_ptr<pipeline::PipelineFactory> factory,
                          QObject* parent = nullptr);

    pipeline::JobId submit(const pipeline::JobRequest& request) override;
    bool cancel(pipeline::JobId job) override;
    pipeline::ProgramRegistry registry() const override;
    pipeline::ModelResolution resolve(const pipeline::Program& program) const override;
    pipeline::MemoryStats memoryStats() const override;
    void clearCache() override;
    pipeline::FactorySettings factorySettings() const override;
    void setFactorySettings(const pipeline::FactorySettings& settings) override;
    void setServiceSettings(const pipeline::ServiceSettings& settings) override;

  private:
    pipeline::GenerationService* service_;
    std::shared_ptr<pipeline::PipelineFactory> factory_;
};

}  // namespace archival::ui
