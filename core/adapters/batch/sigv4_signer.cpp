#include "adapters/batch/sigv4_signer.h"

#include <QCryptographicHash>
#include <QMessageAuthenticationCode>
#include <QTimeZone>
#include <algorithm>
#include <map>

namespace archival::adapters {

namespace {

const QByteArray kAlgorithm = "AWS4-HMAC-SHA256";

QByteArray hmac(const QByteArray& key, const QByteArray& message) {
    return QMessageAuthenticationCode::hash(message, key, QCryptographicHash::Sha256);
}

// Header values are signed trimmed, with each run of spaces made one space.
QByteArray canonicalHeaderValue(const QByteArray& value) {
    return value.simplified();
}

bool hasHeader(const SigV4Pairs& headers, const QByteArray& lowerName) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return h.first.toLower() == lowerName; });
}

}  // namespace

SigV4Signer::SigV4Signer(SigV4Credentials credentials, SigV4Options options)
    : credentials_(std::move(credentials)), options_(std::move(options)) {}

QByteArray SigV4Signer::uriEncode(const QByteArray& bytes, bool keepSlash) {
    // RFC 3986 unreserved characters stay; every other byte becomes %XX (upper-case hex).
    return bytes.toPercentEncoding(keepSlash ? QByteArray("/") : QByteArray(), QByteArray(), '%');
}

QByteArray SigV4Signer::canonicalPath(const QByteArray& path, bool normalize) {
    if (path.isEmpty()) return "/";
    if (!normalize) return uriEncode(path, true);
    QList<QByteArray> kept;
    for (const QByteArray& segment : path.split('/')) {
        if (segment.isEmpty() || segment == ".") continue;
        if (segment == "..") {
            if (!kept.isEmpty()) kept.removeLast();
            continue;
        }
        kept.append(segment);
    }
    QByteArray out = "/" + kept.join('/');
    if (path.endsWith('/') && out != "/") out += '/';
    return uriEncode(out, true);
}

QByteArray SigV4Signer::canonicalQuery(const SigV4Pairs& query) {
    std::vector<std::pair<QByteArray, QByteArray>> encoded;
    encoded.reserve(query.size());
    for (const auto& [name, value] : query)
        encoded.emplace_back(uriEncode(name, false), uriEncode(value, false));
    std::sort(encoded.begin(), encoded.end());
    QByteArray out;
    for (const auto& [name, value] : encoded) {
        if (!out.isEmpty()) out += '&';
        out += name + '=' + value;
    }
    return out;
}

QByteArray SigV4Signer::sha256Hex(const QByteArray& bytes) {
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

QByteArray SigV4Signer::amzDate(const QDateTime& when) {
    return when.toUTC().toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'")).toLatin1();
}

QByteArray SigV4Signer::signingKey(const QByteArray& date) const {
    const QByteArray kDate = hmac("AWS4" + credentials_.secretAccessKey.toUtf8(), date);
    const QByteArray kRegion = hmac(kDate, options_.region.toUtf8());
    const QByteArray kService = hmac(kRegion, options_.service.toUtf8());
    return hmac(kService, "aws4_request");
}

SigV4Result SigV4Signer::signHeaders(const SigV4Request& request, const QDateTime& when) const {
    return sign(request, when, false, 0);
}

SigV4Result SigV4Signer::presign(const SigV4Request& request, const QDateTime& when,
                                 int expiresSeconds) const {
    return sign(request, when, true, expiresSeconds);
}

SigV4Result SigV4Signer::sign(const SigV4Request& request, const QDateTime& when, bool presigned,
                              int expiresSeconds) const {
    SigV4Result result;
    const QByteArray date = amzDate(when);
    const QByteArray day = date.left(8);
    const QByteArray scope =
        day + '/' + options_.region.toUtf8() + '/' + options_.service.toUtf8() + "/aws4_request";
    const QByteArray token = credentials_.sessionToken.toUtf8();

    SigV4Pairs headers = request.headers;
    SigV4Pairs query = request.query;
    if (!presigned) {
        if (!hasHeader(headers, "x-amz-date")) result.add.append({"x-amz-date", date});
        if (options_.addContentSha256 && !hasHeader(headers, "x-amz-content-sha256"))
            result.add.append({"x-amz-content-sha256", request.payloadHash});
        if (!token.isEmpty() && options_.signSessionToken)
            result.add.append({"x-amz-security-token", token});
        headers += result.add;
    }

    // Lower-case names, sorted; repeated headers joined with ',' in their order.
    std::map<QByteArray, QByteArray> canonical;
    for (const auto& [name, value] : headers) {
        QByteArray& joined = canonical[name.toLower().trimmed()];
        if (!joined.isEmpty()) joined += ',';
        joined += canonicalHeaderValue(value);
    }
    QByteArray canonicalHeaders, signedHeaders;
    for (const auto& [name, value] : canonical) {
        canonicalHeaders += name + ':' + value + '\n';
        if (!signedHeaders.isEmpty()) signedHeaders += ';';
        signedHeaders += name;
    }

    const QByteArray credential = credentials_.accessKeyId.toUtf8() + '/' + scope;
    if (presigned) {
        SigV4Pairs auth = {{"X-Amz-Algorithm", kAlgorithm},
                           {"X-Amz-Credential", credential},
                           {"X-Amz-Date", date},
                           {"X-Amz-Expires", QByteArray::number(expiresSeconds)}};
        if (!token.isEmpty() && options_.signSessionToken)
            auth.append({"X-Amz-Security-Token", token});
        auth.append({"X-Amz-SignedHeaders", signedHeaders});
        query += auth;
        result.add = auth;
    }

    result.canonicalRequest = request.method + '\n' +
                              canonicalPath(request.path, options_.normalizePath) + '\n' +
                              canonicalQuery(query) + '\n' + canonicalHeaders + '\n' +
                              signedHeaders + '\n' + request.payloadHash;
    result.stringToSign =
        kAlgorithm + '\n' + date + '\n' + scope + '\n' + sha256Hex(result.canonicalRequest);
    result.signature = hmac(signingKey(day), result.stringToSign).toHex();

    if (presigned) {
        result.add.append({"X-Amz-Signature", result.signature});
    } else {
        result.authorization = kAlgorithm + " Credential=" + credential +
                               ", SignedHeaders=" + signedHeaders +
                               ", Signature=" + result.signature;
        result.add.append({"Authorization", result.authorization});
    }
    // Temporary credentials signed "after": the token travels but is not part of the proof.
    if (!token.isEmpty() && !options_.signSessionToken) {
        if (presigned)
            result.add.append({"X-Amz-Security-Token", token});
        else
            result.add.append({"x-amz-security-token", token});
    }
    return result;
}

}  // namespace archival::adapters
