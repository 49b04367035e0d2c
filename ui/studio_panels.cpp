#include "ui/studio_panels.h"

#include <QDockWidget>
#include <QStatusBar>

#include "adapters/batch/batch_destination.h"
#include "adapters/batch/r2_settings.h"
#include "adapters/host/exhibition_host.h"
#include "adapters/host/host_settings.h"
#include "ui/batch_panel.h"
#include "ui/host_panel.h"
#include "ui/main_window.h"
#include "ui/studio_settings.h"

namespace archival::ui {

StudioPanels::StudioPanels(MainWindow* window, adapters::BatchDestination* batch,
                           adapters::host::ExhibitionHost* host, QObject* parent)
    : QObject(parent), window_(window), batch_(batch), host_(host) {
    batchPanel_ = new BatchPanel(batch_->queue());
    batchPanel_->setObjectName(QStringLiteral("batchPanel"));
    connect(batch_, &adapters::BatchDestination::queueReplaced, batchPanel_, &BatchPanel::setQueue);
    connect(batchPanel_, &BatchPanel::settingsSaved, this, &StudioPanels::retargetBatch);
    batchDock_ = window_->addPanelDock(batchPanel_, tr("Batch"), QStringLiteral("batchDock"));
    batchPanel_->setBrokerUrl(StudioSettings::load().brokerUrl);
    if (batch_->destination().missing().isEmpty() && !batch_->uploaderProblem().isEmpty())
        showMessage(tr("Batch uploads wait for the R2 key: %1").arg(batch_->uploaderProblem()),
                    10000);

    hostPanel_ = new HostPanel(host_);
    hostPanel_->setObjectName(QStringLiteral("hostPanel"));
    connect(hostPanel_, &HostPanel::message, this,
            [this](const QString& text) { showMessage(text, 8000); });
    hostDock_ =
        window_->addPanelDock(hostPanel_, tr("Exhibition host"), QStringLiteral("hostDock"));
    connect(window_, &MainWindow::settingsApplied, this, [this](const StudioSettings& settings) {
        moveHost(settings.host);
        batchPanel_->setBrokerUrl(settings.brokerUrl);
    });
}

StudioPanels::~StudioPanels() {
    // The panels point at the queue and the host, which outlive this: the panels go now.
    delete batchDock_.data();
    delete hostDock_.data();
}

BatchPanel* StudioPanels::batchPanel() const {
    return batchPanel_;
}

HostPanel* StudioPanels::hostPanel() const {
    return hostPanel_;
}

void StudioPanels::retargetBatch(const adapters::R2Settings& r2) {
    QStringList problems = batch_->retarget(r2);
    if (r2.missing().isEmpty() && !batch_->uploaderProblem().isEmpty())
        problems.prepend(
            tr("Batch uploads wait for the R2 key: %1").arg(batch_->uploaderProblem()));
    if (!problems.isEmpty()) showMessage(problems.join(QStringLiteral("; ")), 10000);
}

void StudioPanels::moveHost(const adapters::host::ListenAddress& address) {
    adapters::host::HostSettings wanted = host_->settings();
    address.applyTo(&wanted);
    const adapters::host::HostSettings now = host_->settings();
    if (wanted.address == now.address && wanted.port == now.port) return;
    host_->setListenAddress(wanted.address, wanted.port);
    const QString where = QStringLiteral("%1:%2").arg(wanted.address.toString()).arg(wanted.port);
    if (!host_->isListening()) {
        showMessage(tr("The exhibition host will listen on %1 when switched on.").arg(where), 8000);
        return;
    }
    // Screens attached to the old address reconnect to the new one.
    host_->stop();
    if (host_->start())
        showMessage(tr("The exhibition host now listens on %1.").arg(host_->webSocketUrl()), 8000);
    else
        showMessage(
            tr("The exhibition host cannot listen on %1: %2").arg(where, host_->errorString()),
            10000);
}

void StudioPanels::showMessage(const QString& text, int ms) {
    window_->statusBar()->showMessage(text, ms);
}

}  // namespace archival::ui
