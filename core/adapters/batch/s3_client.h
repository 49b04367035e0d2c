#pragma once
// A small S3 client for Cloudflare R2 (or any S3-compatible store) over
// QNetworkAccessManager: write-once PUTs, HEAD, and a signed listing for "Test connection".
//
// * Every request is SigV4-signed (region "auto" for R2), path-style (/<bucket>/<key>), with
//   the payload's real SHA-256 in x-amz-content-sha256 and Content-MD5 + x-amz-checksum-sha256
//   that the store verifies before keeping the bytes.
// * At most `maxConcurrent` requests are on the wire; the rest wait in order.
// * Network errors, timeouts, 5xx and 429 are retried with exponential backoff and full
//   jitter; any other 4xx stops at once with a message that says what to fix.
// * Exactly once: PUT carries If-None-Match: * so a key is written once. A 412 answer (the
//   key exists, e.g. our own earlier attempt whose reply was lost) is settled by a HEAD:
//   the same MD5 ETag counts as uploaded, and so does the same content digest
//   (content_digest.h: a set made again has other timings in its files, so other bytes, but
//   the same pixels and metadata) when the PUT carried one; anything else is a conflict. A
//   HEAD that finds nothing is retried like any transient failure (attempt limit and backoff).

#include <QByteArray>
#include <QNetworkReply>
#include <QObject>
#include <QString>
#include <QUrl>
#include <deque>
#include <functional>
#include <memory>

#include "adapters/batch/sigv4_signer.h"

class QNetworkAccessManager;
class QTimer;

namespace archival::adapters {

struct S3Settings {
    QUrl endpoint;  // https://<account>.r2.cloudflarestorage.com, or any S3-compatible URL
    QString bucket;
    QString region = QStringLiteral("auto");
    SigV4Credentials credentials;
    int maxConcurrent = 4;
    int timeoutMs = 30000;  // per attempt; a stalled transfer counts as a network error
    int maxAttempts = 6;
    int backoffBaseMs = 500;
    int backoffMaxMs = 20000;

    // The R2 endpoint of an account id.
    static QUrl r2Endpoint(const QString& accountId);
};

enum class S3Outcome {
    Done,          // written (or, for HEAD/list, answered 2xx)
    AlreadyThere,  // 412, and the stored object has the same bytes: counts as done
    NotFound,      // HEAD: no such key
    Conflict,      // 412, and the stored object differs from ours
    Refused,       // a 4xx that retrying cannot fix (credentials, bucket, permissions)
    GaveUp,        // transient failures outlasted every attempt
};

struct S3Result {
    S3Outcome outcome = S3Outcome::GaveUp;
    int httpStatus = 0;
    QString errorCode;  // the store's <Code> (SignatureDoesNotMatch, NoSuchBucket...) or a network
                        // error
    QString message;    // for a person: what happened and what to fix
    QByteArray etag;    // unquoted
    int attempts = 0;
    bool ok() const { return outcome == S3Outcome::Done || outcome == S3Outcome::AlreadyThere; }
};

class S3Client : public QObject {
    Q_OBJECT
  public:
    using Callback = std::function<void(const S3Result&)>;

    explicit S3Client(S3Settings settings, QObject* parent = nullptr);
    ~S3Client() override;

    const S3Settings& settings() const { return settings_; }
    void setSettings(const S3Settings& settings);  // for requests started from now on

    // PUT /<bucket>/<key> with If-None-Match: *. `done` runs once, on this object's thread.
    // A non-empty `contentDigest` is stored with the object (x-amz-meta-archival-content-sha256)
    // and settles a 412 as above.
    void putObject(const QString& key, const QByteArray& body, const QString& contentType,
                   Callback done, const QByteArray& contentDigest = {});
    void headObject(const QString& key, Callback done);
    // A signed ListObjectsV2 of at most one key: proves endpoint, bucket and credentials.
    void testConnection(Callback done);

    int inFlight() const { return active_; }
    int waiting() const { return int(queue_.size()); }
    void abortAll();  // every pending callback runs with GaveUp ("cancelled")

    // "set_001/1.png" under /<bucket>/ as the bytes the signer and the URL use.
    QByteArray objectPath(const QString& key) const;

  Q_SIGNALS:
    void uploadProgress(const QString& key, qint64 sent, qint64 total);
    // One line per retry, for logs and the panel (never carries the secret).
    void retrying(const QString& key, int attempt, int delayMs, const QString& reason);

  private:
    struct Call;
    void enqueue(std::shared_ptr<Call> call);
    void startNext();
    void send(const std::shared_ptr<Call>& call);
    void onReply(const std::shared_ptr<Call>& call, QNetworkReply* reply);
    void retryLater(const std::shared_ptr<Call>& call, const QString& reason);
    void finish(const std::shared_ptr<Call>& call, S3Result result);
    int backoffMs(int attempt) const;

    S3Settings settings_;
    QNetworkAccessManager* network_;
    std::deque<std::shared_ptr<Call>> queue_;
    QList<std::shared_ptr<Call>> running_;
    int active_ = 0;
};

// What a refused request means and how to fix it, from the store's error code.
QString explainS3Error(int httpStatus, const QString& code, const QString& serverMessage,
                       const QString& bucket);

}  // namespace archival::adapters
