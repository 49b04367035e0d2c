#include "engine/errors.h"

namespace archival::engine {

const char* errorKindName(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::InvalidRequest:
            return "InvalidRequest";
        case ErrorKind::ModelLoad:
            return "ModelLoad";
        case ErrorKind::OutOfMemory:
            return "OutOfMemory";
        case ErrorKind::Interrupted:
            return "Interrupted";
        case ErrorKind::Storage:
            return "Storage";
        case ErrorKind::Internal:
            return "Internal";
    }
    return "Internal";
}

}  // namespace archival::engine
