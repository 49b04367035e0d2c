#include "adapters/batch/set_record.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QImageWriter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include "adapters/batch/seed_metadata.h"
#include "adapters/batch/typed_json.h"

namespace archival::adapters {

namespace {
const char* const kStateNames[] = {"pending",   "generating", "generated",
                                   "uploading", "uploaded",   "failed"};
const QString kRecordFile = QStringLiteral("record.json");

QJsonValue optionalJson(const std::optional<int>& v) {
    return v ? QJsonValue(*v) : QJsonValue();
}
QJsonValue optionalJson(const std::optional<double>& v) {
    return v ? QJsonValue(*v) : QJsonValue();
}
}  // namespace

QJsonObject SetOverrides::toJson() const {
    QJsonObject o;
    if (prompt) o.insert("prompt", *prompt);
    if (steps) o.insert("steps", optionalJson(steps));
    if (guidance) o.insert("guidance", optionalJson(guidance));
    if (strength) o.insert("strength", optionalJson(strength));
    if (width) o.insert("width", optionalJson(width));
    if (height) o.insert("height", optionalJson(height));
    return o;
}

SetOverrides SetOverrides::fromJson(const QJsonObject& json) {
    SetOverrides o;
    if (json["prompt"].isString()) o.prompt = json["prompt"].toString();
    if (json["steps"].isDouble()) o.steps = json["steps"].toInt();
    if (json["guidance"].isDouble()) o.guidance = json["guidance"].toDouble();
    if (json["strength"].isDouble()) o.strength = json["strength"].toDouble();
    if (json["width"].isDouble()) o.width = json["width"].toInt();
    if (json["height"].isDouble()) o.height = json["height"].toInt();
    return o;
}

bool SetOverrides::operator==(const SetOverrides& o) const {
    return prompt == o.prompt && steps == o.steps && guidance == o.guidance &&
           strength == o.strength && width == o.width && height == o.height;
}

QString writeFileAtomically(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    // Unbuffered: a buffered QSaveFile meets a full disk only in commit(), whose flush error
    // Qt does not report, so a truncated file replaced the old one "successfully". Written
    // straight through, a short write is seen here and the old file stays.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Unbuffered) ||
        file.write(bytes) != bytes.size() || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
    return {};
}

QString setStateName(SetState state) {
    return QString::fromLatin1(kStateNames[int(state)]);
}

bool setStateFromName(const QString& name, SetState* out) {
    for (int i = 0; i < int(std::size(kStateNames)); ++i) {
        if (name == QLatin1String(kStateNames[i])) {
            *out = SetState(i);
            return true;
        }
    }
    return false;
}

QString SetRecord::key() const {
    // Zero-padded so that keys sort in set order.
    return actionId + QLatin1Char('/') + programId + QLatin1Char('/') +
           QStringLiteral("%1").arg(setNumber, 6, 10, QLatin1Char('0'));
}

QString SetRecord::setFolderName(int setNumber) {
    return QStringLiteral("set_%1").arg(setNumber, 3, 10, QLatin1Char('0'));
}

QStringList SetRecord::imageFiles() const {
    QStringList out;
    for (int n = 1; n <= imageCount; ++n)
        out << (format < 2 ? QStringLiteral("%1.png").arg(n)
                : n == 1   ? QStringLiteral("final.png")
                           : QStringLiteral("final_%1.png").arg(n));
    return out;
}

QString SetRecord::metadataFile() const {
    return format < 2 ? QStringLiteral("metadata.json") : QStringLiteral("meta.json");
}

QString SetRecord::previewFile(int step) {
    return QStringLiteral("%1.jpg").arg(step);
}

QStringList SetRecord::files() const {
    QStringList out;
    if (format >= 2)
        for (int step : previewSteps) out << previewFile(step);
    out << imageFiles();
    out << metadataFile();  // last: its presence in the bucket means "complete"
    return out;
}

QString SetRecord::publicUrl(const QString& file) const {
    QString base = publicBaseUrl;
    while (base.endsWith(QLatin1Char('/'))) base.chop(1);
    return base + QLatin1Char('/') + objectKey(file);
}

QJsonObject SetRecord::toJson() const {
    QJsonObject json{
        {"format", format},
        {"action_id", actionId},
        {"program", programId},
        {"prompt", prompt},
        {"set", setNumber},
        {"images", imageCount},
        // Seeds as strings: JSON numbers are doubles and would round 64-bit seeds.
        {"seed", QString::number(seed)},
        {"group_first_set", groupFirstSet},
        {"group_images", groupImages},
        {"group_offset", groupOffset},
        {"state", setStateName(state)},
        {"error_code", errorCode},
        {"reason", reason},
        {"failed_uploading", failedUploading},
        {"object_prefix", objectPrefix},
        {"uploaded", QJsonArray::fromStringList(uploaded)},
        {"uploaded_at", uploadedAt},
        {"updated", updated.toUTC().toString(Qt::ISODateWithMs)},
    };
    if (format >= 2) {
        QJsonArray previews;
        for (int step : previewSteps) previews.append(step);
        QJsonObject seconds;
        for (auto it = stepSeconds.begin(); it != stepSeconds.end(); ++it)
            seconds.insert(QString::number(it.key()), it.value());
        json.insert("overrides", overrides.toJson());
        json.insert("upload_previews", uploadPreviews);
        json.insert("public_base_url", publicBaseUrl);
        json.insert("preview_steps", previews);
        json.insert("step_seconds", seconds);
        json.insert("total_steps", totalSteps);
        json.insert("generation_seconds", generationSeconds);
        json.insert("generated_at", generatedAt);
    }
    return json;
}

bool SetRecord::fromJson(const QJsonObject& json, SetRecord* out, QString* error) {
    SetRecord r;
    // Records from before set ids started at 0 have no format: they keep their files and keys.
    r.format = json["format"].toInt(1);
    r.actionId = json["action_id"].toString();
    r.programId = json["program"].toString();
    r.prompt = json["prompt"].toString();
    r.setNumber = json["set"].toInt();
    r.imageCount = json["images"].toInt(1);
    bool seedOk = false;
    r.seed = json["seed"].toString().toULongLong(&seedOk);
    r.groupFirstSet = json["group_first_set"].toInt(r.setNumber);
    r.groupImages = json["group_images"].toInt(r.imageCount);
    r.groupOffset = json["group_offset"].toInt();
    r.errorCode = json["error_code"].toString();
    r.reason = json["reason"].toString();
    r.failedUploading = json["failed_uploading"].toBool();
    r.objectPrefix = json["object_prefix"].toString();
    for (const auto& v : json["uploaded"].toArray()) r.uploaded << v.toString();
    r.uploadedAt = json["uploaded_at"].toString();
    r.updated = QDateTime::fromString(json["updated"].toString(), Qt::ISODateWithMs);
    if (r.format >= 2) {
        r.overrides = SetOverrides::fromJson(json["overrides"].toObject());
        r.uploadPreviews = json["upload_previews"].toBool();
        r.publicBaseUrl = json["public_base_url"].toString();
        for (const auto& v : json["preview_steps"].toArray()) r.previewSteps << v.toInt();
        const QJsonObject seconds = json["step_seconds"].toObject();
        for (auto it = seconds.begin(); it != seconds.end(); ++it)
            r.stepSeconds.insert(it.key().toInt(), it.value().toDouble());
        r.totalSteps = json["total_steps"].toInt();
        r.generationSeconds = json["generation_seconds"].toDouble();
        r.generatedAt = json["generated_at"].toString();
    }
    const int firstSet = r.format >= 2 ? 0 : 1;
    if (r.actionId.isEmpty() || r.programId.isEmpty() || r.format < 1 || r.format > kFormat ||
        r.setNumber < firstSet || !seedOk || r.imageCount <= 0 ||
        r.groupImages < r.groupOffset + r.imageCount || r.objectPrefix.isEmpty() ||
        !setStateFromName(json["state"].toString(), &r.state)) {
        *error = QStringLiteral(
            "not a valid set record (action, program, set, seed, images, "
            "state or object prefix missing or wrong)");
        return false;
    }
    *out = r;
    return true;
}

QString SetRecord::save() const {
    if (!QDir().mkpath(dir)) return QStringLiteral("cannot create the folder %1").arg(dir);
    return writeFileAtomically(QDir(dir).filePath(kRecordFile),
                               QJsonDocument(toJson()).toJson(QJsonDocument::Indented));
}

bool SetRecord::load(const QString& dir, SetRecord* out, QString* error) {
    QFile file(QDir(dir).filePath(kRecordFile));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString());
        return false;
    }
    QJsonParseError parse;
    const QJsonDocument doc = QJsonDocument::fromJson(file.readAll(), &parse);
    if (!doc.isObject()) {
        *error = QStringLiteral("%1: %2").arg(file.fileName(), parse.errorString());
        return false;
    }
    if (!fromJson(doc.object(), out, error)) {
        *error = file.fileName() + QStringLiteral(": ") + *error;
        return false;
    }
    out->dir = dir;
    return true;
}

