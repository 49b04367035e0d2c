#include "r2_options.h"

#include "adapters/batch/object_key_template.h"
#include "adapters/batch/secret_store.h"

namespace archival::app {

using adapters::ObjectKeyTemplate;

R2Options::R2Options(QCommandLineParser& parser, bool withUploadPreviews)
    : parser_(parser),
      withUploadPreviews_(withUploadPreviews),
      endpoint_(QStringLiteral("endpoint"),
                QStringLiteral("S3-compatible endpoint URL (instead of R2's)."),
                QStringLiteral("url")),
      account_(QStringLiteral("account-id"), QStringLiteral("Cloudflare account id (R2 endpoint)."),
               QStringLiteral("id")),
      bucket_(QStringLiteral("bucket"), QStringLiteral("Bucket."), QStringLiteral("name")),
      prefix_(QStringLiteral("prefix"), QStringLiteral("Object key prefix ({prefix})."),
              QStringLiteral("prefix")),
      keyId_(QStringLiteral("access-key-id"), QStringLiteral("Access key id."),
             QStringLiteral("id")),
      keyTemplate_(QStringLiteral("key-template"),
                   QStringLiteral("Where a set's objects go: seed (the default, "
                                  "{prefix}/actions/{action}/sets/{set}), studio "
                                  "({prefix}/{action}/{program}/set_{set:03}) or a template "
                                  "of those fields."),
                   QStringLiteral("template")),
      publicUrl_(QStringLiteral("public-url"),
                 QStringLiteral("Base of the public URLs in meta.json and answers (default "
                                "https://<bucket>.r2.dev)."),
                 QStringLiteral("url")),
      uploadPreviews_(QStringLiteral("upload-previews"),
                      QStringLiteral("Upload every step's preview as <step>.jpg (JPEG, "
                                     "quality 75) before the final image.")) {
    parser_.addOptions({endpoint_, account_, bucket_, prefix_, keyId_, keyTemplate_, publicUrl_});
    if (withUploadPreviews_) parser_.addOption(uploadPreviews_);
}

bool R2Options::destinationGiven() const {
    return parser_.isSet(endpoint_) || parser_.isSet(account_) || parser_.isSet(bucket_) ||
           parser_.isSet(keyId_);
}

bool R2Options::uploadPreviews() const {
    return withUploadPreviews_ && parser_.isSet(uploadPreviews_);
}

std::optional<QString> R2Options::apply(adapters::R2Settings* r2) const {
    if (parser_.isSet(endpoint_)) r2->endpoint = parser_.value(endpoint_);
    if (parser_.isSet(account_)) r2->accountId = parser_.value(account_);
    if (parser_.isSet(bucket_)) r2->bucket = parser_.value(bucket_);
    if (parser_.isSet(prefix_)) r2->prefix = parser_.value(prefix_);
    if (parser_.isSet(keyId_)) r2->accessKeyId = parser_.value(keyId_);
    if (parser_.isSet(keyTemplate_)) r2->keyTemplate = parser_.value(keyTemplate_);
    if (parser_.isSet(publicUrl_)) r2->publicBaseUrl = parser_.value(publicUrl_);
    if (const QString why = ObjectKeyTemplate::problem(ObjectKeyTemplate::resolve(r2->keyTemplate));
        !why.isEmpty())
        return why;
    return std::nullopt;
}

std::variant<std::unique_ptr<adapters::S3Client>, R2StoreProblem> connectR2Store(
    const adapters::R2Settings& r2) {
    if (const QString missing = r2.missing(); !missing.isEmpty())
        return R2StoreProblem{QStringLiteral("the R2 settings lack %1 (give them as options or in "
                                             "the studio's R2 settings)")
                                  .arg(missing),
                              2};
    const adapters::SecretStore::Result secret =
        adapters::SecretStore::secretForRun(r2.accessKeyId);
    if (!secret.ok) return R2StoreProblem{secret.error, 10};
    return std::make_unique<adapters::S3Client>(r2.toS3Settings(secret.secret));
}

}  // namespace archival::app
