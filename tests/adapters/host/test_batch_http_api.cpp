// The batch API's handlers without a server: a bad action id is refused with the reason, and
// a storage failure reaches the client without the host's local paths (the host's log keeps
// the full message).
#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <optional>

#include "../batch/fake_image_source.h"
#include "adapters/batch/batch_queue.h"
#include "adapters/host/batch_http_api.h"
#include "test_support.h"

using namespace archival::adapters;
using namespace archival::adapters::host;
using archival::test::FakeImageSource;
using Status = QHttpServerResponse::StatusCode;

namespace {

QByteArray submitBody(const QString& actionId, int sets = 1,
                      const QString& prompt = QStringLiteral("harbour lights")) {
    return QJsonDocument(
               QJsonObject{
                   {"program", "P0"}, {"prompt", prompt}, {"action_id", actionId}, {"sets", sets}})
        .toJson();
}

struct Answer {
    int status = 0;
    QJsonObject body;
};

// submit() answers once the records are written (on the queue's writer thread): waited for.
Answer submitted(const BatchHttpApi& api, const QByteArray& body) {
    std::optional<Answer> got;
    api.submit(body, [&got](Status status, const QJsonObject& json) {
        got = Answer{int(status), json};
    });
    if (!QTest::qWaitFor([&got] { return got.has_value(); }, 10000)) return Answer{};
    return got.value_or(Answer{});
}

QJsonObject errorOf(const Answer& answer) {
    return answer.body.value("error").toObject();
}

// Every record.json under `root`.
int recordsUnder(const QString& root) {
    int n = 0;
    QDirIterator it(root, {QStringLiteral("record.json")}, QDir::Files,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) it.next(), ++n;
    return n;
}

}  // namespace

class TestBatchHttpApi : public QObject {
    Q_OBJECT

    QueueSettings settings(const QTemporaryDir& dir) const {
        return archival::test::testQueueSettings(dir.path());
    }

  private Q_SLOTS:
    void badActionIdsAreRefusedWithTheReason() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue(settings(dir), &source, nullptr);
        BatchHttpApi api(&queue, [](const QHttpServerRequest&) { return true; });
        const std::pair<QString, QString> cases[] = {
            {QStringLiteral("act\n"), QStringLiteral("not U+000A")},
            {QStringLiteral("act."), QStringLiteral("must not end with a dot")},
            {QStringLiteral("LPT1.txt"), QStringLiteral("reserved device name")},
        };
        for (const auto& [id, reason] : cases) {
            const Answer r = submitted(api, submitBody(id));
            QCOMPARE(r.status, int(Status::BadRequest));
            const QJsonObject e = errorOf(r);
            QCOMPARE(e.value("code").toString(), QStringLiteral("invalid_field"));
            QCOMPARE(e.value("field").toString(), QStringLiteral("action_id"));
            QVERIFY2(e.value("message").toString().contains(reason),
                     qPrintable(e.value("message").toString()));
        }
        QVERIFY(queue.actions().isEmpty());

