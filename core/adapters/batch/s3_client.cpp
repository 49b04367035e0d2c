#include "adapters/batch/s3_client.h"

#include <QCryptographicHash>
#include <QNetworkAccessManager>
#include <QNetworkRequest>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>
#include <QXmlStreamReader>
#include <algorithm>

#include "adapters/batch/content_digest.h"

namespace archival::adapters {

namespace {

const QByteArray kEmptySha256 = SigV4Signer::sha256Hex({});

// The store's <Error><Code>..</Code><Message>..</Message></Error>.
void parseErrorBody(const QByteArray& body, QString* code, QString* message) {
    QXmlStreamReader xml(body);
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement) continue;
        if (xml.name() == QLatin1String("Code"))
            *code = xml.readElementText().trimmed();
        else if (xml.name() == QLatin1String("Message"))
            *message = xml.readElementText().trimmed();
    }
}

bool retryableStatus(int status) {
    return status == 408 || status == 429 || status >= 500;
}

// 400s that mean "the bytes were damaged on the way": sending them again can succeed.
bool retryableCode(const QString& code) {
    return code == QLatin1String("BadDigest") ||
           code == QLatin1String("XAmzContentSHA256Mismatch") ||
           code == QLatin1String("RequestTimeout") || code == QLatin1String("SlowDown") ||
           code == QLatin1String("InternalError");
}

QByteArray unquote(QByteArray etag) {
    etag = etag.trimmed();
    if (etag.startsWith("W/")) etag = etag.mid(2);
    if (etag.size() >= 2 && etag.startsWith('"') && etag.endsWith('"'))
        etag = etag.mid(1, etag.size() - 2);
    return etag.toLower();
}

QByteArray contentDigestHeader() {
    return QByteArray("x-amz-meta-") + kContentDigestMeta;
}

}  // namespace

struct S3Client::Call {
    enum class Kind { Put, Head, List };
    Kind kind = Kind::Put;
    bool verifying = false;  // a PUT answered 412: HEAD to compare the stored bytes
    QString key;
    QByteArray body;
    QByteArray contentType;
    QByteArray md5Hex;
    QByteArray sha256Hex;
    QByteArray contentDigest;  // content_digest.h; empty: the bytes alone decide a 412
    Callback done;
    int attempts = 0;
    bool over = false;
    QPointer<QNetworkReply> reply;
};

QUrl S3Settings::r2Endpoint(const QString& accountId) {
    return QUrl(QStringLiteral("https://%1.r2.cloudflarestorage.com").arg(accountId.trimmed()));
}

QString explainS3Error(int httpStatus, const QString& code, const QString& serverMessage,
                       const QString& bucket) {
    QString fix;
    if (code == QLatin1String("SignatureDoesNotMatch"))
        fix = QStringLiteral(
            "the secret access key does not match the access key id: re-enter the secret in the "
            "R2 settings (or check that this computer's clock is right)");
    else if (code == QLatin1String("InvalidAccessKeyId"))
        fix = QStringLiteral(
            "the store does not know this access key id: check it in the R2 settings");
    else if (code == QLatin1String("NoSuchBucket"))
        fix = QStringLiteral(
                  "bucket '%1' does not exist at this endpoint: create it or correct "
                  "the bucket name")
                  .arg(bucket);
    else if (code == QLatin1String("AccessDenied") || httpStatus == 403)
        fix = QStringLiteral(
                  "the key may not write to bucket '%1': give its API token "
                  "\"Object Read & Write\" on this bucket")
                  .arg(bucket);
    else if (code == QLatin1String("RequestTimeTooSkewed"))
        fix = QStringLiteral(
            "this computer's clock is too far from the store's: set the clock right");
    else if (code == QLatin1String("InvalidBucketName"))
        fix = QStringLiteral("'%1' is not a valid bucket name: correct it in the R2 settings")
                  .arg(bucket);
    else if (httpStatus >= 300 && httpStatus < 400)
        fix = QStringLiteral("the endpoint redirected the request: check the endpoint URL");
    else if (httpStatus == 404)
        fix = QStringLiteral("the endpoint or bucket was not found: check both in the R2 settings");
    else
        fix = QStringLiteral("the store refused the request");
    QString reason = QStringLiteral("HTTP %1").arg(httpStatus);
    if (!code.isEmpty()) reason += QLatin1Char(' ') + code;
    if (!serverMessage.isEmpty()) reason += QStringLiteral(" (%1)").arg(serverMessage);
    return reason + QStringLiteral(": ") + fix + QLatin1Char('.');
}

S3Client::S3Client(S3Settings settings, QObject* parent)
    : QObject(parent), settings_(std::move(settings)), network_(new QNetworkAccessManager(this)) {
    network_->setRedirectPolicy(
        QNetworkRequest::ManualRedirectPolicy);  // a redirect breaks the signature
}

S3Client::~S3Client() {
    // Replies are children of the manager; their callbacks must not run into a dead client.
    for (const auto& call : running_) {
        call->over = true;
        if (call->reply) call->reply->abort();
    }
}

