#include "ui/job_controller.h"

#include <QAction>
#include <QFileInfo>
#include <QProgressBar>

#include "ui/error_text.h"
#include "ui/gallery_panel.h"
#include "ui/generation_core.h"
#include "ui/image_saver.h"
#include "ui/memory_panel.h"
#include "ui/preview_view.h"

namespace archival::ui {

JobController::JobController(GenerationCore* core, Views views, QObject* parent)
    : QObject(parent), core_(core), views_(views), saver_(new ImageSaver(this)) {
    connect(saver_, &ImageSaver::saved, this, [this](const QString& path, const QImage& image) {
        views_.gallery->addImage(path, image);
        savedThisJob_ << path;
        if (--imagesToSave_ == 0) {
            Q_EMIT statusChanged(tr("Saved %1").arg(QFileInfo(path).fileName()));
            Q_EMIT imagesSaved(savedThisJob_);
        }
    });
    connect(saver_, &ImageSaver::failed, this, [this](const QString& message) {
        imagesToSave_ = 0;
        Q_EMIT errorRaised(errorHtml({pipeline::ErrorCode::Storage, message}));
    });
    connect(core_, &GenerationCore::started, this, &JobController::onStarted);
    connect(core_, &GenerationCore::stage, this, &JobController::onStage);
    connect(core_, &GenerationCore::progress, this, &JobController::onProgress);
    connect(core_, &GenerationCore::finished, this, &JobController::onFinished);
    connect(core_, &GenerationCore::failed, this, &JobController::onFailed);
    connect(core_, &GenerationCore::cancelled, this, &JobController::onCancelled);
    setBusy(false);
}

void JobController::submit(const pipeline::JobRequest& request) {
    savedThisJob_.clear();
    currentJob_ = core_->submit(request);
    setBusy(true);
    views_.preview->startJob();
    Q_EMIT statusChanged(tr("Queued %1.").arg(request.programId));
}

void JobController::cancel() {
    if (!currentJob_) return;
    core_->cancel(currentJob_);
    Q_EMIT statusChanged(tr("Cancelling…"));
}

void JobController::setBusy(bool busy) {
    views_.generate->setEnabled(!busy);
    views_.cancel->setEnabled(busy);
    views_.progress->setVisible(busy);
    if (busy) {
        views_.progress->setRange(0, 0);  // busy until the first stage or step says how far
        views_.progress->setValue(0);
    }
}

void JobController::onStarted(pipeline::JobId job) {
    if (job != currentJob_) return;
    Q_EMIT statusChanged(tr("Started."));
}

void JobController::onStage(pipeline::JobId job, const QString& stage, int index, int count) {
    if (job != currentJob_) return;
    const QString text = count > 0 ? tr("Loading %1 (%2 of %3)").arg(stage).arg(index).arg(count)
                                   : tr("%1…").arg(stage);
    views_.progress->setRange(0, qMax(count, 0));
    views_.progress->setValue(qMax(index, 0));
    views_.progress->setFormat(QStringLiteral("%v / %m"));
    Q_EMIT statusChanged(text);
    views_.preview->showStage(text);
}

void JobController::onProgress(pipeline::JobId job, int step, int total, const QImage& preview) {
    if (job != currentJob_) return;
    views_.progress->setRange(0, total);
    views_.progress->setValue(step);
    views_.progress->setFormat(tr("step %v / %m"));
    views_.preview->showStep(step, total, preview);
    Q_EMIT statusChanged(views_.preview->statusText());
}

void JobController::onFinished(pipeline::JobId job, const pipeline::JobResult& result) {
    if (job != currentJob_) return;
    currentJob_ = 0;
    setBusy(false);
    if (result.images.isEmpty()) {
        Q_EMIT errorRaised(
            errorHtml({pipeline::ErrorCode::Internal, tr("The job returned no image.")}));
        return;
    }
    const pipeline::ImageMetadata md =
        result.metadata.isEmpty() ? pipeline::ImageMetadata{} : result.metadata.first();
    QString caption = tr("%1 · seed %2 · %3×%4 · %5 s")
                          .arg(md.programId)
                          .arg(md.seed)
                          .arg(result.images.first().width())
                          .arg(result.images.first().height())
                          .arg(md.totalSeconds, 0, 'f', 1);
    if (!result.warnings.isEmpty())
        caption += QStringLiteral(" · ") + result.warnings.join(QStringLiteral("; "));
    views_.preview->showFinal(result.images.first(), caption);
    imagesToSave_ = int(result.images.size());
    saver_->save(outputFolder_, result.images, result.metadata);
    Q_EMIT statusChanged(tr("Done; saving…"));
    if (views_.memory->isVisible()) views_.memory->refresh();
}

void JobController::onFailed(pipeline::JobId job, const pipeline::Error& error) {
    if (job != currentJob_) return;
    currentJob_ = 0;
    setBusy(false);
    views_.preview->showMessage(errorHeadline(error.code));
    Q_EMIT errorRaised(errorHtml(error));
    Q_EMIT statusChanged(errorLine(error));
}

void JobController::onCancelled(pipeline::JobId job) {
    if (job != currentJob_) return;
    currentJob_ = 0;
    setBusy(false);
    views_.preview->showMessage(tr("Cancelled."));
    Q_EMIT statusChanged(tr("Cancelled."));
}

}  // namespace archival::ui
