// A real full disk: `archival-studio batch` queues more sets of the tiny fixture program than
// a small tmpfs (mounted by the test; CI runs as root) can hold. The run stops with Storage
// (exit 6) and loses nothing: every record on the disk reads, every image and metadata file
// there is whole, no temporary file is left behind. The tmpfs is then enlarged and --retry
// finishes the action: every set uploaded, each object stored once (counted by a proxy in
// front of the store), the images generated before the stop uploaded as they were written.
//
// Mounting needs root: without it (or when the mount fails) the test fails with the reason.
#include <unistd.h>
#include <QCryptographicHash>
#include <QDirIterator>
#include <QJsonDocument>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "s3_peer.h"

#include "test_support.h"

using archival::test::FaultProxy;
using archival::test::S3Peer;

namespace {
const QString kBucket = QStringLiteral("archival-full");
const QString kAction = QStringLiteral("full_disk");
constexpr int kSets = 8;
// Room for the queue's first sets only (a set of the tiny program takes a few pages: record,
// image, metadata); the second size holds them all.
const QString kSmallSize = QStringLiteral("96k");
const QString kLargeSize = QStringLiteral("16m");

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Runs a command to its end: its exit code, -1 when it could not run; `output` gets both
// channels.
int runTool(const QString& program, const QStringList& args, QString* output) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(30000)) {
        *output = p.errorString();
        return -1;
    }
    *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}
}  // namespace

class TestBatchFullDisk : public QObject {
    Q_OBJECT

    S3Peer peer_;
    FaultProxy counter_;  // forwards everything ("ok"), counting the PUTs the store accepts
    QTemporaryDir home_;
    QString disk_;  // the tmpfs mount point
    bool mounted_ = false;

    QString queue() const { return disk_ + "/queue"; }

    bool mountDisk(const QString& size, QString* why) {
        QString out;
        if (runTool("mount", {"-t", "tmpfs", "-o", "size=" + size, "tmpfs", disk_}, &out) != 0) {
            *why = "mount -t tmpfs failed (the test needs root, as in CI): " + out.trimmed();
            return false;
        }
        mounted_ = true;
        return true;
    }
    void unmountDisk() {
        if (!mounted_) return;
        QString out;
        // Lazy: a process still holding a file there cannot keep the mount behind.
        if (runTool("umount", {"-l", disk_}, &out) != 0)
            qWarning("umount %s failed: %s", qPrintable(disk_), qPrintable(out));
        mounted_ = false;
    }

    void configure(QProcess& p, const QStringList& args) const {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("HOME", home_.path());
        env.insert("XDG_CONFIG_HOME", home_.path() + "/config");
        env.insert("XDG_DATA_HOME", home_.path() + "/data");
        env.insert("ARCHIVAL_FIXTURES", archival::test::fixturesDir());
        env.insert("ARCHIVAL_R2_SECRET", peer_.secret());
        env.insert("OMP_NUM_THREADS", "1");
        p.setProcessEnvironment(env);
        p.setProgram(QStringLiteral(ARCHIVAL_STUDIO_BINARY));
        p.setArguments(QStringList{"batch", "--programs",
                                   ARCHIVAL_SOURCE_DIR "/tests/data/programs-tiny.json",
                                   "--endpoint", counter_.endpoint(), "--bucket", kBucket,
                                   "--prefix", "exhibit", "--access-key-id", peer_.accessKeyId(),
                                   "--queue", queue(), "--device", "cpu"} +
                       args);
        p.setProcessChannelMode(QProcess::MergedChannels);
    }