        // Differs only in case from an action already queued: refused, naming that one.
        QCOMPARE(submitted(api, submitBody("Harbour")).status, int(Status::Created));
        const Answer twin = submitted(api, submitBody("HARBOUR"));
        QCOMPARE(twin.status, int(Status::UnprocessableEntity));
        QVERIFY2(errorOf(twin).value("message").toString().contains("\"Harbour\""),
                 QJsonDocument(twin.body).toJson().constData());
    }

    void storageErrorsNameNoLocalPath() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue(settings(dir), &source, nullptr);
        QStringList logged;
        BatchHttpApi api(
            &queue, [](const QHttpServerRequest&) { return true; },
            [&logged](const QString& line) { logged << line; });
        // The action's folder cannot be created: a file is in the way.
        QVERIFY(archival::test::writeFile(dir.path() + "/blocked", "a file, not a folder"));
        const Answer r = submitted(api, submitBody("blocked"));
        QCOMPARE(r.status, int(Status::InternalServerError));
        const QJsonObject e = errorOf(r);
        QCOMPARE(e.value("code").toString(), QStringLiteral("Storage"));
        const QString message = e.value("message").toString();
        QVERIFY2(!message.isEmpty(), QJsonDocument(r.body).toJson().constData());
        QVERIFY2(!message.contains(dir.path()), qPrintable(message));
        QVERIFY2(!message.contains(QDir::homePath()), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("/blocked")), qPrintable(message));
        // The host's log has the whole message, path included.
        QCOMPARE(logged.size(), 1);
        QVERIFY2(logged.first().contains(dir.path() + "/blocked"), qPrintable(logged.first()));
    }

    // The queue's caps: more unfinished sets or actions than it holds is 429 "queue_full"
    // (later, once some are done, it fits); one request larger than the whole queue is 413
    // "queue_too_large". A refused request leaves nothing on disk, not even its action's
    // folder; finished (here cancelled) sets make room again.
    void queueCapsRefuseWithTypedStatuses() {
        QTemporaryDir dir;
        FakeImageSource source;
        source.delayMs = 600000;  // nothing finishes by itself: every set stays unfinished
        QueueSettings s = settings(dir);
        s.caps.maxSets = 5;
        s.caps.maxActions = 2;
        BatchQueue queue(s, &source, nullptr);
        BatchHttpApi api(&queue, [](const QHttpServerRequest&) { return true; });
        auto refusedLike = [&](const Answer& a, Status status, const QString& code,
                               const QString& limit) {
            const QString what = QJsonDocument(a.body).toJson(QJsonDocument::Compact);
            QVERIFY2(a.status == int(status), qPrintable(what));
            QCOMPARE(errorOf(a).value("code").toString(), code);
            QVERIFY2(errorOf(a).value("message").toString().contains(limit), qPrintable(what));
        };

        QCOMPARE(submitted(api, submitBody("a", 3)).status, int(Status::Created));
        QCOMPARE(recordsUnder(dir.path()), 3);
        refusedLike(submitted(api, submitBody("a", 3)), Status::TooManyRequests, "queue_full",
                    "max-queue-sets=5");
        refusedLike(submitted(api, submitBody("b", 6)), Status::PayloadTooLarge, "queue_too_large",
                    "max-queue-sets=5");
        QCOMPARE(recordsUnder(dir.path()), 3);
        QVERIFY(!QFileInfo::exists(dir.filePath("b")));

        QCOMPARE(submitted(api, submitBody("b", 1)).status, int(Status::Created));
        refusedLike(submitted(api, submitBody("c", 1)), Status::TooManyRequests, "queue_full",
                    "max-queue-actions=2");
        QVERIFY(!QFileInfo::exists(dir.filePath("c")));
        QCOMPARE(queue.sets().size(), 4);

        // Cancelled sets are finished: they no longer count.
        queue.cancel("a");
        QCOMPARE(submitted(api, submitBody("c", 4)).status, int(Status::Created));
        QCOMPARE(recordsUnder(dir.path()), 8);

        // Bytes: the records of one request alone over the cap; then the queue's total.
        QTemporaryDir small;
        QueueSettings b = settings(small);
        b.caps.maxBytes = 8 * 1024;
        BatchQueue bytesQueue(b, &source, nullptr);
        BatchHttpApi bytesApi(&bytesQueue, [](const QHttpServerRequest&) { return true; });
        const QString prompt(900, QLatin1Char('p'));
        refusedLike(submitted(bytesApi, submitBody("big", 20, prompt)), Status::PayloadTooLarge,
                    "queue_too_large", "max-queue-bytes=8192");
        QVERIFY(QDir(small.path()).isEmpty());
        QCOMPARE(submitted(bytesApi, submitBody("big", 3, prompt)).status, int(Status::Created));
        refusedLike(submitted(bytesApi, submitBody("more", 3, prompt)), Status::TooManyRequests,
                    "queue_full", "max-queue-bytes=8192");
        QCOMPARE(recordsUnder(small.path()), 3);
        QVERIFY(!QFileInfo::exists(small.filePath("more")));
    }
};

QTEST_GUILESS_MAIN(TestBatchHttpApi)
#include "test_batch_http_api.moc"
