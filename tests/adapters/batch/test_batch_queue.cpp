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
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/object_key_template.h"
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

    // The bucket holds exactly the sets' files, once each, with the local bytes (everything
    // under the action's folder, whatever the key template put around it).
    void verifyBucket(const QList<SetRecord>& sets, const QString& actionId) {
        QVERIFY(!sets.isEmpty());
        const QString first = sets[0].objectPrefix;
        const QString marker = "/" + actionId + "/";
        QVERIFY2(first.contains(marker), qPrintable(first));
        const QJsonObject stored =
            peer_.list(kBucket, first.left(first.indexOf(marker) + marker.size()));
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

    // The action's one set failed while uploading, after its images and meta.json were
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
        // The reference's layout under the prefix, set ids from 0.
        QCOMPARE(sets[0].setNumber, 0);
        QCOMPARE(sets[1].objectPrefix,
                 QStringLiteral("exhibit/2026/actions/transcript_002/sets/1"));
        QCOMPARE(sets[1].files(), (QStringList{"final.png", "meta.json"}));
        const QJsonObject meta =
            QJsonDocument::fromJson(fileBytes(sets[0].dir + "/meta.json")).object();
        const QJsonObject studio = meta["archival_studio"].toObject();
        QCOMPARE(studio["prompt"].toString(), QStringLiteral("ai conference"));
        QCOMPARE(studio["seed"].toString(), QString::number(sets[0].seed));
        QVERIFY(!studio["uploaded_at"].toString().isEmpty());
        const QJsonObject image = studio["images"].toArray()[0].toObject();
        QCOMPARE(image["file"].toString(), QStringLiteral("final.png"));
        QCOMPARE(image["metadata"].toObject()["seed"].toVariant().toULongLong(), sets[0].seed);
        QCOMPARE(QImage(sets[0].dir + "/final.png").convertToFormat(QImage::Format_RGB888),
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
        QCOMPARE(QImage(sets[1].dir + "/final_2.png").convertToFormat(QImage::Format_RGB888),
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
        QVERIFY2(SetRecord::load(dir.path() + "/resume1/P0/set_001", &onDisk, &error),
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
        QCOMPARE(QImage(sets[1].dir + "/final.png").convertToFormat(QImage::Format_RGB888),
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
        QVERIFY(SetRecord::load(dir.path() + "/resume2/P0/set_000", &r, &error));
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
            QVERIFY2(p[0].toString().endsWith("000000"), "an uploaded set was sent again");
    }

    // The reference's objects for sets 0..n-1: <step>.jpg for every step (JPEGs, from 1),
    // final.png, meta.json with every field of the reference and its type, the studio's own
    // metadata under one extra key. Each set with previews runs in its own pass, asking for
    // every step, with its set id and the request's overrides.
    void previewsAndMetaJsonInTheReferenceShape() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.steps = 4;
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        SetRequest request{"P0", "harbour", "seeded", {}, true, 1};
        request.overrides.prompt = QStringLiteral("harbour at dawn, as sent");
        request.overrides.guidance = 6.0;
        request.overrides.steps = 4;
        QCOMPARE(queue.nextSetIds("seeded", "P0", 3), (QList<int>{0, 1, 2}));
        QVERIFY(!queue.generateSets(request, queue.nextSetIds("seeded", "P0", 3), true));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(source.requests[i].setId, std::optional<qint64>(i));
            QVERIFY(source.requests[i].everyStep);
            QVERIFY(source.requests[i].overrides == request.overrides);
        }
        const auto sets = queue.sets("seeded");
        verifyBucket(sets, "seeded");
        const QJsonObject stored = peer_.list(kBucket, kPrefix + "/actions/seeded/");
        QStringList keys = stored.keys();
        QStringList expected;
        for (int id = 0; id < 3; ++id)
            for (const QString& f : {"1.jpg", "2.jpg", "3.jpg", "4.jpg", "final.png", "meta.json"})
                expected
                    << QStringLiteral("%1/actions/seeded/sets/%2/%3").arg(kPrefix).arg(id).arg(f);
        keys.sort();
        expected.sort();
        QCOMPARE(keys, expected);
        for (int step = 1; step <= 4; ++step) {
            const QByteArray jpeg = peer_.get(
                kBucket, QStringLiteral("%1/actions/seeded/sets/2/%2.jpg").arg(kPrefix).arg(step));
            QVERIFY2(jpeg.startsWith("\xFF\xD8\xFF"), "a preview is not a JPEG");
            QVERIFY(!QImage::fromData(jpeg, "JPEG").isNull());
        }

        const QByteArray bytes =
            peer_.get(kBucket, kPrefix + QStringLiteral("/actions/seeded/sets/1/meta.json"));
        const QJsonObject meta = QJsonDocument::fromJson(bytes).object();
        QStringList fields = meta.keys();
        fields.sort();
        QCOMPARE(fields, (QStringList{"archival_studio", "cue_id", "durations", "final_url",
                                      "generated_at", "model_config", "preview_urls", "set_id",
                                      "total_duration", "total_steps", "upload_errors"}));
        QVERIFY(meta["cue_id"].isString());
        QCOMPARE(meta["cue_id"].toString(), QStringLiteral("seeded"));
        QVERIFY(meta["set_id"].isDouble());
        QCOMPARE(meta["set_id"].toDouble(), 1.0);
        QCOMPARE(meta["total_steps"].toDouble(), 4.0);
        QVERIFY(meta["durations"].isObject());
        QCOMPARE(meta["durations"].toObject().keys(), (QStringList{"1", "2", "3", "4"}));
        for (const auto& v : meta["durations"].toObject())
            QVERIFY(v.isDouble() && v.toDouble() >= 0);
        QVERIFY(meta["total_duration"].isDouble());
        QVERIFY(QRegularExpression("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$")
                    .match(meta["generated_at"].toString())
                    .hasMatch());
        const QJsonObject config = meta["model_config"].toObject();
        QCOMPARE(config["program"].toString(), QStringLiteral("P0"));
        QCOMPARE(config["prompt"].toString(), QStringLiteral("harbour at dawn, as sent"));
        QCOMPARE(config["num_inference_steps"].toDouble(), 4.0);
        QCOMPARE(config["guidance_scale"].toDouble(), 6.0);
        // The reference's types: a whole guidance is still a float, a set id an integer.
        QVERIFY2(bytes.contains("\"guidance_scale\": 6.0"), bytes.constData());
        QVERIFY2(bytes.contains("\"set_id\": 1,"), bytes.constData());
        QCOMPARE(config["width"].toDouble(), 16.0);
        QCOMPARE(config["height"].toDouble(), 8.0);
        const QString base =
            QStringLiteral("https://%1.r2.dev/%2/actions/seeded/sets/1/").arg(kBucket, kPrefix);
        const QJsonArray previews = meta["preview_urls"].toArray();
        QCOMPARE(previews.size(), 4);
        for (int i = 0; i < 4; ++i) {
            const QJsonObject p = previews[i].toObject();
            QCOMPARE(p["step"].toDouble(), double(i + 1));
            QCOMPARE(p["url"].toString(), base + QStringLiteral("%1.jpg").arg(i + 1));
            QVERIFY(p["duration"].isDouble());
        }
        QCOMPARE(meta["final_url"].toString(), base + "final.png");
        QVERIFY(meta["upload_errors"].isArray() && meta["upload_errors"].toArray().isEmpty());
        QCOMPARE(meta["archival_studio"].toObject()["seed"].toString(),
                 QString::number(sets[1].seed));
    }

    // The key template is a setting: the studio's earlier layout and a custom one; the public
    // URL's base too. A template that names no set is refused before anything is queued.
    void keyTemplatesAndPublicUrls() {
        QTemporaryDir dir;
        FakeImageSource source;
        S3Client client(s3());
        QueueSettings studio = queueSettings(dir);
        studio.keyTemplate = QStringLiteral("studio");
        studio.publicBaseUrl = QStringLiteral("https://media.example.org/");
        {
            BatchQueue queue(studio, &source, &client);
            QVERIFY(!queue.generateMultipleSets("P0", "x", "layout1", 2, false));
            QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
            const auto sets = queue.sets("layout1");
            QCOMPARE(sets[1].objectPrefix, QStringLiteral("exhibit/2026/layout1/P0/set_001"));
            QCOMPARE(sets[1].publicUrl("final.png"),
                     QStringLiteral("https://media.example.org/exhibit/2026/layout1/P0/set_001/"
                                    "final.png"));
            verifyBucket(sets, "layout1");
        }
        QueueSettings custom = queueSettings(dir);
        custom.keyTemplate = QStringLiteral("{prefix}/cues/{action}/{program}-{set:04}/");
        BatchQueue queue(custom, &source, &client);
        queue.resume();
        QVERIFY(!queue.generateMultipleSets("P0", "x", "layout2", 1, false));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(queue.sets("layout2")[0].objectPrefix,
                 QStringLiteral("exhibit/2026/cues/layout2/P0-0000"));
        // An action keeps the template it was queued with.
        QVERIFY(!queue.generateMultipleSets("P0", "x", "layout1", 1, false));
        QCOMPARE(queue.sets("layout1")[2].objectPrefix,
                 QStringLiteral("exhibit/2026/layout1/P0/set_002"));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);

        QueueSettings bad = queueSettings(dir);
        bad.keyTemplate = QStringLiteral("{prefix}/{action}/{program}");
        BatchQueue refusing(bad, &source, nullptr);
        const auto error = refusing.generateMultipleSets("P0", "x", "layout3", 1, false);
        QVERIFY(error);
        QVERIFY2(error->message.contains("{set}"), qPrintable(error->message));
    }

    // Under the reference's layout the program is not in the key: a second program's set 0 of
    // the same action would need the same objects, which are written once.
    void setsThatWouldShareObjectsAreRefused() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue(queueSettings(dir), &source, nullptr);
        QVERIFY(!queue.generateSingleSet("P0", "x", "shared", 0));
        const auto error = queue.generateSingleSet("P3", "x", "shared", 0);
        QVERIFY(error);
        QCOMPARE(int(error->code), int(archival::pipeline::ErrorCode::InvalidRequest));
        QVERIFY2(error->message.contains("already queued for program P0"),
                 qPrintable(error->message));
        // `batch` numbers after the action's sets, whatever their program.
        QCOMPARE(queue.nextSetIds("shared", "P3", 2), (QList<int>{1, 2}));
    }

    // A program whose size depends on the set id runs one set per pass, each with its id,
    // even with `parallel` and no previews.
    void sizePerSetProgramsRunOneSetPerPass() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue(queueSettings(dir), &source, nullptr);
        QVERIFY(!queue.generateMultipleSets("P3", "x", "sizes", 4, true));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 4);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(source.requests[i].count, 1);
            QCOMPARE(source.requests[i].setId, std::optional<qint64>(i));
            QVERIFY(!source.requests[i].everyStep);
        }
    }

    // A queue from before set ids started at 0: sets numbered from 1 with 1.png and
    // metadata.json under the studio's earlier keys. It resumes and uploads to those keys;
    // sets added to the action later continue its numbering and layout.
    void queueFromBeforeSetIdsStartedAtZeroResumes() {
        QTemporaryDir dir;
        const QString setDir = dir.path() + "/old/P0/set_001";
        QVERIFY(archival::test::writeFile(dir.path() + "/old/action.json",
                                          QJsonDocument(QJsonObject{{"action_id", "old"},
                                                                    {"prefix", kPrefix},
                                                                    {"bucket", kBucket},
                                                                    {"stop_code", ""},
                                                                    {"stop_message", ""}})
                                              .toJson()));
        const QJsonObject record{{"action_id", "old"},
                                 {"program", "P0"},
                                 {"prompt", "ai conference"},
                                 {"set", 1},
                                 {"images", 1},
                                 {"seed", "7"},
                                 {"group_first_set", 1},
                                 {"group_images", 1},
                                 {"group_offset", 0},
                                 {"state", "generated"},
                                 {"object_prefix", kPrefix + "/old/P0/set_001"},
                                 {"uploaded", QJsonArray()},
                                 {"uploaded_at", ""}};
        QVERIFY(archival::test::writeFile(setDir + "/record.json", QJsonDocument(record).toJson()));
        QVERIFY(FakeImageSource::imageFor(7, 0).save(setDir + "/1.png"));
        QVERIFY(archival::test::writeFile(setDir + "/metadata.json", "{}"));

        FakeImageSource source;
        S3Client client(s3());
        BatchQueue queue(queueSettings(dir), &source, &client);
        QVERIFY(queue.resume().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QVERIFY(source.requests.isEmpty());
        QCOMPARE(queue.sets("old")[0].files(), (QStringList{"1.png", "metadata.json"}));
        verifyBucket(queue.sets("old"), "old");
        QVERIFY(peer_.list(kBucket, kPrefix + "/old/P0/set_001/")
                    .contains(kPrefix + "/old/P0/set_001/1.png"));

        QVERIFY(!queue.generateMultipleSets("P0", "more", "old", 1, false));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        const SetRecord added = queue.sets("old")[1];
        QCOMPARE(added.setNumber, 2);
        QCOMPARE(added.objectPrefix, kPrefix + "/old/P0/set_002");
        QCOMPARE(added.files(), (QStringList{"final.png", "meta.json"}));
        verifyBucket(queue.sets("old"), "old");
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
        QVERIFY(peer_.list(kBucket, kPrefix + "/actions/denied/").isEmpty());
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
        QVERIFY(peer_.list(kBucket, kPrefix + "/actions/retry-refused/").isEmpty());
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
        QCOMPARE(failed.uploaded, QStringList{"final.png"});
        QVERIFY(queue.action("retry-fault")->stopCode.isEmpty());
        QCOMPARE(peer_.list(kBucket, kPrefix + "/actions/retry-fault/").size(), 1);
        retryUploadsWithoutGenerating(queue, source, &working, "retry-fault");
    }

    // A set that failed while generating has no images: retried, it goes back to pending and
    // the same pass (seed, size) is generated again, then uploaded.
    // The upload time is fixed in meta.json before the first upload; when that write
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
        QFile image(QDir(dir.path()).filePath(QStringLiteral("final.png")));
        QVERIFY(image.open(QIODevice::WriteOnly));
        image.write("not a real png, read back as bytes");
        image.close();
        // A folder where meta.json must go: the atomic write cannot replace it.
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("meta.json")));
        const QString error = record.startUploading();
        QVERIFY2(!error.isEmpty(), "writing meta.json over a folder should fail");
        QVERIFY2(record.uploadedAt.isEmpty(), qPrintable(record.uploadedAt));
        QCOMPARE(setStateName(record.state), QStringLiteral("generated"));
        // With the folder gone, starting again works and fixes the time once.
        QVERIFY(QDir(dir.path()).rmdir(QStringLiteral("meta.json")));
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
        QVERIFY(!QFile::exists(failed.dir + "/final.png"));

        source.failWith.clear();
        queue.retry("retry-gen");
        QCOMPARE(setStateName(queue.sets("retry-gen").value(0).state), QStringLiteral("pending"));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(source.requests.size(), 2);
        QCOMPARE(source.requests[1].seed, source.requests[0].seed);
        QCOMPARE(source.requests[1].count, 2);
        const auto sets = queue.sets("retry-gen");
        QCOMPARE(QImage(sets[0].dir + "/final_2.png").convertToFormat(QImage::Format_RGB888),
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
        QVERIFY(QDir().mkpath(dir.path() + "/disk/P0/set_001/final.png"));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 60000);
        QCOMPARE(stopped.count(), 1);
        QVERIFY(stopped[0][1].toString().contains("free some disk space"));
        const auto sets = queue.sets("disk");
        QCOMPARE(setStateName(sets[0].state), QStringLiteral("generated"));
        QCOMPARE(setStateName(sets[1].state), QStringLiteral("failed"));
        QCOMPARE(sets[1].errorCode, QStringLiteral("Storage"));
        QCOMPARE(setStateName(sets[2].state), QStringLiteral("pending"));
        QVERIFY(QFile::exists(sets[0].dir + "/final.png"));
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
        queue.retry("cancel", "P0", 1);
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
