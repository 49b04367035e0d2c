#include "pipeline/program_registry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <algorithm>
#include <cmath>

#include "engine/generation.h"
#include "pipeline/asset_resolver.h"

namespace archival::pipeline {
namespace {

const QStringList kKnownKeys = {QStringLiteral("title"),           QStringLiteral("model"),
                                QStringLiteral("family"),          QStringLiteral("kind"),
                                QStringLiteral("steps"),           QStringLiteral("guidance"),
                                QStringLiteral("width"),           QStringLiteral("height"),
                                QStringLiteral("sizes"),           QStringLiteral("strength"),
                                QStringLiteral("sampler"),         QStringLiteral("template"),
                                QStringLiteral("negative_prompt"), QStringLiteral("loras"),
                                QStringLiteral("seed_policy"),     QStringLiteral("seed"),
                                QStringLiteral("init_image")};

// The samplers a program of `family` may name, from the engine's scheduler factory, the
// family's default first (an unknown family, reported on its own, reads as SD 1.5).
QStringList samplerNamesFor(const QString& family) {
    QStringList out;
    const auto f = engine::familyFromName(family.toStdString()).value_or(engine::Family::Sd15);
    for (const engine::Sampler s : engine::samplersFor(f))
        out << QString::fromStdString(engine::samplerName(s));
    return out;
}

// Collects the issues of one program while reading its fields.
class ProgramReader {
  public:
    ProgramReader(QString source, QString id, QJsonObject obj, QString baseDir,
                  QList<ProgramIssue>& issues)
        : source_(std::move(source)),
          id_(std::move(id)),
          obj_(std::move(obj)),
          baseDir_(std::move(baseDir)),
          issues_(issues) {}

    bool read(Program& p) {
        for (auto it = obj_.begin(); it != obj_.end(); ++it)
            if (!kKnownKeys.contains(it.key())) bad(it.key(), QStringLiteral("unknown field"));

        p.id = id_;
        p.source = source_;
        p.title = optionalString(QStringLiteral("title"), id_);
        p.model = requiredString(QStringLiteral("model"));
        p.family = requiredString(QStringLiteral("family"));
        if (!p.family.isEmpty() && !engine::familyFromName(p.family.toStdString()))
            bad(QStringLiteral("family"),
                QStringLiteral("unknown family '%1' (expected sd3 or sd15)").arg(p.family));
        p.kind = requiredString(QStringLiteral("kind"));
        if (!p.kind.isEmpty() && p.kind != QLatin1String("text-to-image") &&
            p.kind != QLatin1String("image-to-image"))
            bad(QStringLiteral("kind"),
                QStringLiteral(
                    "unknown pipeline kind '%1' (expected text-to-image or image-to-image)")
                    .arg(p.kind));

        p.steps = static_cast<int>(requiredInteger(QStringLiteral("steps"), 1, 150));
        p.guidance = requiredNumber(QStringLiteral("guidance"), 0.0, 30.0);
        readSizes(p);

        if (p.kind == QLatin1String("image-to-image")) {
            p.strength = requiredNumber(QStringLiteral("strength"), 0.0, 1.0);
            if (obj_.contains(QStringLiteral("strength")) && p.strength <= 0.0)
                bad(QStringLiteral("strength"), QStringLiteral("must be greater than 0"));
        } else if (obj_.contains(QStringLiteral("strength"))) {
            bad(QStringLiteral("strength"),
                QStringLiteral("applies only to image-to-image programs"));
        }
        readInitImage(p);

        const QStringList samplers = samplerNamesFor(p.family);
        p.sampler = optionalString(QStringLiteral("sampler"), samplers.first());
        if (!samplers.contains(p.sampler))
            bad(QStringLiteral("sampler"),
                QStringLiteral("unknown sampler '%1' for %2 (expected one of %3)")
                    .arg(p.sampler, p.family, samplers.join(QStringLiteral(", "))));

        p.promptTemplate = requiredString(QStringLiteral("template"));
        if (obj_.contains(QStringLiteral("template")) &&
            !p.promptTemplate.contains(QStringLiteral("{prompt}")))
            bad(QStringLiteral("template"), QStringLiteral("must contain {prompt}"));
        p.negativePrompt = optionalString(QStringLiteral("negative_prompt"), QString());
        readLoras(p);

        p.seedPolicy = optionalString(QStringLiteral("seed_policy"), QStringLiteral("random"));
        if (p.seedPolicy == QLatin1String("fixed")) {
            p.seed = requiredInteger(QStringLiteral("seed"), 0,
                                     std::numeric_limits<qint32>::max() * 2LL + 1);
        } else if (p.seedPolicy != QLatin1String("random")) {
            bad(QStringLiteral("seed_policy"), QStringLiteral("must be 'random' or 'fixed'"));
        } else if (obj_.contains(QStringLiteral("seed"))) {
            bad(QStringLiteral("seed"), QStringLiteral("applies only with seed_policy 'fixed'"));
        }
        return ok_;
    }

