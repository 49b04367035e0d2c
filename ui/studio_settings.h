#pragma once
// The window's settings in QSettings. The engine, model and output keys are the pipeline's
// (pipeline/studio_settings.h), so the window, the command line and the headless host read
// the same values; the window adds
//   ui/language            "" (follow the system), "en", "de"
//   r2/account, r2/bucket, r2/prefix
//   host/address, host/port
// Secrets (R2 keys, the host's access token) never go here: the batch and host panels keep
// them in the OS keychain.

#include <QString>
#include <QStringList>

#include "pipeline/generation_service.h"
#include "pipeline/pipeline_factory.h"

class QSettings;

namespace archival::ui {

struct StudioSettings {
    pipeline::FactorySettings factory;
    pipeline::ServiceSettings service;
    QString outputFolder;
    QString language;  // empty: the system's
    QString r2Account, r2Bucket, r2Prefix;
    QString hostAddress = QStringLiteral("127.0.0.1");
    int hostPort = 8787;  // the host's default (HostSettings, serve)

    static StudioSettings load();
    static StudioSettings load(const QSettings& settings);
    void save() const;
    void save(QSettings& settings) const;
};

// Model ids found in a Hugging Face hub cache folder (models--ORG--NAME -> ORG/NAME).
QStringList modelsInHubCache(const QString& hubFolder);

}  // namespace archival::ui
