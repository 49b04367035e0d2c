// The SigV4 signer against the public AWS test-suite vectors (every case, header and query
// signing, byte for byte) and the S3 reference examples.
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "adapters/batch/sigv4_signer.h"
#include "test_support.h"

using namespace archival::adapters;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

// The raw request of a vector: "METHOD URI HTTP/1.1", headers (continuation lines start
// with white space), a blank line, the body.
SigV4Request parseRequest(const QByteArray& raw) {
    SigV4Request request;
    const QList<QByteArray> lines = raw.split('\n');
    const QByteArray first = lines.value(0);
    request.method = first.left(first.indexOf(' '));
    const QByteArray uri =
        first.mid(first.indexOf(' ') + 1, first.lastIndexOf(' ') - first.indexOf(' ') - 1);
    const int q = uri.indexOf('?');
    request.path = q < 0 ? uri : uri.left(q);
    if (q >= 0) {
        for (const QByteArray& item : uri.mid(q + 1).split('&')) {
            const int eq = item.indexOf('=');
            const QByteArray name = eq < 0 ? item : item.left(eq);
            const QByteArray value = eq < 0 ? QByteArray() : item.mid(eq + 1);
            request.query.append(
                {QByteArray::fromPercentEncoding(name), QByteArray::fromPercentEncoding(value)});
        }
    }
    int i = 1;
    for (; i < lines.size() && !lines[i].isEmpty(); ++i) {
        const QByteArray& line = lines[i];
        if ((line.startsWith(' ') || line.startsWith('\t')) && !request.headers.isEmpty()) {
            request.headers.last().second += ' ' + line.trimmed();
            continue;
        }
        const int colon = line.indexOf(':');
        request.headers.append({line.left(colon), line.mid(colon + 1)});
    }
    const QByteArray body = lines.mid(i + 1).join('\n');
    request.payloadHash = SigV4Signer::sha256Hex(body);
    return request;
}

QByteArray authorizationLine(const QByteArray& signedRequest) {
    for (const QByteArray& line : signedRequest.split('\n'))
        if (line.startsWith("Authorization:")) return line.mid(int(strlen("Authorization:")));
    return {};
}

}  // namespace

