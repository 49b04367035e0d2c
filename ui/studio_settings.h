#pragma once
// The window's settings in QSettings. The engine, model and output keys are the pipeline's
// (pipeline/studio_settings.h), so the window, the command line and the headless host read
// the same values; the window adds
//   ui/language            "" (follow the system), "en", "de"
//   broker/url             the batch broker the batch panel shows (redis://HOST:PORT/DB);
//                          stored without a password (that comes from the keychain or
//                          ARCHIVAL_BROKER_PASSWORD)
// and the exhibition host's address, whose keys (host/address, host/port) are
// adapters::host::ListenAddress's. The R2 destination (r2/...) is adapters::R2Settings'
// alone and is edited in the batch panel. Secrets (the R2 key, the host's access token)
// never go here: they live in the OS keychain.

#include <QString>
#include <QStringList>

#include "adapters/host/host_settings.h"
#include "pipeline/generation_service.h"
#include "pipeline/pipeline_factory.h"

class QSettings;

namespace archival::ui {

struct StudioSettings {
    pipeline::FactorySettings factory;
    pipeline::ServiceSettings service;
    QString outputFolder;
    QString language;  // empty: the system's
    adapters::host::ListenAddress host;
    QString brokerUrl;  // empty: no broker

    static StudioSettings load();
    static StudioSettings load(const QSettings& settings);
    void save() const;
    void save(QSettings& settings) const;
};

// Model ids found in a Hugging Face hub cache folder (models--ORG--NAME -> ORG/NAME).
QStringList modelsInHubCache(const QString& hubFolder);

}  // namespace archival::ui
