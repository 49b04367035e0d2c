#pragma once
// The init image of an image-to-image program: chosen from a file or dropped from a file
// manager, shown beside the result.

#include <QImage>
#include <QWidget>

class QLabel;
class QPushButton;

namespace archival::ui {

class ImageCanvas;

class InitImagePanel : public QWidget {
    Q_OBJECT
  public:
    explicit InitImagePanel(QWidget* parent = nullptr);

    QImage image() const { return image_; }
    QString path() const { return path_; }
    // Loads a file; false (and the reason shown) when it is not a readable image.
    bool loadFile(const QString& path);
    void clear();
    QPushButton* chooseButton() const { return choose_; }

  Q_SIGNALS:
    void imageChanged();

  protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void choose();

    ImageCanvas* canvas_;
    QLabel* caption_;
    QPushButton* choose_;
    QPushButton* clear_;
    QImage image_;
    QString path_;
};

}  // namespace archival::ui
