#pragma once
// Finds the folder (or single file) that holds a model id, the way a curator expects:
//   1. an explicit path set in settings for that id;
//   2. the Hugging Face cache ($HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub,
//      models--ORG--NAME/snapshots/<rev>/, following refs/main), so a model downloaded
//      with the usual tools is found with no configuration;
//   3. a model root folder: <root>/ORG/NAME.
// A found folder is checked for the components its family needs; what is missing is named.
// A model id with other names for the same weights (SD 1.5 moved from runwayml/ to
// stable-diffusion-v1-5/) is found under any of them, at each step, its own name first.

#include <QMap>
#include <QString>
#include <QStringList>

namespace archival::pipeline {

struct ModelLocations {
    QMap<QString, QString> explicitPaths;  // model id -> folder or .safetensors file
    QString huggingFaceHub;                // the hub cache folder (see defaultHubCache)
    QStringList modelRoots;

    // $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.
    static QString defaultHubCache();
};

struct ModelResolution {
    enum class Source { NotFound, Explicit, HuggingFaceCache, ModelRoot };

    QString modelId;
    QString family;
    Source source = Source::NotFound;
    QString path;             // folder, or file when singleFile
    bool singleFile = false;  // an original-layout .safetensors checkpoint (SD 1.5)
    QStringList searched;     // every place looked at, in order
    QStringList missing;      // required components absent from `path`
    QStringList notes;        // optional components absent (e.g. T5 for SD3)

    bool usable() const { return source != Source::NotFound && missing.isEmpty(); }
    QString sourceName() const;
    // One line for a status bar: where it was found and what is missing, or where we looked.
    QString describe() const;
};

class ModelResolver {
  public:
    explicit ModelResolver(ModelLocations locations) : locations_(std::move(locations)) {}

    ModelResolution resolve(const QString& modelId, const QString& family) const;

    // The id itself, then the other ids of the same weights.
    static QStringList sameWeights(const QString& modelId);

    // Components a family's folder layout needs (required) and may have (optional).
    static QStringList requiredComponents(const QString& family);
    static QStringList optionalComponents(const QString& family);
    // Names the missing parts of a folder for a family (empty = complete).
    static QStringList missingComponents(const QString& folder, const QString& family,
                                         QStringList* optionalMissing = nullptr);

    const ModelLocations& locations() const { return locations_; }

  private:
    ModelLocations locations_;
};

}  // namespace archival::pipeline
