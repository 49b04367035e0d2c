#pragma once
// The batch queue and the exhibition host inside the studio: their panels dock beside the
// gallery, and settings the curator applies reach them at once. The queue, its uploader and
// the host are built by the application (app/studio_assembly) and handed in; this only shows
// them and passes changes on: new R2 settings saved in the batch panel retarget the queue's
// uploads, a new host address in the Settings dialog restarts a running host there.

#include <QObject>
#include <QPointer>

class QDockWidget;

namespace archival::adapters {
class BatchDestination;
struct R2Settings;
namespace host {
class ExhibitionHost;
struct ListenAddress;
}  // namespace host
}  // namespace archival::adapters

namespace archival::ui {

class BatchPanel;
class HostPanel;
class MainWindow;

class StudioPanels : public QObject {
    Q_OBJECT
  public:
    // `batch` and `host` must outlive this.
    StudioPanels(MainWindow* window, adapters::BatchDestination* batch,
                 adapters::host::ExhibitionHost* host, QObject* parent = nullptr);
    ~StudioPanels() override;

    BatchPanel* batchPanel() const;
    HostPanel* hostPanel() const;

  private:
    void retargetBatch(const adapters::R2Settings& r2);
    void moveHost(const adapters::host::ListenAddress& address);
    void showMessage(const QString& text, int ms);

    MainWindow* window_;
    adapters::BatchDestination* batch_;
    adapters::host::ExhibitionHost* host_;
    QPointer<BatchPanel> batchPanel_;
    QPointer<HostPanel> hostPanel_;
    QPointer<QDockWidget> batchDock_;
    QPointer<QDockWidget> hostDock_;
};

}  // namespace archival::ui
