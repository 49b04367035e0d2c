#include "ui/dock_layout.h"

#include <QDockWidget>
#include <QMainWindow>
#include <QScreen>
#include <QSettings>

namespace archival::ui {

namespace {
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");
constexpr int kLayoutVersion = 1;
}  // namespace

DockLayout::DockLayout(QMainWindow* window) : QObject(window), window_(window) {}

QDockWidget* DockLayout::makeDock(QWidget* panel, const QString& title, const QString& objectName) {
    auto* d = new QDockWidget(title, window_);
    d->setObjectName(objectName);
    d->setWidget(panel);
    d->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                   QDockWidget::DockWidgetClosable);
    docks_ << d;
    return d;
}

void DockLayout::setMainDocks(QDockWidget* program, QDockWidget* prompt, QDockWidget* gallery,
                              QDockWidget* memory) {
    program_ = program;
    prompt_ = prompt;
    gallery_ = gallery;
    memory_ = memory;
}

QDockWidget* DockLayout::addPanelDock(QWidget* panel, const QString& title,
                                      const QString& objectName) {
    QDockWidget* d = makeDock(panel, title, objectName);
    panelDocks_ << d;
    if (!window_->restoreDockWidget(d)) {
        window_->addDockWidget(Qt::RightDockWidgetArea, d);
        window_->tabifyDockWidget(memory_, d);
        d->show();
        gallery_->raise();
    }
    return d;
}

void DockLayout::reset() {
    for (const auto& d : docks_) {
        if (!d) continue;  // a panel dock deleted by its owner
        d->setFloating(false);
        d->show();
    }
    window_->addDockWidget(Qt::LeftDockWidgetArea, program_);
    window_->addDockWidget(Qt::BottomDockWidgetArea, prompt_);
    window_->addDockWidget(Qt::RightDockWidgetArea, gallery_);
    window_->addDockWidget(Qt::RightDockWidgetArea, memory_);
    window_->tabifyDockWidget(gallery_, memory_);
    for (const auto& d : panelDocks_) {
        if (!d) continue;
        window_->addDockWidget(Qt::RightDockWidgetArea, d);
        window_->tabifyDockWidget(memory_, d);
    }
    gallery_->raise();
    // The bottom dock sits under the preview only: the side docks take the corners.
    window_->setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    window_->setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    // Side panels a share of the window: readable at 1366x768, not wasteful at 4K.
    const int side = qBound(280, window_->width() / 5, 640);
    window_->resizeDocks({program_, gallery_}, {side, side}, Qt::Horizontal);
    window_->resizeDocks({prompt_}, {qBound(150, window_->height() / 5, 400)}, Qt::Vertical);
}

void DockLayout::restore() {
    QSettings s;
    const QByteArray geometry = s.value(kGeometryKey).toByteArray();
    if (geometry.isEmpty() || !window_->restoreGeometry(geometry)) {
        const QSize screen =
            window_->screen() ? window_->screen()->availableSize() : QSize(1366, 768);
        window_->resize(screen * 0.9);
    }
    // A first run: docks sized for this window.
    if (!window_->restoreState(s.value(kStateKey).toByteArray(), kLayoutVersion)) reset();
}

void DockLayout::save() const {
    QSettings s;
    s.setValue(kGeometryKey, window_->saveGeometry());
    s.setValue(kStateKey, window_->saveState(kLayoutVersion));
}

QList<QDockWidget*> DockLayout::docks() const {
    QList<QDockWidget*> out;
    for (const auto& d : docks_)
        if (d) out << d;
    return out;
}

}  // namespace archival::ui
