#pragma once
// The window's job from submit to saved images: it submits the request to the generation
// core, follows its stages and steps in the preview and the progress bar, shows the final
// image, saves every image with its metadata into the output folder and adds it to the
// gallery; a failure or a cancel ends the job with a message. One job at a time.

#include <QObject>
#include <QStringList>

#include "pipeline/errors.h"
#include "pipeline/generation_job.h"

class QAction;
class QProgressBar;

namespace archival::ui {

class GalleryPanel;
class GenerationCore;
class ImageSaver;
class MemoryPanel;
class PreviewView;

class JobController : public QObject {
    Q_OBJECT
  public:
    // What the job shows itself in; owned by the window.
    struct Views {
        PreviewView* preview = nullptr;
        QProgressBar* progress = nullptr;
        GalleryPanel* gallery = nullptr;
        MemoryPanel* memory = nullptr;
        QAction* generate = nullptr;  // enabled while idle
        QAction* cancel = nullptr;    // enabled while busy
    };

    JobController(GenerationCore* core, Views views, QObject* parent = nullptr);

    // Submits `request` (a checked one: the window validates it first).
    void submit(const pipeline::JobRequest& request);
    // Asks the core to cancel the current job; the job ends when the core says so.
    void cancel();
    bool isBusy() const { return currentJob_ != 0; }
    pipeline::JobId currentJob() const { return currentJob_; }
    void setOutputFolder(const QString& folder) { outputFolder_ = folder; }

  Q_SIGNALS:
    void statusChanged(const QString& text);
    void errorRaised(const QString& html);
    // A job's images are on disk and in the gallery.
    void imagesSaved(const QStringList& paths);

  private:
    void setBusy(bool busy);
    void onStarted(pipeline::JobId job);
    void onStage(pipeline::JobId job, const QString& stage, int index, int count);
    void onProgress(pipeline::JobId job, int step, int total, const QImage& preview);
    void onFinished(pipeline::JobId job, const pipeline::JobResult& result);
    void onFailed(pipeline::JobId job, const pipeline::Error& error);
    void onCancelled(pipeline::JobId job);

    GenerationCore* core_;
    Views views_;
    ImageSaver* saver_;
    QString outputFolder_;
    pipeline::JobId currentJob_ = 0;
    QStringList savedThisJob_;
    int imagesToSave_ = 0;
};

}  // namespace archival::ui
