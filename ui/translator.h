#pragma once
// The studio's language: the one chosen in settings ("en", "de"), else the system's.
// Loads the studio's and Qt's own translations from the compiled-in .qm files.

#include <QString>

class QCoreApplication;

namespace archival::ui {

// Installs translators on the application; returns the language in use ("de", "en").
QString installTranslations(QCoreApplication* app, const QString& language);
// Languages the studio ships, as codes.
QStringList availableLanguages();

}  // namespace archival::ui
