#include "adapters/batch/set_record.h"

#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

namespace archival::adapters {

namespace {
const char* const kStateNames[] = {"pending",   "generating", "generated",
                                   "uploading", "uploaded",   "failed"};
const QString kRecordFile = QStringLiteral("record.json");
}  // namespace

QString writeFileAtomically(const QString& path, const QByteArray& bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
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

QStringList SetRecord::files() const {
    QStringList out;
    for (int n = 1; n <= imageCount; ++n) out << QStringLiteral("%1.png").arg(n);
    out << QStringLiteral("metadata.json");  // last: its presence in the bucket means "complete"
    return out;
}

QJsonObject SetRecord::toJson() const {
    return {
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
}

bool SetRecord::fromJson(const QJsonObject& json, SetRecord* out, QString* error) {
    SetRecord r;
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
    if (r.actionId.isEmpty() || r.programId.isEmpty() || r.setNumber <= 0 || !seedOk ||
        r.imageCount <= 0 || r.groupImages < r.groupOffset + r.imageCount ||
        r.objectPrefix.isEmpty() || !setStateFromName(json["state"].toString(), &r.state)) {
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
    bool complete = true;
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
    for (int n = 0; n < imageCount; ++n) {
        const int index = groupOffset + n;
        pipeline::ImageMetadata meta = metadata.value(index);
        const QString path = QDir(dir).filePath(QStringLiteral("%1.png").arg(n + 1));
        if (const QString err = pipeline::writePngWithMetadata(path, images[index], meta);
            !err.isEmpty())
            return err;
    }
    return writeMetadataJson();
}

QString SetRecord::writeMetadataJson() const {
    QJsonArray images;
    for (int n = 1; n <= imageCount; ++n) {
        const QString file = QStringLiteral("%1.png").arg(n);
        const QString path = QDir(dir).filePath(file);
        QByteArray bytes;
        if (!readFile(file, &bytes)) return QStringLiteral("cannot read back %1").arg(path);
        pipeline::ImageMetadata meta;
        pipeline::readPngMetadata(path, &meta);
        images.append(QJsonObject{
            {"file", file},
            {"bytes", bytes.size()},
            {"sha256", QString::fromLatin1(
                           QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex())},
            {"metadata", meta.toJson()}});
    }
    const QJsonObject json{
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
    return writeFileAtomically(QDir(dir).filePath(QStringLiteral("metadata.json")),
                               QJsonDocument(json).toJson(QJsonDocument::Indented));
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
