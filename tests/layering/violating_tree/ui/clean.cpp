// Allowed: ui includes Qt and the engine's public face. Must not be reported.
#include <QString>

#include "engine/generation.h"
