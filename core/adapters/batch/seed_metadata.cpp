#include "adapters/batch/seed_metadata.h"

#include <QJsonArray>

#include "adapters/batch/set_record.h"

namespace archival::adapters {

QJsonObject seedMetadata(const SetRecord& record, const pipeline::ImageMetadata& image,
                         const QJsonObject& studio) {
    QJsonObject durations;
    for (auto it = record.stepSeconds.begin(); it != record.stepSeconds.end(); ++it)
        durations.insert(QString::number(it.key()), it.value());
    QJsonArray previews;
    for (int step : record.previewSteps)
        previews.append(QJsonObject{{"step", step},
                                    {"url", record.publicUrl(SetRecord::previewFile(step))},
                                    {"duration", record.stepSeconds.value(step)}});
    const QJsonObject modelConfig{{"program", record.programId},
                                  {"prompt", image.promptSent},
                                  {"num_inference_steps", image.steps},
                                  {"guidance_scale", image.guidance},
                                  {"width", image.width},
                                  {"height", image.height}};
    return QJsonObject{
        {"cue_id", record.actionId},
        {"set_id", record.setNumber},
        {"total_steps", record.totalSteps > 0 ? record.totalSteps : image.steps},
        {"durations", durations},
        {"total_duration", record.generationSeconds},
        {"generated_at", record.generatedAt},
        {"model_config", modelConfig},
        {"preview_urls", previews},
        {"final_url", record.publicUrl(record.imageFiles().value(0))},
        // Written before the first upload and never changed after (write-once, resumable):
        // an upload that fails leaves the set failed and this file unsent, never a list here.
        {"upload_errors", QJsonArray()},
        {QLatin1String(kStudioMetadataKey), studio},
    };
}

}  // namespace archival::adapters
