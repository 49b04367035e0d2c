#pragma once
// AWS Signature Version 4, written once: the canonical request, the string to sign and the
// signature, for the Authorization header or for a presigned URL. S3 and Cloudflare R2 use
// it unchanged (R2: region "auto", service "s3"). Checked against the public AWS test-suite
// vectors (../shared/fixtures/sigv4) and against curl's independent signer.

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

namespace archival::adapters {

struct SigV4Credentials {
    QString accessKeyId;
    QString secretAccessKey;  // never logged; only its derived key leaves this file
    QString sessionToken;     // temporary credentials only
};

using SigV4Pairs = QList<QPair<QByteArray, QByteArray>>;

struct SigV4Request {
    QByteArray method;  // "GET", "PUT", ...
    // The path as the bytes it names (not percent-encoded): "/bucket/set 1/1.png". The
    // signer encodes each byte outside the unreserved set once, keeping '/'.
    QByteArray path = "/";
    SigV4Pairs query;    // decoded names and values, in any order
    SigV4Pairs headers;  // names in any case; duplicates are joined as AWS does
    // Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
    QByteArray payloadHash;
};

struct SigV4Options {
    QString region = QStringLiteral("auto");
    QString service = QStringLiteral("s3");
    // Remove "." / ".." and empty segments from the path (most AWS services). S3 and R2
    // never normalize: a key is signed exactly as named.
    bool normalizePath = false;
    // Add and sign "x-amz-content-sha256: <payloadHash>" (S3 and R2 require it).
    bool addContentSha256 = true;
    // Sign the session token (true), or add it after signing (STS "after" style).
    bool signSessionToken = true;
};

struct SigV4Result {
    QByteArray canonicalRequest;
    QByteArray stringToSign;
    QByteArray signature;  // hex
    // Header signing: the headers to add to the request (x-amz-date, x-amz-content-sha256,
    // x-amz-security-token, Authorization). Query signing: the query items to add.
    SigV4Pairs add;
    QByteArray authorization;  // header signing only
};

class SigV4Signer {
  public:
    SigV4Signer(SigV4Credentials credentials, SigV4Options options);

    // Signs with an Authorization header.
    SigV4Result signHeaders(const SigV4Request& request, const QDateTime& when) const;
    // Signs a URL valid for `expiresSeconds` (the request's headers are signed as given).
    SigV4Result presign(const SigV4Request& request, const QDateTime& when,
                        int expiresSeconds) const;

    // Building blocks, public for tests and for the S3 client.
    static QByteArray uriEncode(const QByteArray& bytes, bool keepSlash);
    static QByteArray canonicalPath(const QByteArray& path, bool normalize);
    static QByteArray canonicalQuery(const SigV4Pairs& query);
    static QByteArray sha256Hex(const QByteArray& bytes);
    static QByteArray amzDate(const QDateTime& when);  // 20150830T123600Z

  private:
    SigV4Result sign(const SigV4Request& request, const QDateTime& when, bool presigned,
                     int expiresSeconds) const;
    QByteArray signingKey(const QByteArray& date) const;

    SigV4Credentials credentials_;
    SigV4Options options_;
};

}  // namespace archival::adapters