void S3Client::setSettings(const S3Settings& settings) {
    settings_ = settings;
}

QByteArray S3Client::objectPath(const QString& key) const {
    QByteArray path = '/' + settings_.bucket.toUtf8();
    if (!key.isEmpty()) path += '/' + key.toUtf8();
    return path;
}

void S3Client::putObject(const QString& key, const QByteArray& body, const QString& contentType,
                         Callback done, const QByteArray& contentDigest) {
    auto call = std::make_shared<Call>();
    call->kind = Call::Kind::Put;
    call->key = key;
    call->body = body;
    call->contentType = contentType.toUtf8();
    call->md5Hex = QCryptographicHash::hash(body, QCryptographicHash::Md5).toHex();
    call->sha256Hex = SigV4Signer::sha256Hex(body);
    call->contentDigest = contentDigest;
    call->done = std::move(done);
    enqueue(call);
}

void S3Client::headObject(const QString& key, Callback done) {
    auto call = std::make_shared<Call>();
    call->kind = Call::Kind::Head;
    call->key = key;
    call->done = std::move(done);
    enqueue(call);
}

void S3Client::testConnection(Callback done) {
    auto call = std::make_shared<Call>();
    call->kind = Call::Kind::List;
    call->done = std::move(done);
    enqueue(call);
}

void S3Client::abortAll() {
    auto waiting = std::move(queue_);
    queue_.clear();
    for (const auto& call : waiting)
        finish(call, {S3Outcome::GaveUp,
                      0,
                      QStringLiteral("Cancelled"),
                      QStringLiteral("cancelled"),
                      {},
                      call->attempts});
    const auto running = running_;
    for (const auto& call : running) {
        if (call->reply) call->reply->abort();
        finish(call, {S3Outcome::GaveUp,
                      0,
                      QStringLiteral("Cancelled"),
                      QStringLiteral("cancelled"),
                      {},
                      call->attempts});
    }
}

void S3Client::enqueue(std::shared_ptr<Call> call) {
    queue_.push_back(std::move(call));
    startNext();
}

void S3Client::startNext() {
    while (active_ < std::max(1, settings_.maxConcurrent) && !queue_.empty()) {
        auto call = queue_.front();
        queue_.pop_front();
        ++active_;
        running_.append(call);
        send(call);
    }
}

int S3Client::backoffMs(int attempt) const {
    // Exponential with "equal jitter": half the step is fixed, half random, so clients that
    // failed together do not come back together, and no wait collapses to zero.
    const qint64 step = std::min<qint64>(settings_.backoffMaxMs, qint64(settings_.backoffBaseMs)
                                                                     << std::min(attempt - 1, 20));
    const qint64 half = std::max<qint64>(1, step / 2);
    return int(half + QRandomGenerator::global()->bounded(half + 1));
}

void S3Client::send(const std::shared_ptr<Call>& call) {
    if (call->over) return;
    ++call->attempts;
    const bool put = call->kind == Call::Kind::Put && !call->verifying;
    const bool list = call->kind == Call::Kind::List;

    SigV4Request request;
    request.method = put ? "PUT" : (list ? "GET" : "HEAD");
    request.path = objectPath(list ? QString() : call->key);
    if (list) request.query = {{"list-type", "2"}, {"max-keys", "1"}};
    request.payloadHash = put ? call->sha256Hex : kEmptySha256;

    const QUrl& endpoint = settings_.endpoint;
    QByteArray host = endpoint.host().toUtf8();
    const int defaultPort = endpoint.scheme() == QLatin1String("https") ? 443 : 80;
    if (endpoint.port() != -1 && endpoint.port() != defaultPort)
        host += ':' + QByteArray::number(endpoint.port());
    request.headers.append({QByteArray("host"), host});
    if (put) {
        request.headers.append({QByteArray("content-type"), call->contentType});
        request.headers.append(
            {QByteArray("content-md5"), QByteArray::fromHex(call->md5Hex).toBase64()});
        request.headers.append(
            {QByteArray("x-amz-checksum-sha256"), QByteArray::fromHex(call->sha256Hex).toBase64()});
        request.headers.append({QByteArray("if-none-match"), QByteArray("*")});
        if (!call->contentDigest.isEmpty())
            request.headers.append({contentDigestHeader(), call->contentDigest});
    }
    SigV4Options options;
    options.region = settings_.region;
    const SigV4Signer signer(settings_.credentials, options);
    const SigV4Result signature = signer.signHeaders(request, QDateTime::currentDateTimeUtc());

    QByteArray base =
        endpoint.toEncoded(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment);
    while (base.endsWith('/')) base.chop(1);
    QByteArray url = base + SigV4Signer::canonicalPath(request.path, false);
    if (!request.query.isEmpty()) url += '?' + SigV4Signer::canonicalQuery(request.query);

    QNetworkRequest net(QUrl::fromEncoded(url, QUrl::StrictMode));
    for (const auto& [name, value] : request.headers) net.setRawHeader(name, value);
    for (const auto& [name, value] : signature.add) net.setRawHeader(name, value);
    net.setTransferTimeout(settings_.timeoutMs);
    net.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    net.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);

    QNetworkReply* reply = put    ? network_->put(net, call->body)
                           : list ? network_->get(net)
                                  : network_->head(net);
    call->reply = reply;
    if (put) {
        const QString key = call->key;
        connect(
            reply, &QNetworkReply::uploadProgress, this,
            [this, key](qint64 sent, qint64 total) { Q_EMIT uploadProgress(key, sent, total); });
    }
    connect(reply, &QNetworkReply::finished, this, [this, call, reply] { onReply(call, reply); });
}

