#include "ui/preview_view.h"

#include <QLabel>
#include <QVBoxLayout>

#include "ui/image_canvas.h"

namespace archival::ui {

QString formatDuration(qint64 ms) {
    const qint64 s = (ms + 500) / 1000;
    if (s < 60) return PreviewView::tr("%1 s").arg(s);
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

PreviewView::PreviewView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("previewStatus"));
    status_->setAccessibleName(tr("Generation progress"));
    status_->setMargin(4);
    canvas_ = new ImageCanvas(this);
    canvas_->setObjectName(QStringLiteral("previewCanvas"));
    canvas_->setAccessibleName(tr("Preview"));
    canvas_->setPlaceholder(
        tr("Type a prompt and press Ctrl+Enter.\nEach step's preview appears here."));
    layout->addWidget(status_);
    layout->addWidget(canvas_, 1);
    status_->setText(tr("Result"));
}

void PreviewView::startJob() {
    clock_.start();
    firstStepMs_ = -1;
    step_ = 0;
    previews_ = 0;
    status_->setText(tr("Starting…"));
}

void PreviewView::showStage(const QString& text) {
    status_->setText(clock_.isValid()
                         ? tr("%1 · %2 elapsed").arg(text, formatDuration(clock_.elapsed()))
                         : text);
}

void PreviewView::showStep(int step, int total, const QImage& preview) {
    step_ = step;
    const qint64 now = clock_.isValid() ? clock_.elapsed() : 0;
    if (firstStepMs_ < 0) firstStepMs_ = now;
    QString text = tr("Step %1 of %2 · %3 elapsed").arg(step).arg(total).arg(formatDuration(now));
    // Estimate from the steps seen so far; the first step also carries warm-up, so the
    // rate is measured from its end.
    if (step > 1 && step < total) {
        const double perStep = double(now - firstStepMs_) / double(step - 1);
        text += tr(" · about %1 left").arg(formatDuration(qint64(perStep * (total - step))));
    }
    status_->setText(text);
    if (!preview.isNull()) {
        ++previews_;
        canvas_->setImage(preview);
    }
}

void PreviewView::showFinal(const QImage& image, const QString& caption) {
    canvas_->setImage(image);
    status_->setText(caption);
}

void PreviewView::showMessage(const QString& text) {
    status_->setText(text);
}

QString PreviewView::statusText() const {
    return status_->text();
}

}  // namespace archival::ui