  private:
    void bad(const QString& field, const QString& message) {
        issues_.append({source_, id_, field, message});
        ok_ = false;
    }

    QString requiredString(const QString& key) {
        const QJsonValue v = obj_.value(key);
        if (v.isUndefined()) {
            bad(key, QStringLiteral("missing"));
            return {};
        }
        if (!v.isString() || v.toString().trimmed().isEmpty()) {
            bad(key, QStringLiteral("must be a non-empty string"));
            return {};
        }
        return v.toString();
    }

    QString optionalString(const QString& key, const QString& fallback) {
        const QJsonValue v = obj_.value(key);
        if (v.isUndefined()) return fallback;
        if (!v.isString()) {
            bad(key, QStringLiteral("must be a string"));
            return fallback;
        }
        return v.toString();
    }

    double requiredNumber(const QString& key, double lo, double hi) {
        const QJsonValue v = obj_.value(key);
        if (v.isUndefined()) {
            bad(key, QStringLiteral("missing"));
            return 0.0;
        }
        if (!v.isDouble()) {
            bad(key, QStringLiteral("must be a number"));
            return 0.0;
        }
        const double d = v.toDouble();
        if (!(d >= lo && d <= hi))
            bad(key, QStringLiteral("%1 is outside %2–%3").arg(d).arg(lo).arg(hi));
        return d;
    }

    qint64 requiredInteger(const QString& key, qint64 lo, qint64 hi) {
        const QJsonValue v = obj_.value(key);
        if (v.isUndefined()) {
            bad(key, QStringLiteral("missing"));
            return 0;
        }
        const double d = v.toDouble();
        if (!v.isDouble() || std::floor(d) != d) {
            bad(key, QStringLiteral("must be an integer"));
            return 0;
        }
        if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
            bad(key, QStringLiteral("%1 is outside %2–%3").arg(d).arg(lo).arg(hi));
        }
        return static_cast<qint64>(d);
    }

    bool checkSize(const QString& field, int w, int h, int multiple) {
        if (w <= 0 || h <= 0 || w > 4096 || h > 4096) {
            bad(field, QStringLiteral("%1×%2 is outside 8–4096").arg(w).arg(h));
            return false;
        }
        if (w % multiple != 0 || h % multiple != 0) {
            bad(field, QStringLiteral("%1×%2 is not a multiple of %3").arg(w).arg(h).arg(multiple));
            return false;
        }
        return true;
    }