void S3Client::onReply(const std::shared_ptr<Call>& call, QNetworkReply* reply) {
    reply->deleteLater();
    if (call->over) return;
    call->reply = nullptr;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0) {  // no HTTP answer: refused, dropped, timed out
        retryLater(call, QStringLiteral("network: %1").arg(reply->errorString()));
        return;
    }
    const QByteArray body = reply->readAll();
    QString code, serverMessage;
    if (status >= 300) parseErrorBody(body, &code, &serverMessage);
    const QByteArray etag = unquote(reply->rawHeader("ETag"));
    const bool put = call->kind == Call::Kind::Put && !call->verifying;

    if (status >= 200 && status < 300) {
        if (call->verifying) {
            const QByteArray storedDigest = reply->rawHeader(contentDigestHeader()).trimmed();
            if (etag == call->md5Hex)
                finish(call, {S3Outcome::AlreadyThere,
                              status,
                              {},
                              QStringLiteral("already stored with the same bytes"),
                              etag,
                              call->attempts});
            else if (!call->contentDigest.isEmpty() && storedDigest == call->contentDigest)
                // The same set made again (a worker stopped between its uploads): other
                // timings in the file, the same pixels and metadata.
                finish(call, {S3Outcome::AlreadyThere,
                              status,
                              {},
                              QStringLiteral("already stored with the same content (only "
                                             "timings differ)"),
                              etag,
                              call->attempts});
            else
                finish(call, {S3Outcome::Conflict, 412, QStringLiteral("Conflict"),
                              QStringLiteral("'%1' already exists in the bucket with other bytes "
                                             "(ETag %2, ours %3): it was not overwritten")
                                  .arg(call->key, QString::fromLatin1(etag),
                                       QString::fromLatin1(call->md5Hex)),
                              etag, call->attempts});
            return;
        }
        finish(call, {S3Outcome::Done, status, {}, {}, etag, call->attempts});
        return;
    }
    if (put && status == 412) {
        // Write-once key already there: find out whether it holds our bytes. The HEAD counts
        // as an attempt; it is sent at once because it settles rather than repeats the PUT,
        // and whatever it answers either ends the call or goes through retryLater.
        call->verifying = true;
        send(call);
        return;
    }
    if (status == 404 && call->verifying) {
        // Gone between the 412 and the HEAD (deleted by someone): write it again, as a retry,
        // so a store that answers 412 then 404 forever meets the attempt limit and backoff.
        call->verifying = false;
        retryLater(call, QStringLiteral("HTTP 412 then 404: the key vanished before the HEAD"));
        return;
    }
    if (status == 404 && call->kind == Call::Kind::Head && code != QLatin1String("NoSuchBucket")) {
        finish(call, {S3Outcome::NotFound,
                      status,
                      QStringLiteral("NoSuchKey"),
                      QStringLiteral("no object '%1'").arg(call->key),
                      {},
                      call->attempts});
        return;
    }
    if (retryableStatus(status) || retryableCode(code)) {
        retryLater(call, QStringLiteral("HTTP %1%2")
                             .arg(status)
                             .arg(code.isEmpty() ? QString() : QLatin1Char(' ') + code));
        return;
    }
    finish(call,
           {S3Outcome::Refused, status, code,
            explainS3Error(status, code, serverMessage, settings_.bucket), etag, call->attempts});
}

void S3Client::retryLater(const std::shared_ptr<Call>& call, const QString& reason) {
    if (call->attempts >= settings_.maxAttempts) {
        finish(call, {S3Outcome::GaveUp,
                      0,
                      QStringLiteral("GaveUp"),
                      QStringLiteral("gave up after %1 attempts (last: %2); the store or the "
                                     "network may be down: try again later")
                          .arg(call->attempts)
                          .arg(reason),
                      {},
                      call->attempts});
        return;
    }
    const int delay = backoffMs(call->attempts);
    Q_EMIT retrying(call->key, call->attempts, delay, reason);
    QTimer::singleShot(delay, this, [this, call] { send(call); });
}

void S3Client::finish(const std::shared_ptr<Call>& call, S3Result result) {
    if (call->over) return;
    call->over = true;
    if (running_.removeOne(call)) --active_;
    result.attempts = call->attempts;
    if (call->done) call->done(result);
    startNext();
}

}  // namespace archival::adapters