void SetRecord::markFailed(const QString& code, const QString& why) {
    failedUploading = state == SetState::Uploading || state == SetState::Generated;
    state = SetState::Failed;
    errorCode = code;
    reason = why;
}

void SetRecord::retry() {
    bool complete = format < 2 || !generatedAt.isEmpty();
    for (const QString& f : files()) complete = complete && QFile::exists(QDir(dir).filePath(f));
    state = !complete              ? SetState::Pending
            : uploadedAt.isEmpty() ? SetState::Generated
                                   : SetState::Uploading;
    errorCode.clear();
    reason.clear();
    failedUploading = false;
}

QString SetRecord::writeImages(const QList<QImage>& images,
                               const QList<pipeline::ImageMetadata>& metadata) const {
    if (!QDir().mkpath(dir)) return QStringLiteral("cannot create %1").arg(dir);
    const QStringList names = imageFiles();
    for (int n = 0; n < imageCount; ++n) {
        const int index = groupOffset + n;
        pipeline::ImageMetadata meta = metadata.value(index);
        const QString path = QDir(dir).filePath(names[n]);
        if (const QString err = pipeline::writePngWithMetadata(path, images[index], meta);
            !err.isEmpty())
            return err;
    }
    return writeMetadataJson();
}

QString SetRecord::writeMetadataJson() const {
    QJsonArray images;
    QList<pipeline::ImageMetadata> metas;
    for (const QString& file : imageFiles()) {
        const QString path = QDir(dir).filePath(file);
        QByteArray bytes;
        if (!readFile(file, &bytes)) return QStringLiteral("cannot read back %1").arg(path);
        pipeline::ImageMetadata meta;
        pipeline::readPngMetadata(path, &meta);
        metas << meta;
        images.append(QJsonObject{
            {"file", file},
            {"bytes", bytes.size()},
            {"sha256", QString::fromLatin1(
                           QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex())},
            {"metadata", meta.toJson()}});
    }
    QJsonObject json{
        {"action_id", actionId},
        {"program", programId},
        {"set", setNumber},
        {"prompt", prompt},
        {"seed", QString::number(seed)},
        {"pass",
         QJsonObject{
             {"first_set", groupFirstSet}, {"images", groupImages}, {"offset", groupOffset}}},
        {"images", images},
        {"app_version", QCoreApplication::applicationVersion()},
        {"uploaded_at", uploadedAt.isEmpty() ? QJsonValue() : QJsonValue(uploadedAt)},
    };
    if (format >= 2) {
        json.insert("overrides", overrides.toJson());
        json.insert("upload_previews", uploadPreviews);
        json = seedMetadata(*this, metas.value(0), json);
    }
    // meta.json with the reference's number types (7.0, not 7): typed_json.h.
    return writeFileAtomically(QDir(dir).filePath(metadataFile()),
                               format >= 2 ? typedJson(json, seedFloatKeys())
                                           : QJsonDocument(json).toJson(QJsonDocument::Indented));
}

QString SetRecord::writePreview(int step, const QImage& preview) const {
    if (!QDir().mkpath(dir)) return QStringLiteral("cannot create %1").arg(dir);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "jpeg");
    writer.setQuality(75);
    if (!writer.write(preview.convertToFormat(QImage::Format_RGB888)))
        return QStringLiteral("cannot encode the preview of step %1: %2")
            .arg(step)
            .arg(writer.errorString());
    return writeFileAtomically(QDir(dir).filePath(previewFile(step)), bytes);
}

QString SetRecord::startUploading() {
    const QString before = uploadedAt;
    uploadedAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    if (const QString err = writeMetadataJson(); !err.isEmpty()) {
        // metadata.json still holds no upload time: neither may the record, or a retry would
        // go straight to uploading and send a metadata.json without it.
        uploadedAt = before;
        return err;
    }
    state = SetState::Uploading;
    return {};
}

bool SetRecord::readFile(const QString& name, QByteArray* bytes) const {
    QFile file(QDir(dir).filePath(name));
    if (!file.open(QIODevice::ReadOnly)) return false;
    *bytes = file.readAll();
    return true;
}

}  // namespace archival::adapters
