#pragma once
// Thumbnails of the images in the output folder (this session's and earlier ones), newest
// first, the metadata of the selected one, and what a curator does with it: generate again
// with the same settings, open its folder, copy it, or drag it into another program.

#include <QListWidget>
#include <QWidget>

#include "pipeline/image_metadata.h"

class QLabel;
class QPushButton;
class QTextBrowser;

namespace archival::ui {

// A thumbnail list whose items drag out as files.
class GalleryList : public QListWidget {
    Q_OBJECT
  public:
    using QListWidget::QListWidget;

  protected:
    QMimeData* mimeData(const QList<QListWidgetItem*>& items) const override;
    QStringList mimeTypes() const override;
};

class GalleryPanel : public QWidget {
    Q_OBJECT
  public:
    static constexpr int kMaxImages = 600;  // newest; older ones stay on disk

    explicit GalleryPanel(QWidget* parent = nullptr);

    // Reads the folder again (thumbnails load off the GUI thread).
    void setFolder(const QString& folder);
    QString folder() const { return folder_; }
    void rescan();
    // A file just written: shown first and selected.
    void addImage(const QString& path, const QImage& image);

    QString selectedPath() const;
    bool selectedMetadata(pipeline::ImageMetadata* out) const;
    QString metadataText() const;
    GalleryList* list() const { return list_; }
    int pendingThumbnails() const { return pending_; }

  Q_SIGNALS:
    void reuseRequested(const archival::pipeline::ImageMetadata& metadata);

  private:
    void showSelected();
    void copySelected();
    void openFolder();
    void requestThumbnail(const QString& path);
    QListWidgetItem* itemFor(const QString& path) const;

    QString folder_;
    GalleryList* list_;
    QTextBrowser* details_;
    QPushButton* reuse_;
    QPushButton* open_;
    QPushButton* copy_;
    QLabel* summary_;
    quint64 generation_ = 0;  // drops thumbnails of an earlier scan
    int pending_ = 0;
};

}  // namespace archival::ui
