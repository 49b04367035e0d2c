#include "ui/batch_panel.h"

#include <QCheckBox>
#include <QDir>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/object_key_template.h"
#include "adapters/batch/s3_client.h"
#include "adapters/batch/secret_store.h"
#include "ui/broker_sets_view.h"

namespace archival::ui {

using adapters::BatchQueue;
using adapters::SetRecord;
using adapters::SetState;

namespace {

enum Column { kName, kState, kProgress, kMessage };
constexpr int kKeyRole = Qt::UserRole;  // set key, or empty for an action row
constexpr int kActionRole = Qt::UserRole + 1;
constexpr int kThumbnail = 48;

}  // namespace

BatchPanel::BatchPanel(BatchQueue* queue, QWidget* parent) : QWidget(parent), queue_(queue) {
    tree_ = new QTreeWidget(this);
    tree_->setColumnCount(4);
    tree_->setHeaderLabels({tr("Action / set"), tr("State"), tr("Upload"), tr("Message")});
    tree_->setIconSize(QSize(kThumbnail, kThumbnail));
    tree_->header()->setSectionResizeMode(kMessage, QHeaderView::Stretch);
    tree_->setSelectionMode(QAbstractItemView::SingleSelection);

    retry_ = new QPushButton(tr("Retry"), this);
    retry_->setObjectName(QStringLiteral("retryButton"));
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setObjectName(QStringLiteral("cancelButton"));
    retry_->setToolTip(
        tr("Send the failed sets of the selected action (or the selected set) "
           "back to work"));
    cancel_->setToolTip(tr("Stop the selected action's (or set's) sets that are not uploaded"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(retry_);
    buttons->addWidget(cancel_);
    buttons->addStretch();

    auto* r2 = new QGroupBox(tr("Cloudflare R2"), this);
    auto* form = new QFormLayout(r2);
    accountId_ = new QLineEdit(r2);
    accountId_->setObjectName(QStringLiteral("r2AccountId"));
    endpoint_ = new QLineEdit(r2);
    endpoint_->setObjectName(QStringLiteral("r2Endpoint"));
    endpoint_->setPlaceholderText(tr("optional: any S3-compatible URL instead of R2"));
    bucket_ = new QLineEdit(r2);
    bucket_->setObjectName(QStringLiteral("r2Bucket"));
    prefix_ = new QLineEdit(r2);
    prefix_->setObjectName(QStringLiteral("r2Prefix"));
    accessKeyId_ = new QLineEdit(r2);
    accessKeyId_->setObjectName(QStringLiteral("r2AccessKeyId"));
    secret_ = new QLineEdit(r2);
    secret_->setObjectName(QStringLiteral("r2Secret"));
    secret_->setEchoMode(QLineEdit::Password);
    secret_->setPlaceholderText(tr("kept in the system keychain"));
    form->addRow(tr("Account id"), accountId_);
    form->addRow(tr("Endpoint"), endpoint_);
    form->addRow(tr("Bucket"), bucket_);
    form->addRow(tr("Prefix"), prefix_);
    form->addRow(tr("Access key id"), accessKeyId_);
    form->addRow(tr("Secret access key"), secret_);
    keyTemplate_ = new QLineEdit(r2);
    keyTemplate_->setObjectName(QStringLiteral("r2KeyTemplate"));
    keyTemplate_->setPlaceholderText(
        tr("seed: {prefix}/actions/{action}/sets/{set} (or studio, or your own)"));
    keyTemplate_->setToolTip(
        tr("Where a set's objects go: seed (the exhibition's replay "
           "layout), studio ({prefix}/{action}/{program}/set_{set:03}) or "
           "a template of {prefix} {action} {program} {set} {set:03}."));
    publicUrl_ = new QLineEdit(r2);
    publicUrl_->setObjectName(QStringLiteral("r2PublicUrl"));
    publicUrl_->setPlaceholderText(tr("https://<bucket>.r2.dev"));
    uploadPreviews_ = new QCheckBox(tr("Upload every step's preview (<step>.jpg)"), r2);
    uploadPreviews_->setObjectName(QStringLiteral("r2UploadPreviews"));
    form->addRow(tr("Key template"), keyTemplate_);
    form->addRow(tr("Public URL"), publicUrl_);
    form->addRow(QString(), uploadPreviews_);
    test_ = new QPushButton(tr("Test connection"), r2);
    test_->setObjectName(QStringLiteral("testConnectionButton"));
    auto* saveButton = new QPushButton(tr("Save"), r2);
    saveButton->setObjectName(QStringLiteral("saveR2Button"));
    status_ = new QLabel(r2);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* r2Buttons = new QHBoxLayout;
    r2Buttons->addWidget(test_);
    r2Buttons->addWidget(saveButton);
    r2Buttons->addStretch();
    form->addRow(r2Buttons);
    form->addRow(status_);

    broker_ = new QGroupBox(tr("Broker (every machine's sets)"), this);
    broker_->setObjectName(QStringLiteral("brokerGroup"));
    brokerView_ = new BrokerSetsView(broker_);
    auto* brokerLayout = new QVBoxLayout(broker_);
    brokerLayout->addWidget(brokerView_);
    broker_->setVisible(false);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(tree_, 1);
    layout->addLayout(buttons);
    layout->addWidget(broker_, 1);
    layout->addWidget(r2);

    connect(retry_, &QPushButton::clicked, this, &BatchPanel::retrySelected);
    connect(cancel_, &QPushButton::clicked, this, &BatchPanel::cancelSelected);
    connect(test_, &QPushButton::clicked, this, &BatchPanel::testConnection);
    connect(saveButton, &QPushButton::clicked, this, &BatchPanel::save);
    connect(tree_, &QTreeWidget::itemSelectionChanged, this, &BatchPanel::updateButtons);
    connectQueue();

    setR2Settings(adapters::R2Settings::load(QSettings()));
    refreshAll();
    updateButtons();
}

BatchPanel::~BatchPanel() = default;

void BatchPanel::setBrokerUrl(const QString& url) {
    brokerView_->setBrokerUrl(url);
    broker_->setVisible(!url.trimmed().isEmpty());
}

void BatchPanel::setQueue(BatchQueue* queue) {
    disconnect(queue_, nullptr, this, nullptr);
    queue_ = queue;
    connectQueue();
    tree_->clear();
    refreshAll();
    updateButtons();
}

void BatchPanel::connectQueue() {
    connect(queue_, &BatchQueue::setChanged, this, &BatchPanel::showSet);
    connect(queue_, &BatchQueue::actionStopped, this,
            [this](const QString& actionId, const QString&) { showAction(actionId); });
    connect(queue_, &BatchQueue::uploadProgress, this, &BatchPanel::onUploadProgress);
}

adapters::R2Settings BatchPanel::r2Settings() const {
    adapters::R2Settings r2{accountId_->text().trimmed(), endpoint_->text().trimmed(),
                            bucket_->text().trimmed(), prefix_->text().trimmed(),
                            accessKeyId_->text().trimmed()};
    r2.keyTemplate = keyTemplate_->text().trimmed();
    r2.publicBaseUrl = publicUrl_->text().trimmed();
    r2.uploadPreviews = uploadPreviews_->isChecked();
    return r2;
}

void BatchPanel::setR2Settings(const adapters::R2Settings& s) {
    accountId_->setText(s.accountId);
    endpoint_->setText(s.endpoint);
    bucket_->setText(s.bucket);
    prefix_->setText(s.prefix);
    accessKeyId_->setText(s.accessKeyId);
    keyTemplate_->setText(s.keyTemplate);
    publicUrl_->setText(s.publicBaseUrl);
    uploadPreviews_->setChecked(s.uploadPreviews);
}

void BatchPanel::setSecret(const QString& secret) {
    secret_->setText(secret);
}

QString BatchPanel::connectionStatus() const {
    return status_->text();
}

QTreeWidgetItem* BatchPanel::actionItem(const QString& actionId) {
    for (int i = 0; i < tree_->topLevelItemCount(); ++i)
        if (tree_->topLevelItem(i)->data(kName, kActionRole).toString() == actionId)
            return tree_->topLevelItem(i);
    auto* item = new QTreeWidgetItem(tree_, {actionId});
    item->setData(kName, kActionRole, actionId);
    item->setExpanded(true);
    return item;
}

void BatchPanel::refreshAll() {
    for (const auto& action : queue_->actions()) showAction(action.actionId);
    for (const auto& r : queue_->sets()) showSet(r);
}

void BatchPanel::showAction(const QString& actionId) {
    QTreeWidgetItem* item = actionItem(actionId);
    const auto info = queue_->action(actionId);
    int uploaded = 0, total = 0, failed = 0;
    for (const auto& r : queue_->sets(actionId)) {
        ++total;
        uploaded += r.state == SetState::Uploaded ? 1 : 0;
        failed += r.state == SetState::Failed ? 1 : 0;
    }
    item->setText(kState, info && !info->stopCode.isEmpty()
                              ? tr("stopped")
                              : tr("%1/%2 uploaded").arg(uploaded).arg(total));
    item->setText(kProgress, failed ? tr("%n failed", nullptr, failed) : QString());
    item->setText(kMessage, info ? info->stopMessage : QString());
    item->setToolTip(kMessage, item->text(kMessage));
}

void BatchPanel::showSet(const SetRecord& r) {
    QTreeWidgetItem* parent = actionItem(r.actionId);
    QTreeWidgetItem* item = nullptr;
    for (int i = 0; i < parent->childCount(); ++i)
        if (parent->child(i)->data(kName, kKeyRole).toString() == r.key()) item = parent->child(i);
    if (!item) {
        // Rows in set order: find the first row with a larger key.
        int at = 0;
        while (at < parent->childCount() &&
               parent->child(at)->data(kName, kKeyRole).toString() < r.key())
            ++at;
        item = new QTreeWidgetItem;
        parent->insertChild(at, item);
        item->setData(kName, kKeyRole, r.key());
        item->setData(kName, kActionRole, r.actionId);
    }
    item->setText(kName, QStringLiteral("%1 %2").arg(r.programId, r.setFolderName()));
    item->setText(kState, adapters::setStateName(r.state));
    item->setText(kMessage, r.state == SetState::Failed
                                ? r.errorCode + QStringLiteral(": ") + r.reason
                                : QString());
    item->setToolTip(kMessage, item->text(kMessage));
    if (r.state == SetState::Uploaded)
        item->setText(kProgress, QStringLiteral("100%"));
    else if (r.state != SetState::Uploading)
        item->setText(kProgress, QString());
    if (item->icon(kName).isNull() && r.state != SetState::Pending &&
        r.state != SetState::Generating) {
        const QImage image(QDir(r.dir).filePath(r.imageFiles().value(0)));
        if (!image.isNull())
            item->setIcon(kName, QIcon(QPixmap::fromImage(image.scaled(kThumbnail, kThumbnail,
                                                                       Qt::KeepAspectRatio,
                                                                       Qt::SmoothTransformation))));
    }
    showAction(r.actionId);
    updateButtons();
}

void BatchPanel::onUploadProgress(const QString& setKey, qint64 sent, qint64 total) {
    for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
        QTreeWidgetItem* action = tree_->topLevelItem(i);
        for (int j = 0; j < action->childCount(); ++j) {
            QTreeWidgetItem* item = action->child(j);
            if (item->data(kName, kKeyRole).toString() != setKey) continue;
            if (total > 0) item->setText(kProgress, QStringLiteral("%1%").arg(100 * sent / total));
            return;
        }
    }
}

void BatchPanel::updateButtons() {
    const QList<QTreeWidgetItem*> selected = tree_->selectedItems();
    retry_->setEnabled(!selected.isEmpty());
    cancel_->setEnabled(!selected.isEmpty());
}

void BatchPanel::retrySelected() {
    const QList<QTreeWidgetItem*> selected = tree_->selectedItems();
    if (selected.isEmpty()) return;
    const QString actionId = selected.first()->data(kName, kActionRole).toString();
    const QString key = selected.first()->data(kName, kKeyRole).toString();
    if (key.isEmpty()) {
        queue_->retry(actionId);
        return;
    }
    for (const auto& r : queue_->sets(actionId))
        if (r.key() == key) queue_->retry(actionId, r.programId, r.setNumber);
}

void BatchPanel::cancelSelected() {
    const QList<QTreeWidgetItem*> selected = tree_->selectedItems();
    if (selected.isEmpty()) return;
    const QString actionId = selected.first()->data(kName, kActionRole).toString();
    const QString key = selected.first()->data(kName, kKeyRole).toString();
    if (key.isEmpty()) {
        queue_->cancel(actionId);
        return;
    }
    for (const auto& r : queue_->sets(actionId))
        if (r.key() == key) queue_->cancel(actionId, r.programId, r.setNumber);
}

void BatchPanel::testConnection() {
    const adapters::R2Settings r2 = r2Settings();
    if (const QString missing = r2.missing(); !missing.isEmpty()) {
        status_->setText(tr("Missing: %1").arg(missing));
        Q_EMIT connectionTested(false, status_->text());
        return;
    }
    auto run = [this, r2](const QString& secret) {
        adapters::S3Settings s3 = r2.toS3Settings(secret);
        s3.maxAttempts = 2;
        s3.timeoutMs = 15000;
        delete tester_;
        tester_ = new adapters::S3Client(s3, this);
        status_->setText(tr("Testing..."));
        test_->setEnabled(false);
        tester_->testConnection([this, r2](const adapters::S3Result& result) {
            test_->setEnabled(true);
            const QString text =
                result.ok() ? tr("Connected: bucket %1 answers a signed request.").arg(r2.bucket)
                            : tr("Failed: %1").arg(result.message);
            status_->setText(text);
            Q_EMIT connectionTested(result.ok(), text);
        });
    };
    if (!secret_->text().isEmpty()) {
        run(secret_->text());
        return;
    }
    adapters::SecretStore::read(r2.accessKeyId, [this,
                                                 run](const adapters::SecretStore::Result& r) {
        if (!r.ok || r.secret.isEmpty()) {
            status_->setText(tr("No secret: type it above (the keychain said: %1)").arg(r.error));
            Q_EMIT connectionTested(false, status_->text());
            return;
        }
        run(r.secret);
    });
}

void BatchPanel::save() {
    const adapters::R2Settings r2 = r2Settings();
    using adapters::ObjectKeyTemplate;
    if (const QString why = ObjectKeyTemplate::problem(ObjectKeyTemplate::resolve(r2.keyTemplate));
        !why.isEmpty()) {
        status_->setText(tr("Not saved: %1").arg(why));
        return;
    }
    QSettings settings;
    r2.save(settings);
    if (secret_->text().isEmpty()) {
        Q_EMIT settingsSaved(r2);
        return;
    }
    adapters::SecretStore::write(
        r2.accessKeyId, secret_->text(), [this, r2](const adapters::SecretStore::Result& r) {
            if (r.ok) {
                secret_->clear();  // it lives in the keychain now, not in the window
                status_->setText(tr("Saved; the secret is in the system keychain."));
            } else {
                status_->setText(tr("Settings saved, but the keychain refused the secret (%1). "
                                    "Set ARCHIVAL_R2_SECRET for command-line runs.")
                                     .arg(r.error));
            }
            Q_EMIT settingsSaved(r2);
        });
}

}  // namespace archival::ui
