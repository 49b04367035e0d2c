#pragma once
// The batch queue's images from the generation service: one job per batched pass, at batch
// priority (interactive and display jobs go first), owned by "batch:<action>" so a cancel
// of the action reaches only its jobs.

#include <QHash>

#include "adapters/batch/image_source.h"
#include "pipeline/generation_service.h"

namespace archival::adapters {

class ServiceImageSource : public ImageSource {
    Q_OBJECT
  public:
    explicit ServiceImageSource(pipeline::GenerationService& service, QObject* parent = nullptr);

    std::optional<pipeline::Error> checkProgram(const QString& programId,
                                                const SetOverrides& overrides) const override;
    std::optional<quint64> fixedSeed(const QString& programId) const override;
    int maxBatch(const QString& programId, int wanted) const override;
    bool sizePerSet(const QString& programId) const override;
    quint64 start(const ImageBatchRequest& request) override;
    void cancel(quint64 ticket) override;
    pipeline::MemoryStats memoryStats() const override;
    quint64 clearUnusedModels() override;

  private:
    pipeline::GenerationService& service_;
    QSet<pipeline::JobId> jobs_;
};

}  // namespace archival::adapters
