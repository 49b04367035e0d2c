#include "adapters/broker/broker_set_record.h"

#include <QJsonDocument>

#include "adapters/batch/object_key_template.h"

namespace archival::adapters {

namespace {

QString publicBaseOf(const QueueSettings& naming) {
    // As BatchQueue names a new action's URLs.
    QString base = naming.publicBaseUrl.trimmed();
    if (base.isEmpty()) base = QStringLiteral("https://%1.r2.dev").arg(naming.bucket.trimmed());
    while (base.endsWith(QLatin1Char('/'))) base.chop(1);
    return base;
}

}  // namespace

SetRecord setRecordOf(const BrokerSetJob& job, const QueueSettings& naming) {
    SetRecord r;
    r.actionId = job.request.actionId;
    r.programId = job.request.programId;
    r.prompt = job.request.prompt;
    r.overrides = job.request.overrides;
    r.uploadPreviews = job.request.uploadPreviews;
    r.setNumber = job.setId;
    r.imageCount = job.request.imagesPerSet;
    r.seed = job.seed;
    r.groupFirstSet = job.setId;
    r.groupImages = job.request.imagesPerSet;
    r.state = SetState::Pending;
    r.objectPrefix =
        ObjectKeyTemplate::expand(ObjectKeyTemplate::resolve(naming.keyTemplate),
                                  {naming.prefix.trimmed(), r.actionId, r.programId, r.setNumber});
    r.publicBaseUrl = publicBaseOf(naming);
    return r;
}

SetRecord setRecordOf(const BrokerSetState& state, const QueueSettings& naming) {
    SetRecord r;
    QString error;
    const QJsonDocument doc =
        QJsonDocument::fromJson(state.value(QStringLiteral("record")).toUtf8());
    if (!doc.isObject() || !SetRecord::fromJson(doc.object(), &r, &error)) {
        QMap<QByteArray, QByteArray> fields;
        for (auto it = state.begin(); it != state.end(); ++it)
            fields.insert(it.key().toUtf8(), it.value().toUtf8());
        auto job = BrokerSetJob::fromFields(fields);
        if (auto* j = std::get_if<BrokerSetJob>(&job)) {
            r = setRecordOf(*j, naming);
        } else {
            r.actionId = state.value(QStringLiteral("action"));
            r.programId = state.value(QStringLiteral("program"));
            r.setNumber = state.value(QStringLiteral("set")).toInt();
        }
    }
    // The hash's state is the broker's word (a record can lag behind a final state).
    SetState s = SetState::Pending;
    if (setStateFromName(state.value(QStringLiteral("state")), &s))
        r.state = s;
    else
        r.state = SetState::Pending;  // "claimed"
    if (r.state == SetState::Failed) {
        r.errorCode = state.value(QStringLiteral("error_code"));
        r.reason = state.value(QStringLiteral("reason"));
    }
    if (r.state == SetState::Uploaded && r.uploaded.isEmpty()) r.uploaded = r.files();
    return r;
}

}  // namespace archival::adapters
