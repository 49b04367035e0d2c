// One process per queue folder, in the studio's window: while another holder has the
// folder's QueueLock, the window's batch destination only shows the queue (it writes nothing
// and says who holds it); the lock is kept across retargets and let go with the destination.
// (Two real processes, `serve` and `batch`, are in tests/app/test_cli.cpp.)
#include <QCoreApplication>
#include <QTemporaryDir>
#include <QtTest>

#include "adapters/batch/batch_destination.h"
#include "adapters/batch/queue_lock.h"
#include "fake_image_source.h"

using namespace archival::adapters;
using archival::pipeline::Error;
using archival::pipeline::ErrorCode;
using archival::test::FakeImageSource;

namespace {
std::unique_ptr<QueueLock> take(const QString& root) {
    auto taken = QueueLock::take(root);
    if (auto* lock = std::get_if<std::unique_ptr<QueueLock>>(&taken)) return std::move(*lock);
    qWarning("%s", qPrintable(std::get<Error>(taken).toString()));
    return nullptr;
}
}  // namespace

class TestQueueLock : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void aHeldQueueIsShownReadOnlyNamingTheHolder() {
        QTemporaryDir dir;
        FakeImageSource source;
        auto holder = take(dir.path());
        QVERIFY(holder);
        // A second take is refused with the holder: this process, this application.
        auto refused = QueueLock::take(dir.path());
        QVERIFY(std::holds_alternative<Error>(refused));
        const Error error = std::get<Error>(refused);
        QCOMPARE(int(error.code), int(ErrorCode::Storage));
        const QString holderName =
            QStringLiteral("process %1 ").arg(QCoreApplication::applicationPid());
        QVERIFY2(error.message.contains(holderName) && error.message.contains("stop that process"),
                 qPrintable(error.message));

        BatchDestination window({dir.path(), {}, {}, 4}, &source);
        const QStringList problems = window.retarget(R2Settings{});
        QVERIFY2(!problems.isEmpty() && problems.first().contains(holderName),
                 qPrintable(problems.join('\n')));
        QVERIFY(!window.uploader());
        QVERIFY2(window.uploaderProblem().contains(holderName),
                 qPrintable(window.uploaderProblem()));
        const auto queued = window.queue()->generateMultipleSets("P0", "x", "act", 1, false);
        QVERIFY(queued);
        QCOMPARE(int(queued->code), int(ErrorCode::Storage));
        QVERIFY(!QDir(dir.filePath("act")).exists());

        // Once the holder lets go, the next retarget takes the folder and works on it.
        holder.reset();
        const QStringList again = window.retarget(R2Settings{});
        QVERIFY2(again.isEmpty(), qPrintable(again.join('\n')));
        QVERIFY(!window.queue()->generateMultipleSets("P0", "x", "act", 1, false));
        QVERIFY(QDir(dir.filePath("act")).exists());
    }

    void theWindowKeepsTheLockAcrossRetargetsAndLetsGoWhenClosed() {
        QTemporaryDir dir;
        FakeImageSource source;
        {
            BatchDestination window({dir.path(), {}, {}, 4}, &source);
            QVERIFY(window.retarget(R2Settings{}).isEmpty());
            QVERIFY(window.retarget(R2Settings{}).isEmpty());
            QVERIFY(!window.queue()->generateMultipleSets("P0", "x", "act", 1, false));
            QVERIFY(!take(dir.path()));  // held by the window
        }
        QVERIFY(take(dir.path()));
    }
};

QTEST_GUILESS_MAIN(TestQueueLock)
#include "test_queue_lock.moc"