    void readSizes(Program& p) {
        // SD3 latents are patchified by 2 after the VAE's ×8: sizes must divide by 16.
        const int fixedMultiple = p.family == QLatin1String("sd3") ? 16 : 8;
        const bool hasFixed =
            obj_.contains(QStringLiteral("width")) || obj_.contains(QStringLiteral("height"));
        const bool hasList = obj_.contains(QStringLiteral("sizes"));
        if (hasFixed && hasList) {
            bad(QStringLiteral("sizes"),
                QStringLiteral("give either width/height or sizes, not both"));
            return;
        }
        if (!hasFixed && !hasList) {
            bad(QStringLiteral("width"), QStringLiteral("missing (or give a sizes list)"));
            return;
        }
        if (hasFixed) {
            const int w = static_cast<int>(requiredInteger(QStringLiteral("width"), 8, 4096));
            const int h = static_cast<int>(requiredInteger(QStringLiteral("height"), 8, 4096));
            if (ok_ && checkSize(QStringLiteral("width"), w, h, fixedMultiple))
                p.size = QSize(w, h);
            return;
        }
        const QJsonValue list = obj_.value(QStringLiteral("sizes"));
        if (!list.isArray() || list.toArray().isEmpty()) {
            bad(QStringLiteral("sizes"),
                QStringLiteral("must be a non-empty list of [width, height]"));
            return;
        }
        // A list holds the formats as the reference service writes them (600×800 for SD 3):
        // a size the family cannot take is rounded down to its multiple when a job runs, and
        // the image's metadata records both (Program::sizeMade). Each must still round to
        // at least one multiple.
        const int listMultiple = fixedMultiple;
        for (const QJsonValue entry : list.toArray()) {
            const QJsonArray pair = entry.toArray();
            if (!entry.isArray() || pair.size() != 2 || !pair[0].isDouble() ||
                !pair[1].isDouble()) {
                bad(QStringLiteral("sizes"), QStringLiteral("each entry must be [width, height]"));
                return;
            }
            const int w = pair[0].toInt(-1), h = pair[1].toInt(-1);
            if (w < listMultiple || h < listMultiple || w > 4096 || h > 4096) {
                bad(QStringLiteral("sizes"),
                    QStringLiteral("%1×%2 is outside %3–4096").arg(w).arg(h).arg(listMultiple));
                return;
            }
            p.sizes.append(QSize(w, h));
        }
    }

    void readLoras(Program& p) {
        const QJsonValue v = obj_.value(QStringLiteral("loras"));
        if (v.isUndefined()) return;
        if (!v.isArray()) {
            bad(QStringLiteral("loras"), QStringLiteral("must be a list"));
            return;
        }
        for (const QJsonValue entry : v.toArray()) {
            const QJsonObject o = entry.toObject();
            if (!entry.isObject() || !o.value(QStringLiteral("path")).isString() ||
                o.value(QStringLiteral("path")).toString().isEmpty()) {
                bad(QStringLiteral("loras"),
                    QStringLiteral("each entry needs a non-empty \"path\""));
                return;
            }
            for (auto it = o.begin(); it != o.end(); ++it) {
                if (it.key() != QLatin1String("path") && it.key() != QLatin1String("scale")) {
                    bad(QStringLiteral("loras"),
                        QStringLiteral("unknown field '%1' in a LoRA entry").arg(it.key()));
                    return;
                }
            }
            QString error;
            const QString raw = o.value(QStringLiteral("path")).toString();
            const QString where = assetOrPath(raw, &error);
            LoraRef ref{where, 1.0, where};
            if (!error.isEmpty()) {
                bad(QStringLiteral("loras"), error);
                return;
            }
            if (o.contains(QStringLiteral("scale"))) {
                const QJsonValue s = o.value(QStringLiteral("scale"));
                if (!s.isDouble() || std::abs(s.toDouble()) > 4.0) {
                    bad(QStringLiteral("loras"),
                        QStringLiteral("scale must be a number within ±4"));
                    return;
                }
                ref.scale = s.toDouble();
            }
            p.loras.append(ref);
        }
    }

    // A bare asset name stays as it is (found later by resolveAsset); a path is expanded.
    QString assetOrPath(const QString& raw, QString* error) const {
        return isAssetName(raw) ? raw : expandProgramPath(raw, baseDir_, error);
    }

    void readInitImage(Program& p) {
        const QJsonValue v = obj_.value(QStringLiteral("init_image"));
        if (v.isUndefined()) return;
        if (p.kind != QLatin1String("image-to-image")) {
            bad(QStringLiteral("init_image"),
                QStringLiteral("applies only to image-to-image programs"));
            return;
        }
        if (!v.isString() || v.toString().trimmed().isEmpty()) {
            bad(QStringLiteral("init_image"),
                QStringLiteral("must be an asset name or a path to an image"));
            return;
        }
        QString error;
        p.initImageName = assetOrPath(v.toString(), &error);
        p.initImage = p.initImageName;
        if (!error.isEmpty()) bad(QStringLiteral("init_image"), error);
    }

