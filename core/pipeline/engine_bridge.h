#pragma once
// The seam between Qt types and the engine's plain C++ types: images and errors.

#include <QImage>

#include "engine/errors.h"
#include "engine/generation.h"
#include "pipeline/errors.h"

namespace archival::pipeline {

// RGB888 QImage (a deep copy) of an engine image; null for an empty one.
QImage toQImage(const engine::Image& image);
// The engine's packed RGB from any QImage (converted to RGB888, padding removed).
engine::Image toEngineImage(const QImage& image);
Error fromEngineError(const engine::EngineError& error);

}  // namespace archival::pipeline
