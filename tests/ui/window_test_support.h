#pragma once
// Helpers for the window tests: isolated settings, the accessibility walk, screenshots into
// the build folder, and an event-loop latency probe.

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSlider>
#include <QAbstractSpinBox>
#include <QAccessible>
#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScrollBar>
#include <QSettings>
#include <QStandardPaths>
#include <QTabBar>
#include <QTextEdit>
#include <QTimer>
#include <QWidget>

namespace archival::test {

// Settings and standard folders of a test never touch the user's: Qt's test mode moves
// them under ~/.qttest; each test starts from empty settings. Each test program has its own
// (named after it): CTest runs them side by side, and one clearing the settings another is
// using made the other fail now and then.
inline void isolateSettings() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("ArchivalStudioTests"));
    QCoreApplication::setApplicationName(
        QStringLiteral("archival-studio-ui-tests-") +
        QFileInfo(QCoreApplication::applicationFilePath()).completeBaseName());
    QSettings().clear();
}

inline bool isControl(const QWidget* w) {
    if (qobject_cast<const QScrollBar*>(w)) return false;  // part of its scroll area
    return qobject_cast<const QAbstractButton*>(w) || qobject_cast<const QAbstractSpinBox*>(w) ||
           qobject_cast<const QComboBox*>(w) || qobject_cast<const QLineEdit*>(w) ||
           qobject_cast<const QPlainTextEdit*>(w) || qobject_cast<const QTextEdit*>(w) ||
           qobject_cast<const QAbstractItemView*>(w) || qobject_cast<const QAbstractSlider*>(w) ||
           qobject_cast<const QTabBar*>(w) || qobject_cast<const QProgressBar*>(w);
}

// Qt's own parts of a composite widget (a combo box's line edit, a dock's float button)
// carry "qt_" names and are named by Qt itself.
inline bool isQtInternal(const QWidget* w, const QWidget* root) {
    for (const QWidget* p = w; p && p != root; p = p->parentWidget())
        if (p->objectName().startsWith(QLatin1String("qt_"))) return true;
    if (const auto* combo = qobject_cast<const QComboBox*>(w->parentWidget()))
        if (combo->lineEdit() == w) return true;
    // A line edit's clear button is named by the line edit.
    return qobject_cast<const QLineEdit*>(w->parentWidget()) != nullptr;
}

// Every control under `root` whose accessible name (as assistive technology reads it) is
// empty, described by class and object name.
inline QStringList controlsWithoutAccessibleName(QWidget* root) {
    QStringList out;
    for (QWidget* w : root->findChildren<QWidget*>()) {
        if (!isControl(w) || isQtInternal(w, root)) continue;
        // A tab bar is named by its current tab; QMainWindow keeps spare empty ones hidden.
        if (const auto* bar = qobject_cast<const QTabBar*>(w); bar && bar->count() == 0) continue;
        QAccessibleInterface* iface = QAccessible::queryAccessibleInterface(w);
        const QString name = iface ? iface->text(QAccessible::Name) : QString();
        if (name.trimmed().isEmpty())
            out << QStringLiteral("%1 \"%2\" (parent %3)")
                       .arg(QString::fromLatin1(w->metaObject()->className()), w->objectName(),
                            w->parentWidget() ? w->parentWidget()->objectName() : QString());
    }
    return out;
}

// Screenshots for a reviewer: screenshots/<name>.png beside the test executable, i.e. in
// the build tree whatever folder the test was started from.
inline QString saveScreenshot(QWidget* w, const QString& name) {
    // Layouts settle in posted events: let them run so the picture shows the current state.
    for (int i = 0; i < 3; ++i) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        QCoreApplication::processEvents();
    }
    const QDir dir(QCoreApplication::applicationDirPath() + QStringLiteral("/screenshots"));
    dir.mkpath(QStringLiteral("."));
    const QString path = dir.absoluteFilePath(name + ".png");
    return w->grab().toImage().save(path) ? path : QString();
}

// Measures how late a 5 ms timer fires on the GUI thread: the worst lateness is how long
// the event loop was blocked.
class EventLoopLatencyProbe : public QObject {
  public:
    explicit EventLoopLatencyProbe(QObject* parent = nullptr) : QObject(parent) {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(kIntervalMs);
        QObject::connect(&timer_, &QTimer::timeout, this, [this] {
            const qint64 now = clock_.elapsed();
            if (last_ >= 0 && now - last_ - kIntervalMs > worst_) {
                worst_ = now - last_ - kIntervalMs;
                worstAt_ = last_;
            }
            last_ = now;
            ++ticks_;
        });
    }
    void start() {
        clock_.start();
        last_ = -1;
        worst_ = 0;
        ticks_ = 0;
        timer_.start();
    }
    void stop() { timer_.stop(); }
    qint64 worstLatencyMs() const { return worst_; }
    // When (ms after start) the longest stall began.
    qint64 worstStartedAtMs() const { return worstAt_; }
    qint64 elapsedMs() const { return clock_.elapsed(); }
    int ticks() const { return ticks_; }

  private:
    static constexpr int kIntervalMs = 5;
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 last_ = -1;
    qint64 worst_ = 0;
    qint64 worstAt_ = -1;
    int ticks_ = 0;
};

}  // namespace archival::test
