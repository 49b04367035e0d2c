#pragma once
// The one error type every way in (GUI, command line, batch queue, WebSocket host) shows.
// Engine errors map onto it 1:1; the pipeline layer adds its own (unknown program, a model
// that cannot be found, a file that cannot be written).

#include <QMetaType>
#include <QString>

namespace archival::pipeline {

enum class ErrorCode {
    InvalidRequest,  // the request cannot be run as asked (unknown program, bad size, ...)
    ModelLoad,       // a model is missing, incomplete or broken
    MissingAsset,    // a program's own file (source image, LoRA) was not found
    OutOfMemory,     // the device ran out of memory (after trimming the cache and retrying)
    Interrupted,     // cancelled
    Storage,         // reading or writing a file failed (full disk, no permission)
    Internal,        // a bug
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    QString message;  // a sentence a curator can act on

    // "InvalidRequest", "ModelLoad", ... (stable: used in protocols and logs).
    QString codeName() const { return codeName(code); }
    static QString codeName(ErrorCode code);
    // The inverse of codeName; false when the name is unknown.
    static bool codeFromName(const QString& name, ErrorCode* out);
    // "ModelLoad: the folder ... has no unet/ (looked in ...)".
    QString toString() const { return codeName() + QStringLiteral(": ") + message; }
};

}  // namespace archival::pipeline

Q_DECLARE_METATYPE(archival::pipeline::Error)
