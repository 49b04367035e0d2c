#pragma once
// `archival-studio programs`: the registry as a plain-text table for technicians and
// scripts (one program per line, columns aligned), plus the registry's problems.

#include <QString>

#include "pipeline/program_registry.h"

namespace archival::adapters {

QString renderProgramTable(const pipeline::ProgramRegistry& registry);

}  // namespace archival::adapters
