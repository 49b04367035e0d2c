// Upload throughput of the S3 client to the loopback moto server (signatures checked).
// A program, not a test: `bench_s3_upload [objects] [bytes] [concurrency]` prints MB/s.
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTextStream>

#include "adapters/batch/s3_client.h"
#include "s3_peer.h"

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const int objects = args.value(1, "40").toInt();
    const int bytes = args.value(2, "1048576").toInt();
    const int concurrency = args.value(3, "4").toInt();

    archival::test::S3Peer peer;
    QString error;
    if (!peer.start({"bench-bucket"}, &error)) {
        QTextStream(stderr) << error << '\n';
        return 1;
    }
    archival::adapters::S3Settings s;
    s.endpoint = QUrl(peer.endpoint());
    s.bucket = "bench-bucket";
    s.credentials = {peer.accessKeyId(), peer.secret(), {}};
    s.maxConcurrent = concurrency;
    archival::adapters::S3Client client(s);

    QByteArray body(bytes, Qt::Uninitialized);
    for (char& c : body) c = char(QRandomGenerator::global()->bounded(256));
    int done = 0, failed = 0;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < objects; ++i) {
        body[0] = char(i);  // distinct objects
        client.putObject(QStringLiteral("bench/%1.png").arg(i), body, "image/png",
                         [&](const archival::adapters::S3Result& r) {
                             failed += r.ok() ? 0 : 1;
                             if (++done == objects) app.quit();
                         });
    }
    app.exec();
    const double seconds = clock.elapsed() / 1000.0;
    QTextStream(stdout) << objects << " objects x " << bytes << " bytes, concurrency "
                        << concurrency << ": " << seconds << " s, "
                        << (double(objects) * bytes / 1e6) / seconds << " MB/s, "
                        << objects / seconds << " objects/s, " << failed << " failed\n";
    return failed ? 1 : 0;
}
