#include "ui/translator.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace archival::ui {

QStringList availableLanguages() {
    return {QStringLiteral("en"), QStringLiteral("de")};
}

QString installTranslations(QCoreApplication* app, const QString& language) {
    const QLocale locale = language.isEmpty() ? QLocale::system() : QLocale(language);
    QString lang = QLocale::languageToCode(locale.language());
    if (!availableLanguages().contains(lang)) lang = QStringLiteral("en");
    auto* studio = new QTranslator(app);
    if (studio->load(QStringLiteral(":/i18n/archival_studio_%1.qm").arg(lang)))
        QCoreApplication::installTranslator(studio);
    else
        delete studio;
    // Qt's own dialogs and buttons (OK, Cancel, file dialogs), when installed.
    auto* qt = new QTranslator(app);
    if (qt->load(QLocale(lang), QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    else
        delete qt;
    return lang;
}

}  // namespace archival::ui
