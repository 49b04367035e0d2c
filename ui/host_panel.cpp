#include "ui/host_panel.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "adapters/host/access_token.h"
#include "adapters/host/exhibition_host.h"

namespace archival::ui {

namespace host = adapters::host;

namespace {

enum Column { Name, Address, Role, Watching, Previews, Action, ColumnCount };

QString watchingText(const host::ClientInfo& c) {
    QString text = c.subscription == host::Subscription::All ? HostPanel::tr("all jobs")
                                                             : HostPanel::tr("its own jobs");
    if (!c.jobs.isEmpty())
        text += HostPanel::tr(" (%n job(s) of its own)", nullptr, int(c.jobs.size()));
    return text;
}

}  // namespace

HostPanel::HostPanel(host::ExhibitionHost* host, QWidget* parent, TokenStore storeToken)
    : QWidget(parent), host_(host), storeToken_(std::move(storeToken)) {
    if (!storeToken_) storeToken_ = &host::storeAccessToken;

    enabled_ = new QCheckBox(tr("Serve exhibition screens"), this);
    address_ = new QLabel(this);
    page_ = new QLabel(this);
    status_ = new QLabel(this);
    for (QLabel* l : {address_, page_}) l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    page_->setOpenExternalLinks(true);

    token_ = new QLineEdit(this);
    token_->setReadOnly(true);
    token_->setEchoMode(QLineEdit::Password);
    token_->setAccessibleName(tr("Access token"));
    showToken_ = new QPushButton(tr("Show"), this);
    showToken_->setCheckable(true);
    copy_ = new QPushButton(tr("Copy"), this);
    regenerate_ = new QPushButton(tr("Regenerate"), this);
    regenerate_->setToolTip(
        tr("Make a new token; screens already attached stay, new ones need "
           "the new token"));
    auto* tokenRow = new QHBoxLayout;
    tokenRow->addWidget(token_, 1);
    tokenRow->addWidget(showToken_);
    tokenRow->addWidget(copy_);
    tokenRow->addWidget(regenerate_);

    auto* form = new QFormLayout;
    form->addRow(enabled_);
    form->addRow(tr("Screens connect to:"), address_);
    form->addRow(tr("Display page:"), page_);
    form->addRow(tr("Access token:"), tokenRow);
    form->addRow(status_);

    clients_ = new QTableWidget(0, ColumnCount, this);
    clients_->setHorizontalHeaderLabels(
        {tr("Name"), tr("Address"), tr("Role"), tr("Watching"), tr("Previews dropped"), QString()});
    clients_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    clients_->horizontalHeader()->setSectionResizeMode(Name, QHeaderView::Stretch);
    clients_->verticalHeader()->hide();
    clients_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    clients_->setSelectionMode(QAbstractItemView::NoSelection);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Attached displays"), this));
    layout->addWidget(clients_, 1);

    connect(enabled_, &QCheckBox::toggled, this, &HostPanel::setEnabledFromSwitch);
    connect(showToken_, &QPushButton::toggled, this, [this](bool show) {
        token_->setEchoMode(show ? QLineEdit::Normal : QLineEdit::Password);
        showToken_->setText(show ? tr("Hide") : tr("Show"));
    });
    connect(copy_, &QPushButton::clicked, this, &HostPanel::copyToken);
    connect(regenerate_, &QPushButton::clicked, this, &HostPanel::regenerateToken);
    connect(host_, &host::ExhibitionHost::listeningChanged, this, &HostPanel::refreshState);
    connect(host_, &host::ExhibitionHost::clientsChanged, this, &HostPanel::refreshClients);
    refreshState();
    refreshClients();
}

QString HostPanel::tokenText() const {
    return token_->text();
}

QString HostPanel::statusText() const {
    return status_->text();
}

void HostPanel::setEnabledFromSwitch(bool on) {
    if (on == host_->isListening()) return;
    if (on && !host_->start()) {
        status_->setText(host_->errorString());
        const QSignalBlocker block(enabled_);
        enabled_->setChecked(false);
        return;
    }
    if (!on) host_->stop();
    refreshState();
}

void HostPanel::refreshState() {
    const bool listening = host_->isListening();
    {
        const QSignalBlocker block(enabled_);
        enabled_->setChecked(listening);
    }
    const host::HostSettings s = host_->settings();
    address_->setText(listening ? host_->webSocketUrl() : tr("off"));
    const QString page = host_->displayPageUrl();
    page_->setText(listening && !page.isEmpty()
                       ? QStringLiteral("<a href=\"%1\">%1</a>").arg(page.toHtmlEscaped())
                       : tr("off"));
    token_->setText(s.token);
    token_->setPlaceholderText(tr("none: loopback screens only"));
    copy_->setEnabled(!s.token.isEmpty());
    if (listening)
        status_->setText(s.tokenRequired() ? tr("Screens need the access token.")
                                           : tr("Screens on this computer need no token."));
    else if (status_->text().isEmpty() || host_->errorString().isEmpty())
        status_->setText(tr("Not serving."));
}

void HostPanel::refreshClients() {
    const QList<host::ClientInfo> list = host_->clients();
    clients_->setRowCount(int(list.size()));
    for (int row = 0; row < list.size(); ++row) {
        const host::ClientInfo& c = list.at(row);
        const QString name =
            c.name.isEmpty() ? (c.identified ? c.id : tr("%1 (legacy)").arg(c.id)) : c.name;
        clients_->setItem(row, Name, new QTableWidgetItem(name));
        clients_->setItem(row, Address, new QTableWidgetItem(c.address));
        clients_->setItem(
            row, Role,
            new QTableWidgetItem(c.role == host::ClientRole::Display ? tr("display")
                                                                     : tr("controller")));
        clients_->setItem(row, Watching, new QTableWidgetItem(watchingText(c)));
        clients_->setItem(row, Previews, new QTableWidgetItem(QString::number(c.previewsDropped)));
        auto* disconnect = new QPushButton(tr("Disconnect"), clients_);
        disconnect->setAccessibleName(tr("Disconnect %1").arg(name));
        connect(disconnect, &QPushButton::clicked, this,
                [this, id = c.id] { host_->disconnectClient(id); });
        clients_->setCellWidget(row, Action, disconnect);
    }
}

void HostPanel::copyToken() {
    if (token_->text().isEmpty()) return;
    QApplication::clipboard()->setText(token_->text());
    Q_EMIT message(tr("Access token copied."));
}

void HostPanel::regenerateToken() {
    const QString token = host::generateAccessToken();
    QString error;
    if (!storeToken_(token, &error)) {
        // The host still uses it for this run; say that it will not survive a restart.
        status_->setText(tr("The keychain is unavailable (%1): the new token lasts until the "
                            "studio closes.")
                             .arg(error));
    } else {
        status_->setText(tr("New token stored in the keychain."));
    }
    host_->setToken(token);
    token_->setText(token);
    copy_->setEnabled(true);
    Q_EMIT message(tr("A new access token is in use."));
}

}  // namespace archival::ui
