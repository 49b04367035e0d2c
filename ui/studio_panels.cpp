#include "ui/studio_panels.h"

#include <QHostAddress>
#include <QSettings>
#include <QStatusBar>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/r2_settings.h"
#include "adapters/batch/s3_client.h"
#include "adapters/batch/secret_store.h"
#include "adapters/batch/service_image_source.h"
#include "adapters/host/exhibition_host.h"
#include "adapters/host/host_settings.h"
#include "adapters/host/service_job_runner.h"
#include "ui/batch_panel.h"
#include "ui/host_panel.h"
#include "ui/main_window.h"
#include "ui/studio_settings.h"

namespace archival::ui {

StudioPanels::StudioPanels(MainWindow* window, pipeline::GenerationService* service,
                           QObject* parent)
    : QObject(parent), window_(window) {
    const StudioSettings settings = StudioSettings::load();

    source_ = std::make_unique<adapters::ServiceImageSource>(*service);
    adapters::QueueSettings queueSettings;
    const adapters::R2Settings r2 = adapters::R2Settings::load(QSettings());
    queueSettings.prefix = r2.prefix;
    queueSettings.bucket = r2.bucket;
    queue_ = std::make_unique<adapters::BatchQueue>(queueSettings, source_.get(), nullptr);
    const QStringList problems = queue_->resume();
    connectUploader();
    auto* batch = new BatchPanel(queue_.get());
    batch->setObjectName(QStringLiteral("batchPanel"));
    connect(batch, &BatchPanel::settingsSaved, this, [this] { connectUploader(); });
    batchDock_ = window_->addPanelDock(batch, tr("Batch"), QStringLiteral("batchDock"));
    if (!problems.isEmpty())
        window_->statusBar()->showMessage(problems.join(QStringLiteral("; ")), 10000);

    adapters::host::HostSettings hostSettings;
    const QHostAddress address(settings.hostAddress);
    if (!address.isNull()) hostSettings.address = address;
    hostSettings.port = quint16(settings.hostPort);
    hostJobRunner_ = std::make_unique<adapters::host::ServiceJobRunner>(service);
    host_ = std::make_unique<adapters::host::ExhibitionHost>(hostSettings, hostJobRunner_.get());
    auto* hostPanel = new HostPanel(host_.get());
    hostPanel->setObjectName(QStringLiteral("hostPanel"));
    connect(hostPanel, &HostPanel::message, window_,
            [this](const QString& text) { window_->statusBar()->showMessage(text, 8000); });
    hostDock_ = window_->addPanelDock(hostPanel, tr("Exhibition host"), QStringLiteral("hostDock"));
}

StudioPanels::~StudioPanels() {
    // The panels point at the queue and the host: they go first.
    delete batchDock_.data();
    delete hostDock_.data();
    host_.reset();
    queue_.reset();
}

void StudioPanels::connectUploader() {
    queue_->setUploader(nullptr);
    uploader_.reset();
    const adapters::R2Settings r2 = adapters::R2Settings::load(QSettings());
    if (!r2.missing().isEmpty()) return;  // the batch panel says what is missing
    const adapters::SecretStore::Result secret =
        adapters::SecretStore::secretForRun(r2.accessKeyId);
    if (!secret.ok) {
        window_->statusBar()->showMessage(
            tr("Batch uploads wait for the R2 key: %1").arg(secret.error), 10000);
        return;
    }
    adapters::S3Settings s3;
    s3.endpoint = r2.effectiveEndpoint();
    s3.bucket = r2.bucket;
    s3.credentials = {r2.accessKeyId, secret.secret, {}};
    uploader_ = std::make_unique<adapters::S3Client>(s3);
    queue_->setUploader(uploader_.get());
}

}  // namespace archival::ui
