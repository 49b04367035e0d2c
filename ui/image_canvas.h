#pragma once
// Shows one image either scaled to fit the space (keeping its proportions) or at 100%
// (one image pixel per device pixel) inside a scroll area. Small step previews are
// scaled up smoothly so they read as a picture, not a mosaic.

#include <QImage>
#include <QScrollArea>

namespace archival::ui {

class ImageCanvas : public QScrollArea {
    Q_OBJECT
  public:
    enum class Zoom { Fit, Actual };

    explicit ImageCanvas(QWidget* parent = nullptr);

    void setImage(const QImage& image);
    QImage image() const { return image_; }
    void setZoom(Zoom zoom);
    Zoom zoom() const { return zoom_; }
    // Shown while there is no image.
    void setPlaceholder(const QString& text);

  private:
    class Surface;
    Surface* surface_;
    QImage image_;
    Zoom zoom_ = Zoom::Fit;
    QString placeholder_;
    friend class Surface;
};

}  // namespace archival::ui
