#pragma once
// The studio's settings (QSettings) that the pipeline service reads, in one place, so the
// window, the command line and the headless host agree on keys and defaults:
//   engine/device            "auto" | "cpu" | "cuda" | "cuda:N"
//   engine/dtype             "auto" | "fp32" | "fp16" | "bf16"
//   engine/memoryBudgetMiB   0 = from the device's free memory
//   engine/loadT5            SD3 with T5 (true) or without (zeros)
//   engine/releaseTextEncoders
//   engine/previewIntervalMs least time between two step previews (0 = every step)
//   engine/previews          step previews on/off
//   models/explicitPaths     map model id -> folder or .safetensors file
//   models/roots             model root folders (<root>/ORG/NAME)
//   models/huggingFaceHub    the hub cache (default: $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/...)
//   assets/explicitPaths     map asset name -> file (a program's source image, LoRA)
//   output/folder            where finished images go

#include <QSettings>
#include <QString>

#include "pipeline/generation_service.h"
#include "pipeline/model_resolver.h"
#include "pipeline/pipeline_factory.h"

namespace archival::pipeline {

ModelLocations modelLocationsFromSettings(const QSettings& settings);
// Asset name -> file, for ProgramRegistry::load.
QMap<QString, QString> assetPathsFromSettings(const QSettings& settings);
FactorySettings factorySettingsFromSettings(const QSettings& settings);
ServiceSettings serviceSettingsFromSettings(const QSettings& settings);
void saveFactorySettings(QSettings& settings, const FactorySettings& factory);
void saveServiceSettings(QSettings& settings, const ServiceSettings& service);

// <Pictures>/Archival Studio unless the settings name another folder.
QString outputFolderFromSettings(const QSettings& settings);

// "<program>_<yyyyMMdd-HHmmss>_<seed>_<n>.png": sorts by time, says where it came from.
QString imageFileName(const QString& programId, const QDateTime& when, quint64 seed, int index);

}  // namespace archival::pipeline
