#pragma once
// The batch queue in the studio: every action and its sets with state, a thumbnail, upload
// progress and errors; Retry and Cancel for the selected action or set; and the R2 settings
// with a "Test connection" button that makes a real signed request. This is the one place
// the curator edits the R2 destination (R2Settings owns the keys; the secret goes to the
// keychain).
//
//   auto* panel = new archival::ui::BatchPanel(&queue, this);   // the queue outlives it
//   connect(panel, &BatchPanel::settingsSaved, ...);            // retarget the uploads
//   panel->setBrokerUrl(url);      // a broker configured: its sets, broker-wide, shown too

#include <QWidget>

#include "adapters/batch/r2_settings.h"
#include "adapters/batch/set_record.h"

class QLabel;
class QCheckBox;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;
class QGroupBox;

namespace archival::adapters {
class BatchQueue;
class S3Client;
}  // namespace archival::adapters

namespace archival::ui {

class BrokerSetsView;

class BatchPanel : public QWidget {
    Q_OBJECT
  public:
    explicit BatchPanel(adapters::BatchQueue* queue, QWidget* parent = nullptr);
    ~BatchPanel() override;

    // Shows (and acts on) this queue from now on: the studio builds a new one when the R2
    // destination changes.
    void setQueue(adapters::BatchQueue* queue);

    // The form's R2 settings (what Save would store) and the typed secret.
    adapters::R2Settings r2Settings() const;
    void setR2Settings(const adapters::R2Settings& settings);
    void setSecret(const QString& secret);

    // Every set on this broker (settings: broker URL) below the local queue's; empty: none.
    void setBrokerUrl(const QString& url);
    BrokerSetsView* brokerView() const { return brokerView_; }

    QTreeWidget* tree() const { return tree_; }
    QString connectionStatus() const;

  public Q_SLOTS:
    void testConnection();
    void retrySelected();
    void cancelSelected();
    void save();  // settings to QSettings, the secret (when typed) to the keychain

  Q_SIGNALS:
    void connectionTested(bool ok, const QString& message);
    // After Save: the caller rebuilds its uploader from the new settings.
    void settingsSaved(const archival::adapters::R2Settings& settings);

  private:
    void connectQueue();
    void refreshAll();
    void showSet(const adapters::SetRecord& record);
    void showAction(const QString& actionId);
    QTreeWidgetItem* actionItem(const QString& actionId);
    void onUploadProgress(const QString& setKey, qint64 sent, qint64 total);
    void updateButtons();

    adapters::BatchQueue* queue_;
    QTreeWidget* tree_;
    QPushButton* retry_;
    QPushButton* cancel_;
    QLineEdit* accountId_;
    QLineEdit* endpoint_;
    QLineEdit* bucket_;
    QLineEdit* prefix_;
    QLineEdit* accessKeyId_;
    QLineEdit* secret_;
    QLineEdit* keyTemplate_;
    QLineEdit* publicUrl_;
    QCheckBox* uploadPreviews_;
    QPushButton* test_;
    QLabel* status_;
    adapters::S3Client* tester_ = nullptr;
    QGroupBox* broker_;
    BrokerSetsView* brokerView_;
};

}  // namespace archival::ui
