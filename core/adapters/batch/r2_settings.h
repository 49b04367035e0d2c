#pragma once
// Where batch sets go: the R2 (or S3-compatible) destination. Everything but the secret
// lives in QSettings under "r2/"; the secret lives only in the OS keychain (SecretStore),
// or in ARCHIVAL_R2_SECRET for one run on a machine without a keychain.

#include <QSettings>
#include <QString>
#include <QUrl>

namespace archival::adapters {

struct S3Settings;

// The only reader and writer of the "r2/" keys.
struct R2Settings {
    QString accountId;  // builds https://<account>.r2.cloudflarestorage.com
    QString endpoint;   // any S3-compatible URL instead (tests, MinIO, ...); wins when set
    QString bucket;
    QString prefix;  // object keys start with it ("" or "exhibit/2026")
    QString accessKeyId;
    // Where a set's objects go (object_key_template.h: a template, or "seed" / "studio");
    // empty: the seed's actions/<action>/sets/<set>/.
    QString keyTemplate;
    // The base of the public URLs written into meta.json; empty: https://<bucket>.r2.dev.
    QString publicBaseUrl;
    // Whether sets queued from the studio and `batch` upload a preview per step.
    bool uploadPreviews = false;

    QString effectivePublicBaseUrl() const;

    QUrl effectiveEndpoint() const;
    // Empty when complete, else what is missing, for a person.
    QString missing() const;
    // The S3 client's settings for this destination and `secret`: the one place R2 settings
    // become S3 settings (the studio's uploader, `batch`, the batch panel's Test connection).
    S3Settings toS3Settings(const QString& secret) const;

    static R2Settings load(const QSettings& settings);
    void save(QSettings& settings) const;
};

}  // namespace archival::adapters
