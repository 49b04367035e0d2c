#pragma once
// The curator's window. Programs and per-run overrides on the left, the prompt editor below,
// the live preview (beside the init image for image-to-image programs) in the middle, the
// gallery and memory on the right. Everything generates through the pipeline service
// (behind GenerationCore); the GUI thread only shows what the service reports. The job's
// course is JobController's, the docks' places DockLayout's, the error strip ErrorBanner's.

#include <QDockWidget>
#include <QHash>
#include <QMainWindow>
#include <memory>

#include "pipeline/generation_job.h"
#include "pipeline/model_resolver.h"
#include "ui/studio_settings.h"

class QAction;
class QLabel;
class QMenu;
class QProgressBar;
class QSplitter;

namespace archival::pipeline {
class PromptTokenCounter;
}

namespace archival::ui {

class DockLayout;
class ErrorBanner;
class GalleryPanel;
class InitImagePanel;
class JobController;
class MemoryPanel;
class PreviewView;
class ProgramPanel;
class PromptEditor;
class GenerationCore;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    // Settings come from QSettings (StudioSettings::load()).
    explicit MainWindow(GenerationCore* core, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Submits the current prompt with the selected program; false (and the reason shown)
    // when it cannot be run as set up.
    bool generate();
    void cancel();
    // Applies new settings now: model folders, device, previews, output folder; then
    // settingsApplied() for the host's address.
    void applySettings(const StudioSettings& settings);
    void openSettings();
    // "Use these settings again" for an image's metadata.
    void reuse(const pipeline::ImageMetadata& metadata);
    // Docks back where they start on a first run, sized for this screen.
    void resetLayout();
    // Another panel (the batch queue, the exhibition host) as a dock tabbed with the gallery;
    // its place from the last run comes back. The window takes ownership.
    QDockWidget* addPanelDock(QWidget* panel, const QString& title, const QString& objectName);

    bool isBusy() const;
    pipeline::JobId currentJob() const;
    const StudioSettings& settings() const { return settings_; }
    QString statusText() const;
    QString errorText() const;  // the error banner; empty when none
    QString modelStatusText() const;

    ProgramPanel* programPanel() const { return programPanel_; }
    PromptEditor* promptEditor() const { return promptEditor_; }
    PreviewView* preview() const { return preview_; }
    InitImagePanel* initImagePanel() const { return initPanel_; }
    GalleryPanel* gallery() const { return gallery_; }
    MemoryPanel* memoryPanel() const { return memory_; }
    QAction* generateAction() const { return generateAction_; }
    QAction* cancelAction() const { return cancelAction_; }

  Q_SIGNALS:
    // A job's images are on disk and in the gallery.
    void imagesSaved(const QStringList& paths);
    // New settings are saved and applied to the generation core; the studio's other
    // services (the exhibition host) take theirs from here.
    void settingsApplied(const archival::ui::StudioSettings& settings);

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    void buildActions();
    void buildDocks();
    void resolveModels();
    void programSelected(const QString& id);
    void showError(const QString& html);
    void clearError();
    void setStatus(const QString& text);

    GenerationCore* core_;
    StudioSettings settings_;
    QList<pipeline::ModelResolution> models_;
    QHash<QString, std::shared_ptr<pipeline::PromptTokenCounter>> counters_;  // by folder
    JobController* jobs_ = nullptr;
    DockLayout* layout_ = nullptr;

    ProgramPanel* programPanel_ = nullptr;
    PromptEditor* promptEditor_ = nullptr;
    PreviewView* preview_ = nullptr;
    InitImagePanel* initPanel_ = nullptr;
    GalleryPanel* gallery_ = nullptr;
    MemoryPanel* memory_ = nullptr;
    QSplitter* centralSplit_ = nullptr;
    ErrorBanner* errorBanner_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QProgressBar* progressBar_ = nullptr;
    QMenu* viewMenu_ = nullptr;

    QAction* generateAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QAction* zoomFitAction_ = nullptr;
    QAction* zoomActualAction_ = nullptr;
    QAction* settingsAction_ = nullptr;
    QAction* clearCacheAction_ = nullptr;
    QAction* resetLayoutAction_ = nullptr;
    QAction* quitAction_ = nullptr;
};

}  // namespace archival::ui
