#include "ui/init_image_panel.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QVBoxLayout>

#include "ui/image_canvas.h"

namespace archival::ui {

InitImagePanel::InitImagePanel(QWidget* parent) : QWidget(parent) {
    setAcceptDrops(true);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    caption_ = new QLabel(tr("Init image"), this);
    caption_->setMargin(4);
    caption_->setObjectName(QStringLiteral("initImageCaption"));
    caption_->setAccessibleName(tr("Init image file"));
    canvas_ = new ImageCanvas(this);
    canvas_->setObjectName(QStringLiteral("initImageCanvas"));
    canvas_->setAccessibleName(tr("Init image"));
    canvas_->setPlaceholder(tr("Drop an image here or choose one."));
    choose_ = new QPushButton(QIcon(QStringLiteral(":/ui/image-open.svg")), tr("Choose…"), this);
    choose_->setObjectName(QStringLiteral("chooseInitImage"));
    choose_->setAccessibleName(tr("Choose init image"));
    clear_ = new QPushButton(QIcon(QStringLiteral(":/ui/clear.svg")), tr("Clear"), this);
    clear_->setObjectName(QStringLiteral("clearInitImage"));
    clear_->setAccessibleName(tr("Clear init image"));
    clear_->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(choose_);
    buttons->addWidget(clear_);
    buttons->addStretch(1);
    layout->addWidget(caption_);
    layout->addWidget(canvas_, 1);
    layout->addLayout(buttons);
    connect(choose_, &QPushButton::clicked, this, &InitImagePanel::choose);
    connect(clear_, &QPushButton::clicked, this, &InitImagePanel::clear);
}

bool InitImagePanel::loadFile(const QString& path) {
    return load(path, false);
}

bool InitImagePanel::load(const QString& path, bool fromProgram) {
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QImage img = reader.read();
    if (img.isNull()) {
        caption_->setText(
            tr("Cannot read %1: %2").arg(QFileInfo(path).fileName(), reader.errorString()));
        return false;
    }
    const QString name = QFileInfo(path).fileName();
    display(img, path, fromProgram,
            fromProgram
                ? tr("The program's source image: %1 (%2×%3)")
                      .arg(name)
                      .arg(img.width())
                      .arg(img.height())
                : tr("Init image: %1 (%2×%3)").arg(name).arg(img.width()).arg(img.height()));
    return true;
}

void InitImagePanel::display(const QImage& image, const QString& path, bool fromProgram,
                             const QString& text) {
    image_ = image;
    path_ = path;
    fromProgram_ = fromProgram && !image.isNull();
    canvas_->setImage(image_);
    caption_->setText(text);
    clear_->setEnabled(!image_.isNull());
    Q_EMIT imageChanged();
}

void InitImagePanel::setProgramImage(const QString& path) {
    const bool curatorsOwn = !image_.isNull() && !fromProgram_;
    if (curatorsOwn || (fromProgram_ && path == path_)) return;
    if (path.isEmpty() || !load(path, true)) {
        if (fromProgram_) clear();
    }
}

void InitImagePanel::clear() {
    display(QImage(), QString(), false, tr("Init image"));
}

void InitImagePanel::choose() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Choose init image"), QString(),
                                     tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)"));
    if (!path.isEmpty()) loadFile(path);
}

void InitImagePanel::dragEnterEvent(QDragEnterEvent* event) {
    const QMimeData* mime = event->mimeData();
    if ((mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile()) ||
        mime->hasImage())
        event->acceptProposedAction();
}

void InitImagePanel::dropEvent(QDropEvent* event) {
    const QMimeData* mime = event->mimeData();
    if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile()) {
        if (loadFile(mime->urls().first().toLocalFile())) event->acceptProposedAction();
        return;
    }
    if (mime->hasImage()) {
        const QImage img = qvariant_cast<QImage>(mime->imageData());
        if (img.isNull()) return;
        display(img, QString(), false,
                tr("Init image: dropped (%1×%2)").arg(img.width()).arg(img.height()));
        event->acceptProposedAction();
    }
}

}  // namespace archival::ui
