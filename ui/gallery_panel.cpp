#include "ui/gallery_panel.h"

#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPointer>
#include <QPushButton>
#include <QSplitter>
#include <QTextBrowser>
#include <QThreadPool>
#include <QUrl>
#include <QVBoxLayout>

namespace archival::ui {

namespace {
constexpr int kThumb = 112;

QImage loadThumbnail(const QString& path) {
    QImageReader reader(path);
    const QSize full = reader.size();
    if (full.isValid()) reader.setScaledSize(full.scaled(kThumb, kThumb, Qt::KeepAspectRatio));
    return reader.read();
}
}  // namespace

QStringList GalleryList::mimeTypes() const {
    return {QStringLiteral("text/uri-list")};
}

QMimeData* GalleryList::mimeData(const QList<QListWidgetItem*>& items) const {
    auto* mime = new QMimeData;
    QList<QUrl> urls;
    for (const auto* item : items) urls << QUrl::fromLocalFile(item->data(Qt::UserRole).toString());
    mime->setUrls(urls);
    return mime;
}

GalleryPanel::GalleryPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("gallerySummary"));
    summary_->setAccessibleName(tr("Gallery folder"));
    summary_->setWordWrap(true);
    layout->addWidget(summary_);

    auto* split = new QSplitter(Qt::Vertical, this);
    split->setChildrenCollapsible(false);
    list_ = new GalleryList(split);
    list_->setObjectName(QStringLiteral("galleryList"));
    list_->setAccessibleName(tr("Gallery"));
    list_->setViewMode(QListView::IconMode);
    list_->setIconSize(QSize(kThumb, kThumb));
    list_->setGridSize(QSize(kThumb + 16, kThumb + 12));
    list_->setResizeMode(QListView::Adjust);
    list_->setMovement(QListView::Static);
    list_->setUniformItemSizes(true);
    list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list_->setDragEnabled(true);
    list_->setDragDropMode(QAbstractItemView::DragOnly);
    list_->setDefaultDropAction(Qt::CopyAction);

    details_ = new QTextBrowser(split);
    details_->setObjectName(QStringLiteral("galleryMetadata"));
    details_->setAccessibleName(tr("Image metadata"));
    details_->setOpenLinks(false);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    auto* buttons = new QHBoxLayout;
    reuse_ = new QPushButton(QIcon(QStringLiteral(":/ui/reuse.svg")), tr("Use again"), this);
    reuse_->setObjectName(QStringLiteral("reuseSettings"));
    reuse_->setAccessibleName(tr("Use these settings again"));
    reuse_->setToolTip(tr("Program, prompt, seed, steps, guidance and size of this image."));
    open_ = new QPushButton(QIcon(QStringLiteral(":/ui/open-folder.svg")), tr("Folder"), this);
    open_->setObjectName(QStringLiteral("openInFileManager"));
    open_->setAccessibleName(tr("Open in the file manager"));
    open_->setToolTip(tr("Open the output folder in the file manager."));
    copy_ = new QPushButton(QIcon(QStringLiteral(":/ui/copy.svg")), tr("Copy"), this);
    copy_->setObjectName(QStringLiteral("copyImage"));
    copy_->setAccessibleName(tr("Copy image"));
    copy_->setToolTip(tr("Copy the image to the clipboard."));
    buttons->addWidget(reuse_);
    buttons->addWidget(open_);
    buttons->addWidget(copy_);
    layout->addLayout(buttons);

    connect(list_, &QListWidget::currentItemChanged, this, &GalleryPanel::showSelected);
    connect(reuse_, &QPushButton::clicked, this, [this] {
        pipeline::ImageMetadata md;
        if (selectedMetadata(&md)) Q_EMIT reuseRequested(md);
    });
    connect(open_, &QPushButton::clicked, this, &GalleryPanel::openFolder);
    connect(copy_, &QPushButton::clicked, this, &GalleryPanel::copySelected);
    showSelected();
}

void GalleryPanel::setFolder(const QString& folder) {
    folder_ = folder;
    rescan();
}

void GalleryPanel::rescan() {
    ++generation_;
    pending_ = 0;
    list_->clear();
    const QFileInfoList files =
        QDir(folder_).entryInfoList({QStringLiteral("*.png")}, QDir::Files, QDir::Time);
    for (int i = 0; i < files.size() && i < kMaxImages; ++i) {
        const QString path = files.at(i).absoluteFilePath();
        auto* item = new QListWidgetItem(files.at(i).completeBaseName(), list_);
        item->setData(Qt::UserRole, path);
        item->setToolTip(files.at(i).fileName());
        item->setSizeHint(list_->gridSize());
        requestThumbnail(path);
    }
    summary_->setText(
        tr("%n image(s) in %1", nullptr, list_->count()).arg(QDir::toNativeSeparators(folder_)));
    showSelected();
}

