#pragma once
// The seam between Qt types and the engine's plain C++ types: images, errors and the
// engine's choices (device, dtype, sampler, family), which the pipeline keeps in the
// settings' and program files' spellings as QStrings.

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

// The engine's spellings ("cuda:0", "bf16", "pndm", "sd3") as QStrings.
QString deviceText(const engine::Device& device);
QString dtypeText(engine::Dtype dtype);
QString samplerText(engine::Sampler sampler);
// The memory of the device the settings name (auto, cpu, cuda, cuda:N). A spelling the
// engine does not know reads as no memory at all; loading a model then says what is wrong.
engine::DeviceMemory deviceMemoryOf(const QString& device);

}  // namespace archival::pipeline
