#include "ui/image_canvas.h"

#include <QPainter>
#include <QPalette>

namespace archival::ui {

class ImageCanvas::Surface : public QWidget {
  public:
    explicit Surface(ImageCanvas* owner) : QWidget(owner), owner_(owner) {}

  protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.fillRect(rect(), palette().color(QPalette::Base).darker(108));
        const QImage& img = owner_->image_;
        if (img.isNull()) {
            p.setPen(palette().color(QPalette::PlaceholderText));
            p.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                       owner_->placeholder_);
            return;
        }
        const qreal dpr = devicePixelRatioF();
        QSizeF target = QSizeF(img.size()) / dpr;
        if (owner_->zoom_ == Zoom::Fit) target.scale(QSizeF(size()), Qt::KeepAspectRatio);
        const QRectF r(
            QPointF((width() - target.width()) / 2.0, (height() - target.height()) / 2.0), target);
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        p.drawImage(r, img);
    }

  private:
    ImageCanvas* owner_;
};

ImageCanvas::ImageCanvas(QWidget* parent) : QScrollArea(parent), surface_(new Surface(this)) {
    setWidget(surface_);
    setWidgetResizable(true);
    setAlignment(Qt::AlignCenter);
    setFrameShape(QFrame::NoFrame);
    setMinimumSize(160, 120);
}

void ImageCanvas::setImage(const QImage& image) {
    const bool sizeChanged = image.size() != image_.size();
    image_ = image;
    if (sizeChanged) setZoom(zoom_);
    surface_->update();
}

void ImageCanvas::setPlaceholder(const QString& text) {
    placeholder_ = text;
    surface_->update();
}

void ImageCanvas::setZoom(Zoom zoom) {
    zoom_ = zoom;
    if (zoom_ == Zoom::Fit || image_.isNull()) {
        setWidgetResizable(true);
    } else {
        setWidgetResizable(false);
        const QSize logical = (QSizeF(image_.size()) / devicePixelRatioF()).toSize();
        surface_->resize(logical.expandedTo(viewport()->size()));
    }
    surface_->update();
}

}  // namespace archival::ui