void GalleryPanel::requestThumbnail(const QString& path) {
    ++pending_;
    QPointer<GalleryPanel> self(this);
    const quint64 gen = generation_;
    QThreadPool::globalInstance()->start([self, gen, path] {
        const QImage thumb = loadThumbnail(path);
        if (!self) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, gen, path, thumb] {
                if (!self || gen != self->generation_) return;
                --self->pending_;
                if (QListWidgetItem* item = self->itemFor(path))
                    item->setIcon(QIcon(QPixmap::fromImage(thumb)));
            },
            Qt::QueuedConnection);
    });
}

QListWidgetItem* GalleryPanel::itemFor(const QString& path) const {
    for (int i = 0; i < list_->count(); ++i)
        if (list_->item(i)->data(Qt::UserRole).toString() == path) return list_->item(i);
    return nullptr;
}

void GalleryPanel::addImage(const QString& path, const QImage& image) {
    auto* item = new QListWidgetItem(QFileInfo(path).completeBaseName());
    item->setData(Qt::UserRole, path);
    item->setToolTip(QFileInfo(path).fileName());
    item->setSizeHint(list_->gridSize());
    item->setIcon(QIcon(QPixmap::fromImage(
        image.scaled(kThumb, kThumb, Qt::KeepAspectRatio, Qt::SmoothTransformation))));
    list_->insertItem(0, item);
    list_->setCurrentItem(item, QItemSelectionModel::ClearAndSelect);
    summary_->setText(
        tr("%n image(s) in %1", nullptr, list_->count()).arg(QDir::toNativeSeparators(folder_)));
}

QString GalleryPanel::selectedPath() const {
    const auto* item = list_->currentItem();
    return item ? item->data(Qt::UserRole).toString() : QString();
}

bool GalleryPanel::selectedMetadata(pipeline::ImageMetadata* out) const {
    const QString path = selectedPath();
    return !path.isEmpty() && pipeline::readPngMetadata(path, out);
}

QString GalleryPanel::metadataText() const {
    return details_->toPlainText();
}

void GalleryPanel::showSelected() {
    const QString path = selectedPath();
    pipeline::ImageMetadata md;
    QString error;
    const bool has = !path.isEmpty() && pipeline::readPngMetadata(path, &md, &error);
    reuse_->setEnabled(has);
    copy_->setEnabled(!path.isEmpty());
    if (path.isEmpty()) {
        details_->setHtml(tr("<i>Select an image to see how it was made.</i>"));
        return;
    }
    if (!has) {
        details_->setHtml(tr("<b>%1</b><br>No Archival Studio metadata in this file.")
                              .arg(QFileInfo(path).fileName().toHtmlEscaped()));
        return;
    }
    QString html = QStringLiteral("<b>%1</b><table cellspacing=2>")
                       .arg(QFileInfo(path).fileName().toHtmlEscaped());
    auto row = [&html](const QString& k, const QString& v) {
        html += QStringLiteral("<tr><td valign=top><i>%1</i></td><td>%2</td></tr>")
                    .arg(k.toHtmlEscaped(), v.toHtmlEscaped());
    };
    row(tr("Program"), md.programId);
    row(tr("Prompt"), md.promptTyped);
    row(tr("Prompt as sent"), md.promptSent);
    if (!md.negativePrompt.isEmpty()) row(tr("Negative prompt"), md.negativePrompt);
    row(tr("Seed"), QString::number(md.seed));
    row(tr("Steps"), QString::number(md.steps));
    row(tr("Guidance"), QString::number(md.guidance));
    row(tr("Size"), QStringLiteral("%1×%2").arg(md.width).arg(md.height));
    row(tr("Sampler"), md.sampler);
    if (md.strength > 0) row(tr("Strength"), QString::number(md.strength));
    row(tr("Model"), md.modelHash.isEmpty()
                         ? md.modelId
                         : QStringLiteral("%1 [%2]").arg(md.modelId, md.modelHash));
    QStringList loras;
    for (const auto& l : md.loras)
        loras
            << QStringLiteral("%1 × %2").arg(pipeline::ImageMetadata::loraFileName(l)).arg(l.scale);
    if (!loras.isEmpty()) row(tr("LoRAs"), loras.join(QStringLiteral(", ")));
    row(tr("Device"), QStringLiteral("%1 / %2").arg(md.device, md.dtype));
    row(tr("Time"), tr("%1 s (denoise %2 s)")
                        .arg(md.totalSeconds, 0, 'f', 1)
                        .arg(md.denoiseSeconds, 0, 'f', 1));
    row(tr("Made"), QLocale().toString(md.timestamp.toLocalTime(), QLocale::ShortFormat));
    html += QStringLiteral("</table>");
    details_->setHtml(html);
}

void GalleryPanel::copySelected() {
    const QString path = selectedPath();
    if (path.isEmpty()) return;
    const QImage image(path);
    auto* mime = new QMimeData;
    mime->setImageData(image);
    mime->setUrls({QUrl::fromLocalFile(path)});
    QApplication::clipboard()->setMimeData(mime);
}

void GalleryPanel::openFolder() {
    QDir().mkpath(folder_);
    QDesktopServices::openUrl(QUrl::fromLocalFile(folder_));
}

}  // namespace archival::ui
