#pragma once
// Turns SIGINT / SIGTERM into a Qt signal on the main thread (the self-pipe pattern: the
// handler only writes one byte), so a command can cancel its jobs and exit cleanly.

#include <QObject>
#include <QSocketNotifier>
#include <memory>

namespace archival::adapters {

class SignalWatcher : public QObject {
    Q_OBJECT
  public:
    // Watches SIGINT and SIGTERM from now until destruction (one watcher at a time).
    explicit SignalWatcher(QObject* parent = nullptr);
    ~SignalWatcher() override;

  Q_SIGNALS:
    void received(int signalNumber);

  private:
    std::unique_ptr<QSocketNotifier> notifier_;
};

}  // namespace archival::adapters
