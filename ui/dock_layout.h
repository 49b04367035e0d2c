#pragma once
// Where the window's docks go: the program on the left, the prompt under the preview, the
// gallery and memory tabbed on the right, and other panels (the batch queue, the exhibition
// host) tabbed beside them. Restores the last run's geometry and dock state, saves them on
// close, and sizes the docks for this screen on a first run or a reset.

#include <QList>
#include <QObject>
#include <QPointer>

class QDockWidget;
class QMainWindow;
class QWidget;

namespace archival::ui {

class DockLayout : public QObject {
    Q_OBJECT
  public:
    explicit DockLayout(QMainWindow* window);

    // A closable, movable, floatable dock around `panel`, owned by the window.
    QDockWidget* makeDock(QWidget* panel, const QString& title, const QString& objectName);
    // The window's own four docks; placed by reset().
    void setMainDocks(QDockWidget* program, QDockWidget* prompt, QDockWidget* gallery,
                      QDockWidget* memory);
    // Another panel's dock: where the curator left it last time, else tabbed beside the
    // gallery.
    QDockWidget* addPanelDock(QWidget* panel, const QString& title, const QString& objectName);

    // Every dock back where it starts on a first run, sized for this window.
    void reset();
    // The last run's geometry and docks; a first run gets reset() sizes.
    void restore();
    void save() const;

    QList<QDockWidget*> docks() const;

  private:
    QMainWindow* window_;
    // Guarded: panel docks may be deleted by their owner before the window.
    QList<QPointer<QDockWidget>> docks_;
    QList<QPointer<QDockWidget>> panelDocks_;  // added with addPanelDock
    QDockWidget* program_ = nullptr;
    QDockWidget* prompt_ = nullptr;
    QDockWidget* gallery_ = nullptr;
    QDockWidget* memory_ = nullptr;
};

}  // namespace archival::ui
