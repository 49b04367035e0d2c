#include "ui/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace archival::ui {

namespace {

// A line edit with a "Browse…" button that picks a folder.
QWidget* folderField(QLineEdit* edit, const QString& accessibleName, QWidget* parent) {
    auto* w = new QWidget(parent);
    auto* h = new QHBoxLayout(w);
    h->setContentsMargins(0, 0, 0, 0);
    edit->setAccessibleName(accessibleName);
    auto* browse = new QPushButton(SettingsDialog::tr("Browse…"), w);
    browse->setAccessibleName(SettingsDialog::tr("Browse for %1").arg(accessibleName));
    h->addWidget(edit, 1);
    h->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, parent] {
        const QString dir = QFileDialog::getExistingDirectory(parent, QString(), edit->text());
        if (!dir.isEmpty()) edit->setText(dir);
    });
    return w;
}

QComboBox* choice(const QList<QPair<QString, QString>>& items, const QString& current,
                  QWidget* parent) {
    auto* c = new QComboBox(parent);
    for (const auto& [value, label] : items) c->addItem(label, value);
    const int at = c->findData(current);
    if (at >= 0) {
        c->setCurrentIndex(at);
    } else {
        c->addItem(current, current);  // a value typed elsewhere (e.g. "cuda:1") stays
        c->setCurrentIndex(c->count() - 1);
    }
    return c;
}

}  // namespace

SettingsDialog::SettingsDialog(const StudioSettings& settings, const QStringList& modelIds,
                               QWidget* parent)
    : QDialog(parent), initial_(settings) {
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("SettingsDialog"));
    auto* layout = new QVBoxLayout(this);
    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("settingsTabs"));
    tabs_->setAccessibleName(tr("Settings sections"));
    tabs_->addTab(modelsTab(modelIds), tr("Models"));
    tabs_->addTab(deviceTab(), tr("Device"));
    tabs_->addTab(outputTab(), tr("Output && language"));
    tabs_->addTab(connectionsTab(), tr("R2 && host"));
    layout->addWidget(tabs_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->setObjectName(QStringLiteral("settingsButtons"));
    buttons->button(QDialogButtonBox::Ok)->setAccessibleName(tr("Save settings"));
    buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Discard changes"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(720, 520);
}

QWidget* SettingsDialog::modelsTab(const QStringList& modelIds) {
    auto* page = new QWidget(this);
    auto* form = new QFormLayout(page);
    auto* intro = new QLabel(tr("A model is looked for in this order: its explicit folder, the "
                                "Hugging Face cache, then each model root (ROOT/ORG/NAME)."),
                             page);
    intro->setWordWrap(true);
    form->addRow(intro);

    explicitPaths_ = new QTableWidget(0, 2, page);
    explicitPaths_->setObjectName(QStringLiteral("explicitPaths"));
    explicitPaths_->setAccessibleName(tr("Explicit model folders"));
    explicitPaths_->setHorizontalHeaderLabels({tr("Model id"), tr("Folder or .safetensors file")});
    explicitPaths_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    explicitPaths_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    explicitPaths_->setWordWrap(false);
    explicitPaths_->verticalHeader()->hide();
    QStringList ids = modelIds;
    for (auto it = initial_.factory.locations.explicitPaths.begin();
         it != initial_.factory.locations.explicitPaths.end(); ++it)
        if (!ids.contains(it.key())) ids << it.key();
    for (const QString& id : ids) {
        const int row = explicitPaths_->rowCount();
        explicitPaths_->insertRow(row);
        auto* idItem = new QTableWidgetItem(id);
        idItem->setFlags(idItem->flags() & ~Qt::ItemIsEditable);
        explicitPaths_->setItem(row, 0, idItem);
        explicitPaths_->setItem(
            row, 1, new QTableWidgetItem(initial_.factory.locations.explicitPaths.value(id)));
    }
    explicitPaths_->setMinimumHeight(110);
    form->addRow(tr("Explicit folders"), explicitPaths_);

    hub_ = new QLineEdit(initial_.factory.locations.huggingFaceHub, page);
    hub_->setObjectName(QStringLiteral("hubFolder"));
    form->addRow(tr("Hugging Face cache"), folderField(hub_, tr("Hugging Face cache"), page));
    hubContents_ = new QLabel(page);
    hubContents_->setObjectName(QStringLiteral("hubContents"));
    hubContents_->setAccessibleName(tr("Models in the Hugging Face cache"));
    hubContents_->setWordWrap(true);
    hubContents_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(tr("It holds"), hubContents_);
    connect(hub_, &QLineEdit::textChanged, this, &SettingsDialog::refreshHubList);
    refreshHubList();

    roots_ =
        new QPlainTextEdit(initial_.factory.locations.modelRoots.join(QLatin1Char('\n')), page);
    roots_->setObjectName(QStringLiteral("modelRoots"));
    roots_->setAccessibleName(tr("Model root folders, one per line"));
    roots_->setTabChangesFocus(true);
    roots_->setMaximumHeight(70);
    form->addRow(tr("Model roots (one per line)"), roots_);
    return page;
}

