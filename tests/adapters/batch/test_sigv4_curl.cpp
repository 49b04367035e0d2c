// Cross-check against an independent signer: curl's --aws-sigv4 signs requests to a
// loopback socket that records them; our signer, given the same request and time, must
// produce the same signature.
#include <QCryptographicHash>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QtTest>

#include "adapters/batch/sigv4_signer.h"

using namespace archival::adapters;

namespace {

struct Captured {
    QByteArray method, target;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray header(const QByteArray& name) const {
        for (const auto& [n, v] : headers)
            if (n.toLower() == name) return v;
        return {};
    }
};

// Runs curl with `args` against a one-shot loopback server; returns what it sent.
bool capture(const QStringList& args, Captured* out, QString* error) {
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost)) return false;
    QProcess curl;
    curl.start(QStringLiteral("curl"),
               args + QStringList{QStringLiteral("http://127.0.0.1:%1/archival-test/exhibit/"
                                                 "act%201/P0/set_001/1.png")
                                      .arg(server.serverPort())});
    if (!server.waitForNewConnection(20000)) {
        *error = QStringLiteral("curl did not connect: ") + curl.readAllStandardError();
        return false;
    }
    QTcpSocket* socket = server.nextPendingConnection();
    QByteArray data;
    while (!data.contains("\r\n\r\n") && socket->waitForReadyRead(10000)) data += socket->readAll();
    socket->write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    socket->waitForBytesWritten(5000);
    socket->disconnectFromHost();
    curl.waitForFinished(20000);
    const QList<QByteArray> lines = data.left(data.indexOf("\r\n\r\n")).split('\n');
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    out->method = first.value(0);
    out->target = first.value(1);
    for (int i = 1; i < lines.size(); ++i) {
        const int colon = lines[i].indexOf(':');
        if (colon > 0)
            out->headers.append(
                {lines[i].left(colon).trimmed(), lines[i].mid(colon + 1).trimmed()});
    }
    return !out->method.isEmpty();
}

}  // namespace

class TestSigV4Curl : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        if (QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty())
            QFAIL("curl is not installed (packaging/debian-packages.txt lists it)");
    }

    void sameSignatureAsCurl_data() {
        QTest::addColumn<QByteArray>("method");
        QTest::newRow("PUT") << QByteArray("PUT");
        QTest::newRow("GET") << QByteArray("GET");
    }

    void sameSignatureAsCurl() {
        QFETCH(QByteArray, method);
        const QByteArray body =
            method == "PUT" ? QByteArray("\x89PNG fake bytes", 15) : QByteArray();
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write(body);
        file.flush();
        const QByteArray hash = SigV4Signer::sha256Hex(body);
        const QString key = QStringLiteral("AKIDEXAMPLE");
        const QString secret = QStringLiteral("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        QStringList args{QStringLiteral("-s"),
                         QStringLiteral("--aws-sigv4"),
                         QStringLiteral("aws:amz:auto:s3"),
                         QStringLiteral("--user"),
                         key + ':' + secret,
                         QStringLiteral("-H"),
                         QStringLiteral("x-amz-content-sha256: ") + hash};
        if (method == "PUT")
            args << QStringLiteral("-H") << QStringLiteral("Content-Type: image/png")
                 << QStringLiteral("-T") << file.fileName();
        Captured sent;
        QString error;
        QVERIFY2(capture(args, &sent, &error), qPrintable(error));
        QCOMPARE(sent.method, method);

        // "AWS4-HMAC-SHA256 Credential=K/DATE/auto/s3/aws4_request, SignedHeaders=a;b, Signature=X"
        const QByteArray auth = sent.header("authorization");
        QVERIFY2(auth.startsWith("AWS4-HMAC-SHA256 "), auth.constData());
        QByteArray signedHeaders, signature;
        for (QByteArray part : auth.mid(17).split(',')) {
            part = part.trimmed();
            if (part.startsWith("SignedHeaders=")) signedHeaders = part.mid(14);
            if (part.startsWith("Signature=")) signature = part.mid(10);
        }
        QVERIFY(signedHeaders.contains("x-amz-content-sha256"));

        SigV4Request request;
        request.method = sent.method;
        request.path = QByteArray::fromPercentEncoding(sent.target);
        request.payloadHash = hash;
        for (const QByteArray& name : signedHeaders.split(';'))
            if (name != "x-amz-date") request.headers.append({name, sent.header(name)});
        const QDateTime when = QDateTime::fromString(QString::fromLatin1(sent.header("x-amz-date")),
                                                     QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
        QVERIFY(when.isValid());
        QDateTime utc = when;
        utc.setTimeZone(QTimeZone::utc());
        const SigV4Signer signer({key, secret, {}}, SigV4Options{});
        const SigV4Result ours = signer.signHeaders(request, utc);
        QCOMPARE(ours.signature, signature);
        QCOMPARE(ours.authorization, auth);
    }
};

QTEST_GUILESS_MAIN(TestSigV4Curl)
#include "test_sigv4_curl.moc"
