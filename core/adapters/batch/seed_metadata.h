#pragma once
// A set's meta.json in the reference service's shape (SEED-COMPAT.md, "R2 objects"), which
// the exhibition's replay reads:
//
//   cue_id (the action id), set_id, total_steps, durations {"<step>": seconds},
//   total_duration, generated_at ("YYYY-MM-DDTHH:MM:SSZ"), model_config {program, prompt (as
//   sent), num_inference_steps, guidance_scale, width, height}, preview_urls [{step, url,
//   duration}], final_url, upload_errors []
//
// plus the studio's own metadata (seeds, hashes, sizes asked and made, every image's
// metadata, the upload time) under the one key "archival_studio".

#include <QJsonObject>

#include "pipeline/image_metadata.h"

namespace archival::adapters {

struct SetRecord;

inline constexpr char kStudioMetadataKey[] = "archival_studio";

// `image`: the set's first image's metadata (model_config comes from it); `studio`: the
// studio's metadata, kept whole under kStudioMetadataKey.
QJsonObject seedMetadata(const SetRecord& record, const pipeline::ImageMetadata& image,
                         const QJsonObject& studio);

}  // namespace archival::adapters
