#pragma once
// Typed engine errors. Every failure the engine reports is one of these kinds, with a
// message a curator can act on; the pipeline layer maps them 1:1 onto its own error type.
// Part of the engine's public surface (core/engine/include): standard C++ only.

#include <stdexcept>
#include <string>

namespace archival::engine {

enum class ErrorKind {
    InvalidRequest,  // the caller asked for something impossible (bad size, strength...)
    ModelLoad,       // a model file or folder is missing, broken or of the wrong layout
    OutOfMemory,     // the device ran out of memory
    Interrupted,     // cancelled by the caller
    Storage,         // reading or writing a file failed
    Internal,        // a bug: should never reach a user
};

const char* errorKindName(ErrorKind kind);

class EngineError : public std::runtime_error {
  public:
    EngineError(ErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

  private:
    ErrorKind kind_;
};

}  // namespace archival::engine
