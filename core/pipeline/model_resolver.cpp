#include "pipeline/model_resolver.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcessEnvironment>

namespace archival::pipeline {
namespace {

bool hasWeights(const QString& folder) {
    const QDir dir(folder);
    return !dir.entryList(
                   {QStringLiteral("*.safetensors"), QStringLiteral("*.safetensors.index*.json")},
                   QDir::Files)
                .isEmpty();
}

// A component is "name/" with its files; each check returns an empty string when present.
QString checkComponent(const QDir& root, const QString& component) {
    const QString dir = root.filePath(component);
    auto need = [&](const QString& file) -> QString {
        return QFileInfo::exists(dir + QLatin1Char('/') + file)
                   ? QString()
                   : component + QLatin1Char('/') + file;
    };
    if (component == QLatin1String("model_index.json"))
        return QFileInfo::exists(root.filePath(component)) ? QString() : component;
    if (!QFileInfo(dir).isDir()) return component + QLatin1Char('/');
    if (component == QLatin1String("scheduler"))
        return need(QStringLiteral("scheduler_config.json"));
    if (component.startsWith(QLatin1String("tokenizer"))) {
        if (component == QLatin1String("tokenizer_3")) return need(QStringLiteral("spiece.model"));
        const QString v = need(QStringLiteral("vocab.json"));
        return v.isEmpty() ? need(QStringLiteral("merges.txt")) : v;
    }
    QString config = need(QStringLiteral("config.json"));
    if (!config.isEmpty()) return config;
    return hasWeights(dir) ? QString() : component + QStringLiteral("/*.safetensors");
}

// models--ORG--NAME/snapshots/<rev>: the revision refs/main names, else the newest snapshot.
QString hubSnapshot(const QString& hub, const QString& modelId, QStringList& searched) {
    QString repo = modelId;
    repo.replace(QLatin1Char('/'), QStringLiteral("--"));
    const QString base = hub + QStringLiteral("/models--") + repo;
    searched << base;
    QFile ref(base + QStringLiteral("/refs/main"));
    if (ref.open(QIODevice::ReadOnly)) {
        const QString rev = QString::fromUtf8(ref.readAll()).trimmed();
        QString snap = base + QStringLiteral("/snapshots/") + rev;
        if (!rev.isEmpty() && !rev.contains(QLatin1Char('/')) && QFileInfo(snap).isDir())
            return snap;
    }
    const QFileInfoList snaps = QDir(base + QStringLiteral("/snapshots"))
                                    .entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time);
    return snaps.isEmpty() ? QString() : snaps.first().absoluteFilePath();
}

}  // namespace

QString ModelLocations::defaultHubCache() {
    const auto env = QProcessEnvironment::systemEnvironment();
    if (!env.value(QStringLiteral("HF_HUB_CACHE")).isEmpty())
        return env.value(QStringLiteral("HF_HUB_CACHE"));
    if (!env.value(QStringLiteral("HF_HOME")).isEmpty())
        return env.value(QStringLiteral("HF_HOME")) + QStringLiteral("/hub");
    return QDir::homePath() + QStringLiteral("/.cache/huggingface/hub");
}

QString ModelResolution::sourceName() const {
    switch (source) {
        case Source::Explicit:
            return QStringLiteral("settings");
        case Source::HuggingFaceCache:
            return QStringLiteral("Hugging Face cache");
        case Source::ModelRoot:
            return QStringLiteral("model root");
        case Source::NotFound:
            break;
    }
    return QStringLiteral("not found");
}

QString ModelResolution::describe() const {
    if (source == Source::NotFound)
        return QStringLiteral("%1: not found (looked in %2)")
            .arg(modelId, searched.join(QStringLiteral(", ")));
    QString s = QStringLiteral("%1: %2 (%3)").arg(modelId, path, sourceName());
    if (!missing.isEmpty())
        s += QStringLiteral(" — missing %1").arg(missing.join(QStringLiteral(", ")));
    if (!notes.isEmpty()) s += QStringLiteral(" — %1").arg(notes.join(QStringLiteral("; ")));
    return s;
}

