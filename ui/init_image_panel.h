#pragma once
// The init image of an image-to-image program: chosen from a file or dropped from a file
// manager, shown beside the result. A program with its own source image starts from it;
// the curator may still choose another.

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
    // The selected program's own source image (empty: it has none). Shown unless the curator
    // chose an image of their own; replaces the previous program's image.
    void setProgramImage(const QString& path);
    // True while the image shown is the program's own (the service then loads it itself).
    bool showsProgramImage() const { return fromProgram_; }
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
    bool load(const QString& path, bool fromProgram);
    void display(const QImage& image, const QString& path, bool fromProgram, const QString& text);

    QImage image_;
    QString path_;
    bool fromProgram_ = false;
};

}  // namespace archival::ui