    // Every file under the queue: whole (images end with PNG's IEND chunk, JSON parses) and
    // one the queue means to keep (no temporary file of an interrupted write). Returns the
    // problems, and the final images' bytes by set folder in `finals`.
    QStringList checkFiles(QMap<QString, QByteArray>* finals) const {
        QStringList problems;
        QDirIterator it(queue(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        static const QRegularExpression kept(
            QStringLiteral("^(record\\.json|action\\.json|meta\\.json|final\\.png|queue\\.lock|"
                           "\\d+\\.jpg)$"));
        while (it.hasNext()) {
            const QString path = it.next();
            const QString name = it.fileName();
            const QByteArray bytes = fileBytes(path);
            if (!kept.match(name).hasMatch()) {
                problems << "unexpected file " + path;
            } else if (name.endsWith(".json")) {
                if (!QJsonDocument::fromJson(bytes).isObject()) problems << "half JSON " + path;
            } else if (name == "final.png") {
                if (!bytes.endsWith(QByteArray::fromHex("49454e44ae426082")))
                    problems << "half image " + path;
                finals->insert(QFileInfo(path).absolutePath(), bytes);
            }
        }
        return problems;
    }

    QMap<QString, QString> states() const {
        QMap<QString, QString> out;
        QDirIterator it(queue(), {QStringLiteral("record.json")}, QDir::Files,
                        QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            out.insert(QFileInfo(path).absolutePath(),
                       QJsonDocument::fromJson(fileBytes(path)).object()["state"].toString());
        }
        return out;
    }

  private Q_SLOTS:
    void initTestCase() {
        ARCHIVAL_REQUIRE_FIXTURES();
        QVERIFY(home_.isValid());
        if (geteuid() != 0)
            QFAIL("mounting the small tmpfs needs root (CI runs the tests as root); run as root");
        ARCHIVAL_START_PEER(peer_, QStringList{kBucket});
        ARCHIVAL_START_PEER(counter_, peer_.endpoint(), "ok", 0.0);
        disk_ = home_.path() + "/small-disk";
        QVERIFY(QDir().mkpath(disk_));
        QString why;
        if (!mountDisk(kSmallSize, &why)) QFAIL(qPrintable(why));
    }
    void cleanupTestCase() { unmountDisk(); }

  public:
    ~TestBatchFullDisk() override { unmountDisk(); }  // a test that aborted: still unmount

  private Q_SLOTS:

    void fullDiskStopsWithStorageThenRetryFinishes() {
        QProcess first;
        configure(first, {"--program", "T15", "--prompt", "ai conference", "--action-id", kAction,
                          "--sets", QString::number(kSets)});
        first.start();
        QVERIFY(first.waitForFinished(300000));
        const QByteArray firstOut = first.readAll();
        QVERIFY2(first.exitCode() == 6,  // 6: Storage
                 qPrintable(QStringLiteral("exit %1 (%2): ")
                                .arg(first.exitCode())
                                .arg(int(first.exitStatus())) +
                            QString::fromUtf8(firstOut.right(3000))));
        QVERIFY2(firstOut.contains("stopped"), firstOut.constData());

        QMap<QString, QByteArray> finalsAtStop;
        QStringList problems = checkFiles(&finalsAtStop);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
        const QMap<QString, QString> atStop = states();
        qInfo("at the stop: %d record(s) on the disk, %d final image(s), states %s",
              int(atStop.size()), int(finalsAtStop.size()),
              qPrintable(QStringList(atStop.values()).join(',')));
        QVERIFY2(atStop.values().count("uploaded") < kSets, "every set fitted: no full disk");
        QVERIFY2(atStop.values().contains("failed"), "no set failed with the full disk");

        QString out;
        QVERIFY2(runTool("mount", {"-o", "remount,size=" + kLargeSize, disk_}, &out) == 0,
                 qPrintable(out));
        QProcess retry;
        configure(retry, {"--retry", "--action-id", kAction});
        retry.start();
        QVERIFY(retry.waitForFinished(300000));
        const QByteArray retryOut = retry.readAll();
        QVERIFY2(retry.exitCode() == 0,
                 qPrintable(QStringLiteral("exit %1: ").arg(retry.exitCode()) +
                            QString::fromUtf8(retryOut.right(3000))));

        QMap<QString, QByteArray> finals;
        problems = checkFiles(&finals);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n')));
        const QMap<QString, QString> done = states();
        QCOMPARE(done.size(), kSets);
        QCOMPARE(done.values().count("uploaded"), kSets);
        // Images written before the stop were uploaded as they were, not made again.
        for (auto it = finalsAtStop.begin(); it != finalsAtStop.end(); ++it)
            QVERIFY2(finals.value(it.key()) == it.value(), qPrintable(it.key()));

        // The bucket: final.png and meta.json of every set, once each, the local bytes.
        const QJsonObject stored = peer_.list(kBucket);
        QCOMPARE(stored.size(), kSets * 2);
        for (int n = 0; n < kSets; ++n) {
            const QString dir = QStringLiteral("%1/%2/T15/set_%3")
                                    .arg(queue(), kAction)
                                    .arg(n, 3, 10, QLatin1Char('0'));
            for (const QString file : {"final.png", "meta.json"}) {
                const QString key =
                    "exhibit/actions/" + kAction + "/sets/" + QString::number(n) + "/" + file;
                QVERIFY2(stored.contains(key), qPrintable(key));
                QCOMPARE(
                    stored[key].toObject()["etag"].toString().toLatin1(),
                    QCryptographicHash::hash(fileBytes(dir + "/" + file), QCryptographicHash::Md5)
                        .toHex());
            }
        }
        const QJsonObject puts = counter_.report()["puts"].toObject();
        QCOMPARE(puts.size(), kSets * 2);
        for (auto it = puts.begin(); it != puts.end(); ++it)
            QVERIFY2(it.value().toInt() == 1, qPrintable(it.key()));
    }
};

QTEST_GUILESS_MAIN(TestBatchFullDisk)
#include "test_batch_full_disk.moc"
