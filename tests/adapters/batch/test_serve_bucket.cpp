// Sets created over HTTP by `archival-studio serve` record the bucket and prefix serve was
// given (R2 options), so a later `batch --resume` into another bucket is refused
// (BucketChanged) instead of splitting the action's objects over two buckets.
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "s3_peer.h"

#include "serve_process.h"
#include "test_support.h"

using archival::test::S3Peer;

namespace {
const QString kBucket = QStringLiteral("archival-serve");
const QString kAction = QStringLiteral("serve-bucket");
}  // namespace

class TestServeBucket : public QObject {
    Q_OBJECT

    S3Peer peer_;
    QTemporaryDir home_;

    QProcessEnvironment env() const {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert("HOME", home_.path());
        e.insert("XDG_CONFIG_HOME", home_.path() + "/config");
        e.insert("XDG_DATA_HOME", home_.path() + "/data");
        e.insert("ARCHIVAL_FIXTURES", archival::test::fixturesDir());
        e.insert("ARCHIVAL_R2_SECRET", peer_.secret());
        e.insert("OMP_NUM_THREADS", "1");
        return e;
    }
    QStringList r2(const QString& bucket) const {
        return {"--programs",      ARCHIVAL_SOURCE_DIR "/tests/data/programs-seed-tiny.json",
                "--device",        "cpu",
                "--endpoint",      peer_.endpoint(),
                "--bucket",        bucket,
                "--prefix",        "exhibit",
                "--access-key-id", peer_.accessKeyId()};
    }

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        QVERIFY(home_.isValid());
        ARCHIVAL_START_PEER(peer_, QStringList{kBucket, "archival-other"});
    }

    void resumeRefusesAnotherBucketThanServeWasGiven() {
        const QString queue = home_.path() + "/queue";
        QProcess serve;
        serve.setProcessEnvironment(env());
        serve.setProcessChannelMode(QProcess::MergedChannels);
        serve.start(QStringLiteral(ARCHIVAL_STUDIO_BINARY),
                    QStringList{"serve", "--listen", "127.0.0.1:0", "--http-port", "0",
                                "--batch-queue", queue} +
                        r2(kBucket));
        QVERIFY(serve.waitForStarted());
        QString log;
        const int port = archival::test::waitForServeHttpPort(serve, log);
        QVERIFY2(port != 0, qPrintable(log));

        // One set over the seed's HTTP endpoint; the answer comes once it is uploaded.
        QNetworkAccessManager http;
        QNetworkRequest request(
            QUrl(QStringLiteral("http://127.0.0.1:%1/generate_single_set").arg(port)));
        request.setHeader(QNetworkRequest::ContentTypeHeader, "application/json");
        request.setTransferTimeout(300000);
        QNetworkReply* reply =
            http.post(request, QJsonDocument(QJsonObject{{"action_id", kAction},
                                                         {"set_id", 0},
                                                         {"program", "P0"},
                                                         {"prompt", "harbour"},
                                                         {"upload_previews", false}})
                                   .toJson());
        QEventLoop wait;
        connect(reply, &QNetworkReply::finished, &wait, &QEventLoop::quit);
        wait.exec();
        const QByteArray answer = reply->readAll();
        reply->deleteLater();
        QVERIFY2(QJsonDocument::fromJson(answer).object()["success"].toBool(),
                 qPrintable(answer + "\n" + log + serve.readAll()));
        serve.terminate();
        QVERIFY(serve.waitForFinished(60000));

        QFile actionFile(queue + "/" + kAction + "/action.json");
        QVERIFY(actionFile.open(QIODevice::ReadOnly));
        const QJsonObject action = QJsonDocument::fromJson(actionFile.readAll()).object();
        QCOMPARE(action["bucket"].toString(), kBucket);
        QCOMPARE(action["prefix"].toString(), QStringLiteral("exhibit"));

        QProcess resume;
        resume.setProcessEnvironment(env());
        resume.setProcessChannelMode(QProcess::MergedChannels);
        resume.start(QStringLiteral(ARCHIVAL_STUDIO_BINARY),
                     QStringList{"batch", "--resume", "--queue", queue} + r2("archival-other"));
        QVERIFY(resume.waitForFinished(120000));
        const QByteArray out = resume.readAll();
        QVERIFY2(resume.exitCode() == 8, out.constData());  // 8: refused
        QVERIFY2(out.contains("was queued for bucket 'archival-serve'"), out.constData());
    }
};

QTEST_GUILESS_MAIN(TestServeBucket)
#include "test_serve_bucket.moc"
