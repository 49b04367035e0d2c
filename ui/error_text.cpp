#include "ui/error_text.h"

#include <QCoreApplication>

namespace archival::ui {

QString errorHeadline(pipeline::ErrorCode code) {
    using pipeline::ErrorCode;
    switch (code) {
        case ErrorCode::InvalidRequest:
            return QCoreApplication::translate("ErrorText", "The request cannot be run");
        case ErrorCode::ModelLoad:
            return QCoreApplication::translate("ErrorText", "The model could not be loaded");
        case ErrorCode::MissingAsset:
            return QCoreApplication::translate("ErrorText", "A file the program needs is missing");
        case ErrorCode::OutOfMemory:
            return QCoreApplication::translate("ErrorText", "Not enough memory");
        case ErrorCode::Interrupted:
            return QCoreApplication::translate("ErrorText", "Cancelled");
        case ErrorCode::Storage:
            return QCoreApplication::translate("ErrorText", "A file could not be read or written");
        case ErrorCode::Internal:
            break;
    }
    return QCoreApplication::translate("ErrorText", "Internal error (please report it)");
}

QString errorLine(const pipeline::Error& error) {
    return error.toString();
}

QString errorHtml(const pipeline::Error& error) {
    return QStringLiteral("<b>%1</b> (%2): %3")
        .arg(errorHeadline(error.code).toHtmlEscaped(), error.codeName().toHtmlEscaped(),
             error.message.toHtmlEscaped());
}

}  // namespace archival::ui
