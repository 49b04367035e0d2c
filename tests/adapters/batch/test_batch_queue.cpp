// The durable batch queue with a deterministic image source and a real S3 server on
// loopback (moto, signatures checked): every set uploaded once, passes shared with
// --parallel, resume from every state, refusals and a full disk stop the action, faults on
// the wire still end with every object stored exactly once, a failed upload retried sends
// the files already on disk without generating them again.
#include <sys/stat.h>

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/s3_client.h"
#include "fake_image_source.h"
#include "s3_peer.h"
#include "test_support.h"

using namespace archival::adapters;
using archival::test::FakeImageSource;
using archival::test::FaultProxy;
using archival::test::S3Peer;

namespace {
const QString kBucket = QStringLiteral("archival-queue");
const QString kPrefix = QStringLiteral("exhibit/2026");

QByteArray fileBytes(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A file as it lies on disk. The set's files are written through QSaveFile (a new file
// renamed over the old one), so a file written again has another inode even when its bytes
// come out the same: the same inode and modification time mean it was not touched.
struct FileOnDisk {
    QByteArray bytes;
    quint64 inode = 0;
    QDateTime modified;
};

FileOnDisk fileOnDisk(const QString& path) {
    FileOnDisk f{fileBytes(path), 0, QFileInfo(path).lastModified()};
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) == 0) f.inode = quint64(st.st_ino);
    return f;
}
}  // namespace

class TestBatchQueue : public QObject {
    Q_OBJECT

    S3Peer peer_;

    S3Settings s3(const QString& endpoint = {}) const {
        S3Settings s;
        s.endpoint = QUrl(endpoint.isEmpty() ? peer_.endpoint() : endpoint);
        s.bucket = kBucket;
        s.credentials = {peer_.accessKeyId(), peer_.secret(), {}};
        s.backoffBaseMs = 20;
        s.backoffMaxMs = 200;
        return s;
    }
    QueueSettings queueSettings(const QTemporaryDir& dir) const {
        QueueSettings q;
        q.root = dir.path();
        q.prefix = kPrefix;
        q.bucket = kBucket;
        return q;
    }

    // The bucket holds exactly the sets' files, once each, with the local bytes.
    void verifyBucket(const QList<SetRecord>& sets, const QString& actionId) {
        const QJsonObject stored = peer_.list(kBucket, kPrefix + "/" + actionId + "/");
        int expected = 0;
        for (const auto& r : sets) {
            QCOMPARE(setStateName(r.state), QStringLiteral("uploaded"));
            for (const QString& f : r.files()) {
                ++expected;
                const QString key = r.objectPrefix + "/" + f;
                QVERIFY2(stored.contains(key), qPrintable(key));
                // The store's MD5 of what it holds against the local file's.
                QCOMPARE(stored[key].toObject()["etag"].toString().toLatin1(),
                         QCryptographicHash::hash(fileBytes(QDir(r.dir).filePath(f)),
                                                  QCryptographicHash::Md5)
                             .toHex());
            }
        }
        QCOMPARE(stored.size(), expected);
    }

    // The action's one set failed while uploading, after its images and metadata.json were
    // written. Retried with `working`, it goes back to uploading and sends those files as they
    // are: the source is not asked for the images again and no file on disk is rewritten.
    // (Generating again gives the same pixels, so the bucket alone cannot tell.)
    void retryUploadsWithoutGenerating(BatchQueue& queue, const FakeImageSource& source,
                                       S3Client* working, const QString& actionId) {
        const SetRecord failed = queue.sets(actionId).value(0);
        QCOMPARE(setStateName(failed.state), QStringLiteral("failed"));
        QVERIFY(failed.failedUploading);
        QVERIFY(!failed.uploadedAt.isEmpty());
        const qsizetype passes = source.requests.size();
        QMap<QString, FileOnDisk> before;
        for (const QString& f : failed.files()) {
            before.insert(f, fileOnDisk(QDir(failed.dir).filePath(f)));
            QVERIFY2(!before[f].bytes.isEmpty() && before[f].inode != 0, qPrintable(f));
        }

        queue.setUploader(working);
        queue.retry(actionId);
        const QString stateAfterRetry = setStateName(queue.sets(actionId).value(0).state);
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);

