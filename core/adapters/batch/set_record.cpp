#include "adapters/batch/set_record.h"

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
    QSaveFile file(QDir(dir).filePath(kRecordFile));
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
    const QByteArray bytes = QJsonDocument(toJson()).toJson(QJsonDocument::Indented);
    if (file.write(bytes) != bytes.size() || !file.commit())
        return QStringLiteral("cannot write %1: %2").arg(file.fileName(), file.errorString());
    return {};
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

}  // namespace archival::adapters
