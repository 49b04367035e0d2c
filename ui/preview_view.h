#pragma once
// The live preview: the step preview as it arrives, step k of N with elapsed and estimated
// remaining time, then the final image in its place. Zoom to fit or 100%.

#include <QElapsedTimer>
#include <QImage>
#include <QWidget>

class QLabel;

namespace archival::ui {

class ImageCanvas;

class PreviewView : public QWidget {
    Q_OBJECT
  public:
    explicit PreviewView(QWidget* parent = nullptr);

    // A job started: clears the step counter and starts the clock.
    void startJob();
    // Model loading or a stage (text encoding, decoding) before / between steps.
    void showStage(const QString& text);
    void showStep(int step, int total, const QImage& preview);
    void showFinal(const QImage& image, const QString& caption);
    void showMessage(const QString& text);  // cancelled, failed: keeps the last image

    ImageCanvas* canvas() const { return canvas_; }
    QString statusText() const;
    int lastStep() const { return step_; }
    int previewCount() const { return previews_; }

  private:
    ImageCanvas* canvas_;
    QLabel* status_;
    QElapsedTimer clock_;
    qint64 firstStepMs_ = -1;
    int step_ = 0;
    int previews_ = 0;
};

// "1:05" / "12 s": a short duration for a status line.
QString formatDuration(qint64 ms);

}  // namespace archival::ui