        QCOMPARE(source.requests.size(), passes);  // not generated again
        QCOMPARE(stateAfterRetry, QStringLiteral("uploading"));
        const SetRecord done = queue.sets(actionId).value(0);
        QCOMPARE(setStateName(done.state), QStringLiteral("uploaded"));
        QCOMPARE(done.uploadedAt, failed.uploadedAt);
        for (const QString& f : done.files()) {
            const FileOnDisk after = fileOnDisk(QDir(done.dir).filePath(f));
            QVERIFY2(after.inode == before[f].inode, qPrintable(f + " was written again"));
            QCOMPARE(after.modified, before[f].modified);
            QCOMPARE(after.bytes, before[f].bytes);
            QCOMPARE(peer_.get(kBucket, done.objectPrefix + "/" + f), before[f].bytes);
        }
        verifyBucket({done}, actionId);
    }

  private Q_SLOTS:
    void initTestCase() { ARCHIVAL_START_PEER(peer_, QStringList{kBucket}); }

    void uploadsEverySetOnceWithMetadata() {
        QTemporaryDir dir;
        FakeImageSource source;
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "transcript_002", 3, false));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        const auto sets = queue.sets("transcript_002");
        QCOMPARE(sets.size(), 3);
        QCOMPARE(source.requests.size(), 3);  // one pass per set without --parallel
        verifyBucket(sets, "transcript_002");
        QCOMPARE(sets[1].objectPrefix, QStringLiteral("exhibit/2026/transcript_002/P0/set_002"));
        const QJsonObject meta =
            QJsonDocument::fromJson(fileBytes(sets[0].dir + "/metadata.json")).object();
        QCOMPARE(meta["prompt"].toString(), QStringLiteral("ai conference"));
        QCOMPARE(meta["seed"].toString(), QString::number(sets[0].seed));
        QVERIFY(!meta["uploaded_at"].toString().isEmpty());
        const QJsonObject image = meta["images"].toArray()[0].toObject();
        QCOMPARE(image["file"].toString(), QStringLiteral("1.png"));
        QCOMPARE(image["metadata"].toObject()["seed"].toVariant().toULongLong(), sets[0].seed);
        QCOMPARE(QImage(sets[0].dir + "/1.png").convertToFormat(QImage::Format_RGB888),
                 FakeImageSource::imageFor(sets[0].seed, 0));
    }

    void parallelSetsShareBatchedPasses() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.maxBatchImages = 4;
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "par", 5, true, 2));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 3);  // 2 sets of 2 images per pass: 2 + 2 + 1
        QCOMPARE(source.requests[0].count, 4);
        QCOMPARE(source.requests[2].count, 2);
        QCOMPARE(source.requests[0].owner, QStringLiteral("batch:par"));
        const auto sets = queue.sets("par");
        QCOMPARE(sets[0].seed, sets[1].seed);
        QCOMPARE(sets[1].groupOffset, 2);
        QVERIFY(sets[1].seed != sets[2].seed);
        QCOMPARE(QImage(sets[1].dir + "/2.png").convertToFormat(QImage::Format_RGB888),
                 FakeImageSource::imageFor(sets[1].seed, 3));
        verifyBucket(sets, "par");
    }

    // Killed mid-generation: the sets come back as generating and are made again with the
    // same seed and pass size, so the images are the ones that would have been made.
    void resumeRegeneratesWithTheSameSeed() {
        QTemporaryDir dir;
        quint64 seed = 0;
        {
            FakeImageSource never;
            never.delayMs = 600000;
            BatchQueue crashed(queueSettings(dir), &never, nullptr);
            QVERIFY(!crashed.generateMultipleSets("P0", "ai conference", "resume1", 2, true));
            QTRY_COMPARE(never.requests.size(), 1);
            seed = never.requests[0].seed;
        }
        SetRecord onDisk;
        QString error;
        QVERIFY2(SetRecord::load(dir.path() + "/resume1/P0/set_002", &onDisk, &error),
                 qPrintable(error));
        QCOMPARE(setStateName(onDisk.state), QStringLiteral("generating"));

        FakeImageSource source;
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        QVERIFY(queue.resume().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 1);
        QCOMPARE(source.requests[0].seed, seed);
        QCOMPARE(source.requests[0].count, 2);
        const auto sets = queue.sets("resume1");
        QCOMPARE(QImage(sets[1].dir + "/1.png").convertToFormat(QImage::Format_RGB888),
                 FakeImageSource::imageFor(seed, 1));
        verifyBucket(sets, "resume1");
    }

    // generated -> uploaded after a restart; uploaded sets are never sent again; an
    // "uploading" set whose objects are already stored settles as done (412 + same bytes).
    void resumeUploadsGeneratedAndNeverReuploads() {
        QTemporaryDir dir;
        {
            FakeImageSource source;
            BatchQueue noUploader(queueSettings(dir), &source, nullptr);
            QVERIFY(!noUploader.generateMultipleSets("P0", "ai conference", "resume2", 2, false));
            QTRY_VERIFY_WITH_TIMEOUT(noUploader.isIdle(), 60000);
            for (const auto& r : noUploader.sets())
                QCOMPARE(setStateName(r.state), QStringLiteral("generated"));
        }
        {
            FakeImageSource source;
            S3Client client(s3());
            BatchQueue queue(queueSettings(dir), &source, &client);
            queue.resume();
            QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
            QVERIFY(source.requests.isEmpty());
            verifyBucket(queue.sets(), "resume2");
        }
        // Pretend the process died after the PUTs but before the record said so.
        SetRecord r;
        QString error;
        QVERIFY(SetRecord::load(dir.path() + "/resume2/P0/set_001", &r, &error));
        r.state = SetState::Uploading;
        r.uploaded.clear();
        QVERIFY(r.save().isEmpty());
        FakeImageSource source;
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        QSignalSpy progress(&queue, &BatchQueue::uploadProgress);
        queue.resume();
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QVERIFY(source.requests.isEmpty());
        verifyBucket(queue.sets(), "resume2");
        for (const QVariantList& p : progress)
            QVERIFY2(p[0].toString().endsWith("000001"), "an uploaded set was sent again");
    }

    void badCredentialsStopTheActionWithTheServersReason() {
        QTemporaryDir dir;
        FakeImageSource source;
        S3Settings wrong = s3();
        wrong.credentials.secretAccessKey = "wrong-secret";
        S3Client client(wrong);
        BatchQueue queue(queueSettings(dir), &source, &client);
        QSignalSpy stopped(&queue, &BatchQueue::actionStopped);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "denied", 3, false));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(stopped.count(), 1);
        const QString message = stopped[0][1].toString();
        QVERIFY2(message.contains("SignatureDoesNotMatch"), qPrintable(message));
        QVERIFY2(message.contains("re-enter the secret"), qPrintable(message));
        QCOMPARE(queue.action("denied")->stopCode, QStringLiteral("SignatureDoesNotMatch"));
        QVERIFY(peer_.list(kBucket, kPrefix + "/denied/").isEmpty());
        // Nothing is lost: fix the secret, retry, everything goes up.
        S3Client fixed(s3());
        queue.setUploader(&fixed);
        queue.retry("denied");
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        verifyBucket(queue.sets("denied"), "denied");
    }

    // The store refuses the first PUT: nothing is stored, the action stops. Retried with the
    // right secret, the set's files on disk are uploaded as they are.
    void refusedUploadRetriedIsNotGeneratedAgain() {
        QTemporaryDir dir;
        FakeImageSource source;
        S3Settings wrong = s3();
        wrong.credentials.secretAccessKey = "wrong-secret";
        S3Client refusing(wrong);
        S3Client working(s3());
        BatchQueue queue(queueSettings(dir), &source, &refusing);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "retry-refused", 1, false, 2));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 1);
        QCOMPARE(queue.sets("retry-refused").value(0).errorCode,
                 QStringLiteral("SignatureDoesNotMatch"));
        QVERIFY(!queue.action("retry-refused")->stopCode.isEmpty());
        QVERIFY(peer_.list(kBucket, kPrefix + "/retry-refused/").isEmpty());
        retryUploadsWithoutGenerating(queue, source, &working, "retry-refused");
    }

    // A fault half-way through the set: 1.png is stored, 2.png gets a 500 and the client gives
    // up; the action keeps running. Retried, the rest of the set goes up from disk.
    void faultedUploadRetriedIsNotGeneratedAgain() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, peer_.endpoint(), "ok,500", 1.0);
        QTemporaryDir dir;
        FakeImageSource source;
        S3Settings once = s3(proxy.endpoint());
        once.maxAttempts = 1;
        S3Client faulty(once);
        S3Client working(s3());
        BatchQueue queue(queueSettings(dir), &source, &faulty);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "retry-fault", 1, false, 2));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 1);
        const SetRecord failed = queue.sets("retry-fault").value(0);
        QCOMPARE(failed.errorCode, QStringLiteral("GaveUp"));
        QCOMPARE(failed.uploaded, QStringList{"1.png"});
        QVERIFY(queue.action("retry-fault")->stopCode.isEmpty());
        QCOMPARE(peer_.list(kBucket, kPrefix + "/retry-fault/").size(), 1);
        retryUploadsWithoutGenerating(queue, source, &working, "retry-fault");
    }

    // A set that failed while generating has no images: retried, it goes back to pending and
    // the same pass (seed, size) is generated again, then uploaded.
    // The upload time is fixed in metadata.json before the first upload; when that write
    // fails, the record must not keep a time the file does not have.
    void failedStartOfUploadLeavesNoUploadTime() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        SetRecord record;
        record.actionId = QStringLiteral("a");
        record.programId = QStringLiteral("T15");
        record.imageCount = 1;
        record.state = SetState::Generated;
        record.dir = dir.path();
        QFile image(QDir(dir.path()).filePath(QStringLiteral("1.png")));
        QVERIFY(image.open(QIODevice::WriteOnly));
        image.write("not a real png, read back as bytes");
        image.close();
        // A folder where metadata.json must go: the atomic write cannot replace it.
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("metadata.json")));
        const QString error = record.startUploading();
        QVERIFY2(!error.isEmpty(), "writing metadata.json over a folder should fail");
        QVERIFY2(record.uploadedAt.isEmpty(), qPrintable(record.uploadedAt));
        QCOMPARE(setStateName(record.state), QStringLiteral("generated"));
        // With the folder gone, starting again works and fixes the time once.
        QVERIFY(QDir(dir.path()).rmdir(QStringLiteral("metadata.json")));
        QCOMPARE(record.startUploading(), QString());
        QVERIFY(!record.uploadedAt.isEmpty());
        QCOMPARE(setStateName(record.state), QStringLiteral("uploading"));
    }

    void failedGenerationRetriedIsGeneratedAgain() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.failWith = QStringLiteral("OutOfMemory");
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "retry-gen", 1, false, 2));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 1);
        const SetRecord failed = queue.sets("retry-gen").value(0);
        QCOMPARE(setStateName(failed.state), QStringLiteral("failed"));
        QCOMPARE(failed.errorCode, QStringLiteral("OutOfMemory"));
        QVERIFY(!failed.failedUploading);
        QVERIFY(!QFile::exists(failed.dir + "/1.png"));

        source.failWith.clear();
        queue.retry("retry-gen");
        QCOMPARE(setStateName(queue.sets("retry-gen").value(0).state), QStringLiteral("pending"));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 2);
        QCOMPARE(source.requests[1].seed, source.requests[0].seed);
        QCOMPARE(source.requests[1].count, 2);
        const auto sets = queue.sets("retry-gen");
        QCOMPARE(QImage(sets[0].dir + "/2.png").convertToFormat(QImage::Format_RGB888),
                 FakeImageSource::imageFor(sets[0].seed, 1));
        verifyBucket(sets, "retry-gen");
    }

    void faultsOnTheWireStillStoreEverySetOnce() {
        FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, peer_.endpoint(), "ok,500,drop-after,429,ok,drop-before,stall",
                            2.0);
        QTemporaryDir dir;
        FakeImageSource source;
        S3Settings s = s3(proxy.endpoint());
        s.timeoutMs = 700;
        s.maxAttempts = 15;
        S3Client client(s);
        BatchQueue queue(queueSettings(dir), &source, &client);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "faults", 6, true));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 180000);
        verifyBucket(queue.sets("faults"), "faults");
        QVERIFY(proxy.counts()["drop-after"].toInt() > 0);
    }

    // A file that cannot be written (full disk, here a folder in the way) stops generation
    // with Storage; the other sets stay queued and nothing written is lost.
    void storageErrorStopsGeneration() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.delayMs = 50;
        BatchQueue queue(queueSettings(dir), &source, nullptr);
        QSignalSpy stopped(&queue, &BatchQueue::actionStopped);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "disk", 3, false));
        QVERIFY(QDir().mkpath(dir.path() + "/disk/P0/set_002/1.png"));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(stopped.count(), 1);
        QVERIFY(stopped[0][1].toString().contains("free some disk space"));
        const auto sets = queue.sets("disk");
        QCOMPARE(setStateName(sets[0].state), QStringLiteral("generated"));
        QCOMPARE(setStateName(sets[1].state), QStringLiteral("failed"));
        QCOMPARE(sets[1].errorCode, QStringLiteral("Storage"));
        QCOMPARE(setStateName(sets[2].state), QStringLiteral("pending"));
        QVERIFY(QFile::exists(sets[0].dir + "/1.png"));
    }

    void cancelThenRetry() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.delayMs = 200;
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "cancel", 2, false));
        queue.cancel("cancel");
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        for (const auto& r : queue.sets("cancel")) {
            QCOMPARE(setStateName(r.state), QStringLiteral("failed"));
            QCOMPARE(r.errorCode, QStringLiteral("Interrupted"));
        }
        queue.retry("cancel", "P0", 2);
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(setStateName(queue.sets("cancel")[1].state), QStringLiteral("uploaded"));
        QCOMPARE(setStateName(queue.sets("cancel")[0].state), QStringLiteral("failed"));
    }

    void badRequestsAreTypedErrors() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue(queueSettings(dir), &source, nullptr);
        using archival::pipeline::ErrorCode;
        QCOMPARE(int(queue.generateMultipleSets("P0", "x", "../up", 1, false)->code),
                 int(ErrorCode::InvalidRequest));
        QCOMPARE(int(queue.generateMultipleSets("NOPE", "x", "a", 1, false)->code),
                 int(ErrorCode::InvalidRequest));
        QCOMPARE(int(queue.generateMultipleSets("P0", "x", "a", 0, false)->code),
                 int(ErrorCode::InvalidRequest));
        QCOMPARE(int(queue.generateMultipleSets("P0", "  ", "a", 1, false)->code),
                 int(ErrorCode::InvalidRequest));
        QVERIFY(!queue.generateSingleSet("P0", "x", "a", 7));
        QCOMPARE(int(queue.generateSingleSet("P0", "x", "a", 7)->code),
                 int(ErrorCode::InvalidRequest));
        // A queue folder that cannot be created is Storage, not a crash.
        QVERIFY(archival::test::writeFile(dir.path() + "/blocked", "a file, not a folder"));
        QCOMPARE(int(queue.generateMultipleSets("P0", "x", "blocked", 1, false)->code),
                 int(ErrorCode::Storage));
    }

    void unreadableRecordsAreReportedNotFatal() {
        QTemporaryDir dir;
        QVERIFY(
            archival::test::writeFile(dir.path() + "/act/action.json", "{\"action_id\":\"act\"}"));
        QVERIFY(archival::test::writeFile(dir.path() + "/act/P0/set_001/record.json", "{broken"));
        FakeImageSource source;
        BatchQueue queue(queueSettings(dir), &source, nullptr);
        const QStringList problems = queue.resume();
        QCOMPARE(problems.size(), 1);
        QVERIFY(problems[0].contains("record.json"));
        QVERIFY(queue.sets().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBatchQueue)
#include "test_batch_queue.moc"
