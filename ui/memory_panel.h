#pragma once
// The factory's memory: process and CUDA memory, the budget, the cached pipelines, and a
// button that empties the cache. Refreshes while visible.

#include <QWidget>

class QLabel;
class QPushButton;
class QTimer;
class QTreeWidget;

namespace archival::ui {

class GenerationCore;

class MemoryPanel : public QWidget {
    Q_OBJECT
  public:
    explicit MemoryPanel(GenerationCore* core, QWidget* parent = nullptr);

    void refresh();
    QString statsText() const;
    QTreeWidget* cachedList() const { return cached_; }
    QPushButton* clearButton() const { return clear_; }

  protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

  private:
    GenerationCore* core_;
    QLabel* stats_;
    QTreeWidget* cached_;
    QPushButton* clear_;
    QTimer* timer_;
};

// "1.4 GiB", "820 MiB".
QString formatBytes(quint64 bytes);

}  // namespace archival::ui
