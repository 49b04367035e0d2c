#include "adapters/batch/r2_settings.h"

#include <QStringList>

#include "adapters/batch/s3_client.h"

namespace archival::adapters {

QUrl R2Settings::effectiveEndpoint() const {
    if (!endpoint.trimmed().isEmpty()) return QUrl(endpoint.trimmed());
    if (!accountId.trimmed().isEmpty()) return S3Settings::r2Endpoint(accountId);
    return {};
}

QString R2Settings::effectivePublicBaseUrl() const {
    QString base = publicBaseUrl.trimmed();
    if (base.isEmpty()) base = QStringLiteral("https://%1.r2.dev").arg(bucket.trimmed());
    while (base.endsWith(QLatin1Char('/'))) base.chop(1);
    return base;
}

QString R2Settings::missing() const {
    QStringList missing;
    const QUrl url = effectiveEndpoint();
    if (!url.isValid() || url.host().isEmpty())
        missing << QStringLiteral("an account id or endpoint");
    if (bucket.trimmed().isEmpty()) missing << QStringLiteral("a bucket");
    if (accessKeyId.trimmed().isEmpty()) missing << QStringLiteral("an access key id");
    return missing.join(QStringLiteral(", "));
}

S3Settings R2Settings::toS3Settings(const QString& secret) const {
    S3Settings s3;
    s3.endpoint = effectiveEndpoint();
    s3.bucket = bucket.trimmed();
    s3.credentials = {accessKeyId.trimmed(), secret, {}};
    return s3;
}

R2Settings R2Settings::load(const QSettings& settings) {
    R2Settings r;
    r.accountId = settings.value(QStringLiteral("r2/accountId")).toString();
    r.endpoint = settings.value(QStringLiteral("r2/endpoint")).toString();
    r.bucket = settings.value(QStringLiteral("r2/bucket")).toString();
    r.prefix = settings.value(QStringLiteral("r2/prefix")).toString();
    r.accessKeyId = settings.value(QStringLiteral("r2/accessKeyId")).toString();
    r.keyTemplate = settings.value(QStringLiteral("r2/keyTemplate")).toString();
    r.publicBaseUrl = settings.value(QStringLiteral("r2/publicBaseUrl")).toString();
    r.uploadPreviews = settings.value(QStringLiteral("r2/uploadPreviews"), false).toBool();
    return r;
}

void R2Settings::save(QSettings& settings) const {
    settings.setValue(QStringLiteral("r2/accountId"), accountId.trimmed());
    settings.setValue(QStringLiteral("r2/endpoint"), endpoint.trimmed());
    settings.setValue(QStringLiteral("r2/bucket"), bucket.trimmed());
    settings.setValue(QStringLiteral("r2/prefix"), prefix.trimmed());
    settings.setValue(QStringLiteral("r2/accessKeyId"), accessKeyId.trimmed());
    settings.setValue(QStringLiteral("r2/keyTemplate"), keyTemplate.trimmed());
    settings.setValue(QStringLiteral("r2/publicBaseUrl"), publicBaseUrl.trimmed());
    settings.setValue(QStringLiteral("r2/uploadPreviews"), uploadPreviews);
}

}  // namespace archival::adapters
