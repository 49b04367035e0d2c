#include "pipeline/errors.h"

#include <array>
#include <utility>

namespace archival::pipeline {
namespace {

const std::array<std::pair<ErrorCode, const char*>, 7> kNames = {{
    {ErrorCode::InvalidRequest, "InvalidRequest"},
    {ErrorCode::ModelLoad, "ModelLoad"},
    {ErrorCode::MissingAsset, "MissingAsset"},
    {ErrorCode::OutOfMemory, "OutOfMemory"},
    {ErrorCode::Interrupted, "Interrupted"},
    {ErrorCode::Storage, "Storage"},
    {ErrorCode::Internal, "Internal"},
}};

}  // namespace

QString Error::codeName(ErrorCode code) {
    for (const auto& [c, name] : kNames)
        if (c == code) return QString::fromLatin1(name);
    return QStringLiteral("Internal");
}

bool Error::codeFromName(const QString& name, ErrorCode* out) {
    for (const auto& [c, n] : kNames) {
        if (name == QLatin1String(n)) {
            if (out) *out = c;
            return true;
        }
    }
    return false;
}

}  // namespace archival::pipeline
