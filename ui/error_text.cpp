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

QString errorCodeName(pipeline::ErrorCode code) {
    using pipeline::ErrorCode;
    switch (code) {
        case ErrorCode::InvalidRequest:
            return QStringLiteral("InvalidRequest");
        case ErrorCode::ModelLoad:
            return QStringLiteral("ModelLoad");
        case ErrorCode::OutOfMemory:
            return QStringLiteral("OutOfMemory");
        case ErrorCode::Interrupted:
            return QStringLiteral("Interrupted");
        case ErrorCode::Storage:
            return QStringLiteral("Storage");
        case ErrorCode::Internal:
            break;
    }
    return QStringLiteral("Internal");
}

QString errorLine(const pipeline::Error& error) {
    return errorCodeName(error.code) + QStringLiteral(": ") + error.message;
}

QString errorHtml(const pipeline::Error& error) {
    return QStringLiteral("<b>%1</b> (%2): %3")
        .arg(errorHeadline(error.code).toHtmlEscaped(), errorCodeName(error.code).toHtmlEscaped(),
             error.message.toHtmlEscaped());
}

}  // namespace archival::ui
