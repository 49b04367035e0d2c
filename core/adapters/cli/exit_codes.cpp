#include "adapters/cli/exit_codes.h"

#include "pipeline/errors.h"

namespace archival::adapters {

int exitCodeForError(const QString& codeName) {
    using pipeline::ErrorCode;
    ErrorCode code = ErrorCode::Internal;
    pipeline::Error::codeFromName(codeName, &code);
    switch (code) {
        case ErrorCode::InvalidRequest:
            return 3;
        case ErrorCode::ModelLoad:
        case ErrorCode::MissingAsset:  // a file the program needs, as a missing model is
            return 4;
        case ErrorCode::OutOfMemory:
            return 5;
        case ErrorCode::Storage:
            return 6;
        case ErrorCode::Interrupted:
            return kCancelledExitCode;
        case ErrorCode::Internal:
            return 7;
    }
    return 7;
}

}  // namespace archival::adapters
