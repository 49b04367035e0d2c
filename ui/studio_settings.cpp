#include "ui/studio_settings.h"

#include <QDir>
#include <QSettings>
#include <QUrl>

#include "pipeline/studio_settings.h"

namespace archival::ui {

StudioSettings StudioSettings::load() {
    const QSettings settings;
    return load(settings);
}

StudioSettings StudioSettings::load(const QSettings& s) {
    StudioSettings out;
    out.factory = pipeline::factorySettingsFromSettings(s);
    out.service = pipeline::serviceSettingsFromSettings(s);
    out.outputFolder = pipeline::outputFolderFromSettings(s);
    out.language = s.value(QStringLiteral("ui/language")).toString();
    out.host = adapters::host::ListenAddress::load(s);
    out.brokerUrl = s.value(QStringLiteral("broker/url")).toString();
    return out;
}

void StudioSettings::save() const {
    QSettings settings;
    save(settings);
}

void StudioSettings::save(QSettings& s) const {
    pipeline::saveFactorySettings(s, factory);
    pipeline::saveServiceSettings(s, service);
    s.setValue(QStringLiteral("output/folder"), outputFolder);
    s.setValue(QStringLiteral("ui/language"), language);
    host.save(s);
    // A password typed into the URL is used for this run, never written here.
    QUrl broker(brokerUrl.trimmed());
    broker.setPassword(QString());
    if (broker.userName().isEmpty()) broker.setUserInfo(QString());  // no bare "@"
    s.setValue(QStringLiteral("broker/url"),
               brokerUrl.trimmed().isEmpty() ? QString() : broker.toString());
    s.sync();
}

QStringList modelsInHubCache(const QString& hubFolder) {
    QStringList out;
    if (hubFolder.isEmpty()) return out;
    const auto entries = QDir(hubFolder).entryList({QStringLiteral("models--*")},
                                                   QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString& e : entries)
        out << e.mid(8).split(QStringLiteral("--")).join(QLatin1Char('/'));
    return out;
}

}  // namespace archival::ui
