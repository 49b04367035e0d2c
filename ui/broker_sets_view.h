#pragma once
// Every set on the batch broker, broker-wide (all machines' workers): its action, set id,
// program, state, worker and error, read every few seconds without blocking the window (the
// broker's client runs on the event loop). Shown in the batch panel when a broker URL is
// set (settings dialog); its password comes from ARCHIVAL_BROKER_PASSWORD or the keychain,
// never from the settings file.
//
//   auto* view = new BrokerSetsView(this);
//   view->setBrokerUrl(QStringLiteral("redis://10.0.0.5:6379/0"));   // empty: none

#include <QString>
#include <QTimer>
#include <QWidget>
#include <memory>

class QLabel;
class QTreeWidget;

namespace archival::adapters {
class BrokerSetQueue;
class RedisConnection;
}  // namespace archival::adapters

namespace archival::ui {

class BrokerSetsView : public QWidget {
    Q_OBJECT
  public:
    explicit BrokerSetsView(QWidget* parent = nullptr);
    ~BrokerSetsView() override;

    // Connects to this broker (the URL as `batch --broker` takes it) and reads its sets from
    // now on; an empty URL disconnects. A password in the URL is used, never stored.
    void setBrokerUrl(const QString& url);
    QString brokerUrl() const { return url_; }
    void setPollIntervalMs(int ms) { poll_.setInterval(ms); }

    QTreeWidget* tree() const { return tree_; }
    QString statusText() const;

  public Q_SLOTS:
    void refresh();  // reads the states now (a read in flight is not doubled)

  Q_SIGNALS:
    void refreshed();  // the tree shows what the broker said (or the status why not)

  private:
    QString url_;
    std::unique_ptr<adapters::RedisConnection> connection_;
    std::unique_ptr<adapters::BrokerSetQueue> sets_;
    QTreeWidget* tree_;
    QLabel* status_;
    QTimer poll_;
    bool reading_ = false;
    int generation_ = 0;  // a reply for an earlier broker is dropped
};

}  // namespace archival::ui