    QString source_;
    QString id_;
    QJsonObject obj_;
    QString baseDir_;
    QList<ProgramIssue>& issues_;
    bool ok_ = true;
};

// "model_locations": {"model id": "folder"} tells where a file's models live, so a programs
// file can travel with its models (tests point it at the fixture models).
void readModelLocations(const QJsonObject& root, const QString& source, const QString& baseDir,
                        QList<ProgramIssue>& issues, QMap<QString, QString>& out) {
    const QJsonValue v = root.value(QStringLiteral("model_locations"));
    if (v.isUndefined()) return;
    if (!v.isObject()) {
        issues.append({source,
                       {},
                       QStringLiteral("model_locations"),
                       QStringLiteral("must be an object of model id -> folder")});
        return;
    }
    const QJsonObject locations = v.toObject();
    for (auto it = locations.begin(); it != locations.end(); ++it) {
        QString error;
        const QString path = it.value().isString()
                                 ? expandProgramPath(it.value().toString(), baseDir, &error)
                                 : QString();
        if (!it.value().isString()) error = QStringLiteral("must be a path");
        if (!error.isEmpty()) {
            issues.append({source,
                           {},
                           QStringLiteral("model_locations"),
                           QStringLiteral("%1: %2").arg(it.key(), error)});
            continue;
        }
        out.insert(it.key(), path);
    }
}

// Reads one file's programs; file-level problems become issues too.
QList<Program> readFile(const QByteArray& json, const QString& source, const QString& baseDir,
                        QList<ProgramIssue>& issues, QMap<QString, QString>& modelLocations) {
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError) {
        issues.append({source,
                       {},
                       {},
                       QStringLiteral("not valid JSON at offset %1: %2")
                           .arg(err.offset)
                           .arg(err.errorString())});
        return {};
    }
    const QJsonObject root = doc.object();
    if (!doc.isObject() || !root.value(QStringLiteral("programs")).isObject()) {
        issues.append({source,
                       {},
                       QStringLiteral("programs"),
                       QStringLiteral("the file needs a \"programs\" object")});
        return {};
    }
    for (auto it = root.begin(); it != root.end(); ++it) {
        if (it.key() != QLatin1String("programs") && it.key() != QLatin1String("format") &&
            it.key() != QLatin1String("model_locations"))
            issues.append({source, {}, it.key(), QStringLiteral("unknown top-level field")});
    }
    readModelLocations(root, source, baseDir, issues, modelLocations);
    if (root.contains(QStringLiteral("format")) &&
        root.value(QStringLiteral("format")).toInt() != 1)
        issues.append({source,
                       {},
                       QStringLiteral("format"),
                       QStringLiteral("unsupported format (this version reads format 1)")});

    QList<Program> out;
    const QJsonObject programs = root.value(QStringLiteral("programs")).toObject();
    for (auto it = programs.begin(); it != programs.end(); ++it) {
        if (!it.value().isObject()) {
            issues.append({source, it.key(), {}, QStringLiteral("must be an object")});
            continue;
        }
        if (it.key().trimmed().isEmpty()) {
            issues.append({source, it.key(), {}, QStringLiteral("program id must not be empty")});
            continue;
        }
        Program p;
        if (ProgramReader(source, it.key(), it.value().toObject(), baseDir, issues).read(p))
            out.append(p);
    }
    return out;
}

}  // namespace

QString ProgramIssue::toString() const {
    QString where = source;
    if (!programId.isEmpty()) where += QStringLiteral(": program %1").arg(programId);
    if (!field.isEmpty()) where += QStringLiteral(", field \"%1\"").arg(field);
    return where + QStringLiteral(": ") + message;
}

QString ProgramRegistry::defaultUserFile() {
    return QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) +
           QStringLiteral("/programs.json");
}