void SettingsDialog::refreshHubList() {
    const QStringList models = modelsInHubCache(hub_->text());
    if (!QDir(hub_->text()).exists())
        hubContents_->setText(tr("(the folder does not exist)"));
    else if (models.isEmpty())
        hubContents_->setText(tr("(no models)"));
    else
        hubContents_->setText(models.join(QStringLiteral(", ")));
}

QWidget* SettingsDialog::deviceTab() {
    auto* page = new QWidget(this);
    auto* form = new QFormLayout(page);
    device_ = choice({{QStringLiteral("auto"), tr("Automatic (CUDA when present)")},
                      {QStringLiteral("cpu"), tr("CPU")},
                      {QStringLiteral("cuda:0"), tr("CUDA device 0")}},
                     initial_.factory.device, page);
    device_->setObjectName(QStringLiteral("deviceChoice"));
    device_->setAccessibleName(tr("Device"));
    form->addRow(tr("&Device"), device_);
    dtype_ = choice(
        {{QStringLiteral("auto"),
          tr("Automatic (bf16/fp16 on CUDA; on the CPU bf16 where it has bf16 units, else fp32)")},
         {QStringLiteral("fp32"), tr("float32")},
         {QStringLiteral("fp16"), tr("float16")},
         {QStringLiteral("bf16"), tr("bfloat16")}},
        initial_.factory.dtype, page);
    dtype_->setObjectName(QStringLiteral("dtypeChoice"));
    dtype_->setAccessibleName(tr("Precision"));
    form->addRow(tr("&Precision"), dtype_);
    loadT5_ =
        new QCheckBox(tr("Load the T5 text encoder (SD 3.5; better prompts, more memory)"), page);
    loadT5_->setObjectName(QStringLiteral("loadT5"));
    loadT5_->setChecked(initial_.factory.loadT5);
    form->addRow(loadT5_);
    releaseEncoders_ =
        new QCheckBox(tr("Free the text encoders between jobs (SD 3.5; saves memory)"), page);
    releaseEncoders_->setObjectName(QStringLiteral("releaseTextEncoders"));
    releaseEncoders_->setChecked(initial_.factory.releaseTextEncoders);
    form->addRow(releaseEncoders_);
    auto* note = new QLabel(
        tr("Changing the device, precision or model folders unloads the cached models."), page);
    note->setWordWrap(true);
    form->addRow(note);
    return page;
}

QWidget* SettingsDialog::outputTab() {
    auto* page = new QWidget(this);
    auto* form = new QFormLayout(page);
    output_ = new QLineEdit(initial_.outputFolder, page);
    output_->setObjectName(QStringLiteral("outputFolder"));
    form->addRow(tr("Output folder"), folderField(output_, tr("Output folder"), page));
    previews_ = new QCheckBox(tr("Show a preview of each step"), page);
    previews_->setObjectName(QStringLiteral("previewsEnabled"));
    previews_->setChecked(initial_.service.previews);
    form->addRow(previews_);
    previewInterval_ = new QSpinBox(page);
    previewInterval_->setObjectName(QStringLiteral("previewInterval"));
    previewInterval_->setAccessibleName(tr("Least time between previews"));
    previewInterval_->setRange(0, 10000);
    previewInterval_->setSingleStep(100);
    previewInterval_->setSuffix(tr(" ms"));
    previewInterval_->setSpecialValueText(tr("every step"));
    previewInterval_->setValue(initial_.service.previewIntervalMs);
    form->addRow(tr("Least time between previews"), previewInterval_);
    language_ = choice({{QString(), tr("System language")},
                        {QStringLiteral("en"), QStringLiteral("English")},
                        {QStringLiteral("de"), QStringLiteral("Deutsch")}},
                       initial_.language, page);
    language_->setObjectName(QStringLiteral("languageChoice"));
    language_->setAccessibleName(tr("Language"));
    form->addRow(tr("&Language (after a restart)"), language_);
    return page;
}

