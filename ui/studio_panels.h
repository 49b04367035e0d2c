#pragma once
// The batch queue and the exhibition host inside the studio: both run on the window's
// generation service, and their panels dock beside the gallery. The host starts only when
// the curator switches it on in its panel; the queue resumes what a previous run left and
// uploads once the R2 settings and key are complete.

#include <QDockWidget>
#include <QObject>
#include <QPointer>
#include <memory>

namespace archival::pipeline {
class GenerationService;
}
namespace archival::adapters {
class BatchQueue;
class S3Client;
class ServiceImageSource;
namespace host {
class ExhibitionHost;
class ServiceJobRunner;
}  // namespace host
}  // namespace archival::adapters

namespace archival::ui {

class MainWindow;

class StudioPanels : public QObject {
    Q_OBJECT
  public:
    StudioPanels(MainWindow* window, pipeline::GenerationService* service,
                 QObject* parent = nullptr);
    ~StudioPanels() override;

  private:
    void connectUploader();

    MainWindow* window_;
    QPointer<QDockWidget> batchDock_;
    QPointer<QDockWidget> hostDock_;
    std::unique_ptr<adapters::ServiceImageSource> source_;
    std::unique_ptr<adapters::BatchQueue> queue_;
    std::unique_ptr<adapters::S3Client> uploader_;
    std::unique_ptr<adapters::host::ServiceJobRunner> hostJobRunner_;
    std::unique_ptr<adapters::host::ExhibitionHost> host_;
};

}  // namespace archival::ui
