#pragma once
// The R2 destination's command-line options, shared by `batch` and `serve`: each overrides
// one of the studio's R2 settings for the run. The secret is never an option: it comes from
// ARCHIVAL_R2_SECRET when set, else the OS keychain.
//
//   R2Options r2(parser);                      // adds the options
//   R2Settings settings = R2Settings::load(QSettings());
//   if (auto error = r2.apply(&settings)) ...  // the options given, over the settings
//   auto store = connectR2Store(settings);     // an S3 client, or why there is none

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QString>
#include <memory>
#include <optional>
#include <variant>

#include "adapters/batch/r2_settings.h"
#include "adapters/batch/s3_client.h"

namespace archival::app {

class R2Options {
  public:
    // `withUploadPreviews`: also --upload-previews (batch; serve's requests say per set).
    R2Options(QCommandLineParser& parser, bool withUploadPreviews);

    // Whether any option naming the destination was given (endpoint, account, bucket, key).
    bool destinationGiven() const;
    // The options given, over `settings`; a message when one is not usable (a key template
    // that names an unknown field, say).
    std::optional<QString> apply(adapters::R2Settings* settings) const;
    bool uploadPreviews() const;  // --upload-previews given

  private:
    QCommandLineParser& parser_;
    bool withUploadPreviews_;
    QCommandLineOption endpoint_, account_, bucket_, prefix_, keyId_, keyTemplate_, publicUrl_,
        uploadPreviews_;
};

// Why there is no uploader for `r2`, and the exit code that says so: 2 (settings incomplete)
// or 10 (no secret).
struct R2StoreProblem {
    QString message;
    int exitCode = 2;
};

// An S3 client for the destination and the secret of this run.
std::variant<std::unique_ptr<adapters::S3Client>, R2StoreProblem> connectR2Store(
    const adapters::R2Settings& r2);

}  // namespace archival::app