QWidget* SettingsDialog::connectionsTab() {
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    auto* r2 = new QGroupBox(tr("Cloudflare R2 (batch uploads)"), page);
    auto* r2Layout = new QVBoxLayout(r2);
    auto* r2Note = new QLabel(tr("The R2 destination (account, bucket, prefix, access key) and "
                                 "its secret are set in the Batch panel, where Test connection "
                                 "tries them. The secret is kept in the system keychain."),
                              r2);
    r2Note->setObjectName(QStringLiteral("r2Note"));
    r2Note->setWordWrap(true);
    r2Layout->addWidget(r2Note);
    layout->addWidget(r2);

    auto* host = new QGroupBox(tr("WebSocket host (exhibition screens)"), page);
    auto* hostForm = new QFormLayout(host);
    hostAddress_ = new QLineEdit(initial_.host.address, host);
    hostAddress_->setObjectName(QStringLiteral("hostAddress"));
    hostAddress_->setAccessibleName(tr("Host address"));
    hostForm->addRow(tr("Address"), hostAddress_);
    hostPort_ = new QSpinBox(host);
    hostPort_->setObjectName(QStringLiteral("hostPort"));
    hostPort_->setAccessibleName(tr("Host port"));
    hostPort_->setRange(1, 65535);
    hostPort_->setValue(initial_.host.port);
    hostForm->addRow(tr("Port"), hostPort_);
    auto* token = new QLabel(tr("The access token is kept in the system keychain: set it in the "
                                "Host panel."),
                             host);
    token->setWordWrap(true);
    hostForm->addRow(token);
    layout->addWidget(host);

    auto* broker = new QGroupBox(tr("Batch broker (several machines)"), page);
    auto* brokerForm = new QFormLayout(broker);
    brokerUrl_ = new QLineEdit(initial_.brokerUrl, broker);
    brokerUrl_->setObjectName(QStringLiteral("brokerUrl"));
    brokerUrl_->setAccessibleName(tr("Broker URL"));
    brokerUrl_->setPlaceholderText(tr("redis://HOST:6379/0 (empty: none)"));
    brokerForm->addRow(tr("Broker URL"), brokerUrl_);
    auto* brokerNote = new QLabel(tr("The Batch panel then shows every set on the broker, "
                                     "with its worker. The password is read from the system "
                                     "keychain or ARCHIVAL_BROKER_PASSWORD, never stored here."),
                                  broker);
    brokerNote->setWordWrap(true);
    brokerForm->addRow(brokerNote);
    layout->addWidget(broker);
    layout->addStretch(1);
    return page;
}

StudioSettings SettingsDialog::settings() const {
    StudioSettings s = initial_;
    s.factory.locations.explicitPaths.clear();
    for (int row = 0; row < explicitPaths_->rowCount(); ++row) {
        const QString id = explicitPaths_->item(row, 0)->text();
        const auto* pathItem = explicitPaths_->item(row, 1);
        const QString path = pathItem ? pathItem->text().trimmed() : QString();
        if (!path.isEmpty()) s.factory.locations.explicitPaths.insert(id, path);
    }
    s.factory.locations.huggingFaceHub = hub_->text().trimmed();
    s.factory.locations.modelRoots.clear();
    for (const QString& line : roots_->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty()) s.factory.locations.modelRoots << line.trimmed();
    s.factory.device = device_->currentData().toString();
    s.factory.dtype = dtype_->currentData().toString();
    s.factory.loadT5 = loadT5_->isChecked();
    s.factory.releaseTextEncoders = releaseEncoders_->isChecked();
    s.outputFolder = output_->text().trimmed();
    s.service.previews = previews_->isChecked();
    s.service.previewIntervalMs = previewInterval_->value();
    s.language = language_->currentData().toString();
    s.host.address = hostAddress_->text().trimmed();
    s.host.port = hostPort_->value();
    s.brokerUrl = brokerUrl_->text().trimmed();
    return s;
}

}  // namespace archival::ui
