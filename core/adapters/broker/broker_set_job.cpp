#include "adapters/broker/broker_set_job.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace archival::adapters {

QString BrokerSetJob::key(const QString& actionId, int setId) {
    return actionId + QLatin1Char(':') + QString::number(setId);
}

QString BrokerSetJob::key() const {
    return key(request.actionId, setId);
}

QList<QByteArray> BrokerSetJob::toFields() const {
    return {"action",    request.actionId.toUtf8(),
            "program",   request.programId.toUtf8(),
            "set",       QByteArray::number(setId),
            "prompt",    request.prompt.toUtf8(),
            "overrides", QJsonDocument(request.overrides.toJson()).toJson(QJsonDocument::Compact),
            "previews",  request.uploadPreviews ? "1" : "0",
            "images",    QByteArray::number(request.imagesPerSet),
            "seed",      QByteArray::number(seed),
            "queued_by", queuedBy.toUtf8()};
}

std::variant<BrokerSetJob, QString> BrokerSetJob::fromFields(
    const QMap<QByteArray, QByteArray>& fields) {
    for (const char* name : {"action", "program", "set", "prompt", "images", "seed"})
        if (!fields.contains(name))
            return QStringLiteral("the entry has no field '%1'").arg(QLatin1String(name));
    BrokerSetJob job;
    bool ok = false;
    job.setId = fields["set"].toInt(&ok);
    if (!ok)
        return QStringLiteral("the entry's set id '%1' is not a number")
            .arg(QString::fromUtf8(fields["set"]));
    job.seed = fields["seed"].toULongLong(&ok);
    if (!ok)
        return QStringLiteral("the entry's seed '%1' is not a number")
            .arg(QString::fromUtf8(fields["seed"]));
    job.request.imagesPerSet = fields["images"].toInt(&ok);
    if (!ok) return QStringLiteral("the entry's image count is not a number");
    job.request.actionId = QString::fromUtf8(fields["action"]);
    job.request.programId = QString::fromUtf8(fields["program"]);
    job.request.prompt = QString::fromUtf8(fields["prompt"]);
    job.request.uploadPreviews = fields.value("previews") == "1";
    const QByteArray overrides = fields.value("overrides", "{}");
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(overrides, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return QStringLiteral("the entry's overrides are not a JSON object");
    job.request.overrides = SetOverrides::fromJson(doc.object());
    job.queuedBy = QString::fromUtf8(fields.value("queued_by"));
    return job;
}

}  // namespace archival::adapters