class TestSigV4Signer : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_REQUIRE_FIXTURES(); }

    void testSuite_data() {
        QTest::addColumn<QString>("dir");
        QTest::addColumn<bool>("query");
        const QDir root(archival::test::fixture(QStringLiteral("sigv4")));
        const QStringList cases = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        QVERIFY2(cases.size() >= 30, "the SigV4 test suite is incomplete");
        for (const QString& name : cases) {
            QTest::newRow(qPrintable(name + "/header")) << root.filePath(name) << false;
            QTest::newRow(qPrintable(name + "/query")) << root.filePath(name) << true;
        }
    }

    void testSuite() {
        QFETCH(QString, dir);
        QFETCH(bool, query);
        const QJsonObject context =
            QJsonDocument::fromJson(readAll(dir + "/context.json")).object();
        const QJsonObject creds = context["credentials"].toObject();
        SigV4Options options;
        options.region = context["region"].toString();
        options.service = context["service"].toString();
        options.normalizePath = context["normalize"].toBool();
        options.addContentSha256 = context["sign_body"].toBool();
        options.signSessionToken = !context["omit_session_token"].toBool();
        const SigV4Signer signer({creds["access_key_id"].toString(),
                                  creds["secret_access_key"].toString(), creds["token"].toString()},
                                 options);
        const QDateTime when = QDateTime::fromString(context["timestamp"].toString(), Qt::ISODate);
        QVERIFY(when.isValid());
        const SigV4Request request = parseRequest(readAll(dir + "/request.txt"));

        const QString kind = query ? QStringLiteral("query") : QStringLiteral("header");
        const SigV4Result result =
            query ? signer.presign(request, when, context["expiration_in_seconds"].toInt())
                  : signer.signHeaders(request, when);
        QCOMPARE(result.canonicalRequest, readAll(dir + "/" + kind + "-canonical-request.txt"));
        QCOMPARE(result.stringToSign, readAll(dir + "/" + kind + "-string-to-sign.txt"));
        QCOMPARE(result.signature, readAll(dir + "/" + kind + "-signature.txt").trimmed());
        if (!query)
            QCOMPARE(result.authorization,
                     authorizationLine(readAll(dir + "/header-signed-request.txt")));
        else
            QVERIFY(readAll(dir + "/query-signed-request.txt")
                        .contains("X-Amz-Signature=" + result.signature));
    }

    void s3Examples_data() {
        QTest::addColumn<QJsonObject>("example");
        const QJsonObject doc =
            QJsonDocument::fromJson(readAll(archival::test::fixture("sigv4/s3-examples.json")))
                .object();
        const QJsonArray cases = doc["cases"].toArray();
        QCOMPARE(cases.size(), 5);
        for (const auto& c : cases) {
            QJsonObject example = c.toObject();
            for (const char* key :
                 {"access_key_id", "secret_access_key", "region", "service", "timestamp"})
                example[key] = doc[key];
            QTest::newRow(qPrintable(example["name"].toString())) << example;
        }
    }

    // S3 rules: the key encoded once, x-amz-content-sha256 signed, a bare subresource as
    // "lifecycle=", UNSIGNED-PAYLOAD for a presigned URL.
    void s3Examples() {
        QFETCH(QJsonObject, example);
        SigV4Options options;
        options.region = example["region"].toString();
        options.service = example["service"].toString();
        const SigV4Signer signer(
            {example["access_key_id"].toString(), example["secret_access_key"].toString(), {}},
            options);
        const QDateTime when = QDateTime::fromString(example["timestamp"].toString(),
                                                     QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
        QVERIFY(when.isValid());
        QDateTime utc = when;
        utc.setTimeZone(QTimeZone::utc());

        SigV4Request request;
        request.method = example["method"].toString().toUtf8();
        // The reference gives the encoded URI; the signer takes the key's own bytes.
        request.path =
            QByteArray::fromPercentEncoding(example["canonical_uri"].toString().toUtf8());
        request.payloadHash = example["payload_sha256"].toString().toUtf8();
        const bool presigned = example.contains("expires");
        if (!presigned) {
            const QString q = example["canonical_query"].toString();
            for (const QString& item : q.split('&', Qt::SkipEmptyParts)) {
                const auto parts = item.split('=');
                request.query.append({parts[0].toUtf8(), parts.value(1).toUtf8()});
            }
        }
        const QJsonObject headers = example["headers"].toObject();
        for (auto it = headers.begin(); it != headers.end(); ++it) {
            // The signer adds x-amz-date (header signing); the rest are the request's own.
            if (it.key() == "x-amz-date") continue;
            request.headers.append({it.key().toUtf8(), it.value().toString().toUtf8()});
        }
        const SigV4Result result = presigned
                                       ? signer.presign(request, utc, example["expires"].toInt())
                                       : signer.signHeaders(request, utc);
        QCOMPARE(QString::fromUtf8(result.canonicalRequest),
                 example["canonical_request"].toString());
        QCOMPARE(QString::fromUtf8(result.stringToSign), example["string_to_sign"].toString());
        QCOMPARE(QString::fromUtf8(result.signature), example["signature"].toString());
    }

    void encodesKeysOnceKeepingSlashes() {
        QCOMPARE(SigV4Signer::canonicalPath("/bucket/a b/ሴ/$x+y=1~._-", false),
                 QByteArray("/bucket/a%20b/%E1%88%B4/%24x%2By%3D1~._-"));
        // S3 keys are never normalized: "//" and "." are part of the name.
        QCOMPARE(SigV4Signer::canonicalPath("/bucket//./k", false), QByteArray("/bucket//./k"));
        QCOMPARE(SigV4Signer::canonicalQuery({{"prefix", "a/b c"}, {"list-type", "2"}}),
                 QByteArray("list-type=2&prefix=a%2Fb%20c"));
    }

    void amzDateIsUtc() {
        const QDateTime local(QDate(2026, 1, 2), QTime(3, 4, 5), QTimeZone(3600));
        QCOMPARE(SigV4Signer::amzDate(local), QByteArray("20260102T020405Z"));
    }
};

QTEST_GUILESS_MAIN(TestSigV4Signer)
#include "test_sigv4_signer.moc"