QByteArray ProgramRegistry::builtinJson() {
    QFile f(QStringLiteral(":/archival/programs.json"));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

ProgramRegistry ProgramRegistry::load(const QString& userFile,
                                      const QMap<QString, QString>& explicitAssetPaths) {
    QByteArray user;
    QFile f(userFile);
    ProgramRegistry r;
    if (!userFile.isEmpty() && f.exists()) {
        if (f.open(QIODevice::ReadOnly)) {
            user = f.readAll();
            if (user.isEmpty()) user = QByteArrayLiteral(" ");  // empty file: report it
        } else {
            r.issues_.append(
                {userFile, {}, {}, QStringLiteral("cannot be read: %1").arg(f.errorString())});
        }
    }
    ProgramRegistry loaded = fromJson(builtinJson(), user, userFile);
    loaded.issues_ = r.issues_ + loaded.issues_;
    AssetLocations where = AssetLocations::besideProgramsFile(userFile);
    where.explicitPaths = explicitAssetPaths;
    loaded.setAssetLocations(where);
    return loaded;
}

ProgramRegistry ProgramRegistry::fromJson(const QByteArray& builtin, const QByteArray& user,
                                          const QString& userSource) {
    ProgramRegistry r;
    r.programs_ =
        readFile(builtin, QStringLiteral("built-in"), QString(), r.issues_, r.modelLocations_);
    if (!user.isEmpty()) {
        const QFileInfo userInfo(userSource);
        const QString baseDir = userInfo.exists() ? userInfo.absolutePath() : QDir::currentPath();
        for (const Program& p : readFile(user, userSource, baseDir, r.issues_, r.modelLocations_)) {
            auto it = std::find_if(r.programs_.begin(), r.programs_.end(),
                                   [&](const Program& q) { return q.id == p.id; });
            if (it != r.programs_.end())
                *it = p;
            else
                r.programs_.append(p);
        }
    }
    for (Program& p : r.programs_) p.modelPath = r.modelLocations_.value(p.model);
    std::sort(r.programs_.begin(), r.programs_.end(),
              [](const Program& a, const Program& b) { return a.id < b.id; });
    r.setAssetLocations(AssetLocations::besideProgramsFile(
        QFileInfo(userSource).isFile() ? userSource : QString()));
    return r;
}

void ProgramRegistry::setAssetLocations(const AssetLocations& locations) {
    assetLocations_ = locations;
    for (Program& p : programs_) {
        p.assetProblems.clear();
        auto find = [&](const QString& nameOrPath) {
            const AssetResolution found = resolveAsset(nameOrPath, locations);
            if (!found.found()) p.assetProblems << found.describe();
            return found.path;
        };
        if (!p.initImageName.isEmpty()) p.initImage = find(p.initImageName);
        for (LoraRef& l : p.loras) {
            if (l.name.isEmpty()) l.name = l.path;
            l.path = find(l.name);
        }
    }
}

QString expandProgramPath(const QString& raw, const QString& baseDir, QString* error) {
    static const QRegularExpression variable(QStringLiteral("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}"));
    QString out;
    qsizetype last = 0;
    auto it = variable.globalMatch(raw);
    while (it.hasNext()) {
        const auto m = it.next();
        const QByteArray name = m.captured(1).toLocal8Bit();
        if (!qEnvironmentVariableIsSet(name.constData())) {
            if (error)
                *error = QStringLiteral("the path %1 names ${%2}, which is not set")
                             .arg(raw, m.captured(1));
            return {};
        }
        out += raw.mid(last, m.capturedStart() - last) + qEnvironmentVariable(name.constData());
        last = m.capturedEnd();
    }
    out += raw.mid(last);
    if (out == QLatin1String("~") || out.startsWith(QLatin1String("~/")))
        out = QDir::homePath() + out.mid(1);
    if (QDir::isRelativePath(out) && !baseDir.isEmpty()) out = QDir(baseDir).filePath(out);
    return QDir::cleanPath(out);
}

const Program* ProgramRegistry::find(const QString& id) const {
    for (const Program& p : programs_)
        if (p.id == id) return &p;
    return nullptr;
}

}  // namespace archival::pipeline
