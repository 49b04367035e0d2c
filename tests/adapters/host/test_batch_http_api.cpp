// The batch API's handlers without a server: a bad action id is refused with the reason, and
// a storage failure reaches the client without the host's local paths (the host's log keeps
// the full message).
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "../batch/fake_image_source.h"
#include "adapters/batch/batch_queue.h"
#include "adapters/host/batch_http_api.h"
#include "test_support.h"

using namespace archival::adapters;
using namespace archival::adapters::host;
using archival::test::FakeImageSource;
using Status = QHttpServerResponse::StatusCode;

namespace {

QByteArray submitBody(const QString& actionId) {
    return QJsonDocument(QJsonObject{{"program", "P0"},
                                     {"prompt", "harbour lights"},
                                     {"action_id", actionId},
                                     {"sets", 1}})
        .toJson();
}

QJsonObject errorOf(const QHttpServerResponse& response) {
    return QJsonDocument::fromJson(response.data()).object().value("error").toObject();
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
            const QHttpServerResponse r = api.submit(submitBody(id));
            QCOMPARE(int(r.statusCode()), int(Status::BadRequest));
            const QJsonObject e = errorOf(r);
            QCOMPARE(e.value("code").toString(), QStringLiteral("invalid_field"));
            QCOMPARE(e.value("field").toString(), QStringLiteral("action_id"));
            QVERIFY2(e.value("message").toString().contains(reason),
                     qPrintable(e.value("message").toString()));
        }
        QVERIFY(queue.actions().isEmpty());

        // Differs only in case from an action already queued: refused, naming that one.
        QCOMPARE(int(api.submit(submitBody("Harbour")).statusCode()), int(Status::Created));
        const QHttpServerResponse twin = api.submit(submitBody("HARBOUR"));
        QCOMPARE(int(twin.statusCode()), int(Status::UnprocessableEntity));
        QVERIFY2(errorOf(twin).value("message").toString().contains("\"Harbour\""),
                 twin.data().constData());
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
        const QHttpServerResponse r = api.submit(submitBody("blocked"));
        QCOMPARE(int(r.statusCode()), int(Status::InternalServerError));
        const QJsonObject e = errorOf(r);
        QCOMPARE(e.value("code").toString(), QStringLiteral("Storage"));
        const QString message = e.value("message").toString();
        QVERIFY2(!message.isEmpty(), r.data().constData());
        QVERIFY2(!message.contains(dir.path()), qPrintable(message));
        QVERIFY2(!message.contains(QDir::homePath()), qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral("/blocked")), qPrintable(message));
        // The host's log has the whole message, path included.
        QCOMPARE(logged.size(), 1);
        QVERIFY2(logged.first().contains(dir.path() + "/blocked"), qPrintable(logged.first()));
    }
};

QTEST_GUILESS_MAIN(TestBatchHttpApi)
#include "test_batch_http_api.moc"