QStringList ModelResolver::requiredComponents(const QString& family) {
    if (family == QLatin1String("sd3"))
        return {QStringLiteral("model_index.json"),
                QStringLiteral("transformer"),
                QStringLiteral("vae"),
                QStringLiteral("text_encoder"),
                QStringLiteral("text_encoder_2"),
                QStringLiteral("tokenizer"),
                QStringLiteral("tokenizer_2"),
                QStringLiteral("scheduler")};
    return {QStringLiteral("model_index.json"),
            QStringLiteral("unet"),
            QStringLiteral("vae"),
            QStringLiteral("text_encoder"),
            QStringLiteral("tokenizer"),
            QStringLiteral("scheduler")};
}

QStringList ModelResolver::optionalComponents(const QString& family) {
    // SD3 runs without T5 (zeros in its place), for machines without memory for T5-XXL.
    if (family == QLatin1String("sd3"))
        return {QStringLiteral("text_encoder_3"), QStringLiteral("tokenizer_3")};
    return {};
}

QStringList ModelResolver::missingComponents(const QString& folder, const QString& family,
                                             QStringList* optionalMissing) {
    const QDir root(folder);
    QStringList missing;
    for (const QString& c : requiredComponents(family)) {
        const QString m = checkComponent(root, c);
        if (!m.isEmpty()) missing << m;
    }
    if (optionalMissing) {
        for (const QString& c : optionalComponents(family)) {
            const QString m = checkComponent(root, c);
            if (!m.isEmpty()) *optionalMissing << m;
        }
    }
    return missing;
}

QStringList ModelResolver::sameWeights(const QString& modelId) {
    static const QList<QStringList> kAliases = {
        {QStringLiteral("stable-diffusion-v1-5/stable-diffusion-v1-5"),
         QStringLiteral("runwayml/stable-diffusion-v1-5")},
    };
    for (const QStringList& group : kAliases) {
        if (!group.contains(modelId)) continue;
        QStringList out{modelId};
        for (const QString& other : group)
            if (other != modelId) out << other;
        return out;
    }
    return {modelId};
}

ModelResolution ModelResolver::resolve(const QString& modelId, const QString& family) const {
    ModelResolution r;
    r.modelId = modelId;
    r.family = family;

    auto accept = [&](const QString& path, ModelResolution::Source source) {
        r.source = source;
        r.path = QFileInfo(path).absoluteFilePath();
        QFileInfo info(path);
        if (info.isFile()) {
            r.singleFile = true;
            if (family != QLatin1String("sd15") || !path.endsWith(QLatin1String(".safetensors")))
                r.missing << QStringLiteral(
                    "a model folder (single-file checkpoints are accepted for SD 1.5 .safetensors "
                    "only)");
            return;
        }
        QStringList optionalMissing;
        r.missing = missingComponents(path, family, &optionalMissing);
        if (!optionalMissing.isEmpty())
            r.notes << QStringLiteral("no T5 text encoder (%1): runs without T5")
                           .arg(optionalMissing.join(QStringLiteral(", ")));
    };

    const QStringList ids = sameWeights(modelId);
    for (const QString& id : ids) {
        const QString explicitPath = locations_.explicitPaths.value(id);
        if (explicitPath.isEmpty()) continue;
        r.searched << explicitPath;
        if (QFileInfo::exists(explicitPath)) {
            accept(explicitPath, ModelResolution::Source::Explicit);
            return r;
        }
    }
    if (!locations_.huggingFaceHub.isEmpty()) {
        for (const QString& id : ids) {
            const QString snap = hubSnapshot(locations_.huggingFaceHub, id, r.searched);
            if (!snap.isEmpty()) {
                accept(snap, ModelResolution::Source::HuggingFaceCache);
                return r;
            }
        }
    }
    for (const QString& root : locations_.modelRoots) {
        for (const QString& id : ids) {
            const QString candidate = root + QLatin1Char('/') + id;
            r.searched << candidate;
            if (QFileInfo(candidate).isDir()) {
                accept(candidate, ModelResolution::Source::ModelRoot);
                return r;
            }
        }
    }
    return r;
}

}  // namespace archival::pipeline
