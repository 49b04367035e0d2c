// Ids that become folder names and object keys: every bad one refused with its reason, by
// the rule itself and through the queue (the way in for the batch command, the HTTP API and
// the studio), and an id that differs from an existing one only in case is refused naming it.
#include <QTemporaryDir>
#include <QtTest>

#include "adapters/batch/batch_queue.h"
#include "adapters/batch/path_id.h"
#include "fake_image_source.h"

using namespace archival::adapters;
using archival::pipeline::ErrorCode;
using archival::test::FakeImageSource;

class TestIdValidation : public QObject {
    Q_OBJECT

    static void badIds() {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("reason");
        QTest::newRow("empty") << QString() << "is empty";
        QTest::newRow("too long") << QString(129, QLatin1Char('a'))
                                  << "is 129 characters long (at most 128)";
        QTest::newRow("trailing newline")
            << QStringLiteral("act\n")
            << "may only use letters, digits, '.', '_' and '-', not U+000A";
        QTest::newRow("escape") << QStringLiteral("act\x1b[31m")
                                << "may only use letters, digits, '.', '_' and '-', not U+001B";
        QTest::newRow("trailing space")
            << QStringLiteral("act ")
            << "may only use letters, digits, '.', '_' and '-', not U+0020";
        QTest::newRow("slash") << QStringLiteral("a/b")
                               << "may only use letters, digits, '.', '_' and '-', not '/'";
        QTest::newRow("parent") << QStringLiteral("../up")
                                << "must start with a letter or digit, not '.'";
        QTest::newRow("non-ASCII letter")
            << QStringLiteral("caf\u00e9")
            << "may only use letters, digits, '.', '_' and '-', not 'é'";
        QTest::newRow("trailing dot")
            << QStringLiteral("act.")
            << "must not end with a dot (Windows drops it from folder names)";
        const QString reserved = QStringLiteral(
            "is a reserved device name on Windows (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or "
            "without an extension)");
        for (const char* name : {"CON", "prn", "Aux", "nul", "COM1", "com9", "LPT1", "lpt9",
                                 "nul.txt", "CON.tar.gz", "Com3.log"})
            QTest::newRow(name) << QString::fromLatin1(name) << reserved;
    }

    QueueSettings settings(const QTemporaryDir& dir) const {
        return archival::test::testQueueSettings(dir.path());
    }

  private Q_SLOTS:
    void badIdsAreRefusedWithTheReason_data() { badIds(); }
    void badIdsAreRefusedWithTheReason() {
        QFETCH(QString, id);
        QFETCH(QString, reason);
        QCOMPARE(pathIdProblem(id), reason);
    }

    void usableIds() {
        for (const char* id : {"a", "act-1", "transcript_002", "v1.2", "COM", "COM10", "LPT0",
                               "console", "CON-1", "nul_set", "A.b-c_9"})
            QVERIFY2(pathIdProblem(QString::fromLatin1(id)).isEmpty(), id);
        QVERIFY(pathIdProblem(QString(128, QLatin1Char('a'))).isEmpty());
    }

    // The queue says which id is bad and why, and writes no folder for it.
    void theQueueRefusesEachBadIdWithTheReason_data() { badIds(); }
    void theQueueRefusesEachBadIdWithTheReason() {
        QFETCH(QString, id);
        QFETCH(QString, reason);
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue(settings(dir), &source, nullptr);
        const auto asAction = queue.generateMultipleSets("P0", "x", id, 1, false);
        QVERIFY(asAction);
        QCOMPARE(int(asAction->code), int(ErrorCode::InvalidRequest));
        QVERIFY2(asAction->message.startsWith(QStringLiteral("action id \"")) &&
                     asAction->message.contains(reason),
                 qPrintable(asAction->message));
        QVERIFY(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot).isEmpty());
        QVERIFY(queue.actions().isEmpty());
    }

    void anIdThatDiffersOnlyInCaseIsRefusedNamingTheExistingOne() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue(settings(dir), &source, nullptr);
        QVERIFY(!queue.generateMultipleSets("P0", "x", "Harbour-1", 1, false));
        const auto twin = queue.generateMultipleSets("P0", "x", "harbour-1", 1, false);
        QVERIFY(twin);
        QCOMPARE(int(twin->code), int(ErrorCode::InvalidRequest));
        QVERIFY2(twin->message.contains(QStringLiteral("\"Harbour-1\"")),
                 qPrintable(twin->message));
        QVERIFY2(twin->message.contains(QStringLiteral("differs only in case")),
                 qPrintable(twin->message));
        QCOMPARE(queue.actions().size(), 1);
        // The same id exactly is the same action: more sets for it are fine.
        QVERIFY(!queue.generateMultipleSets("P0", "x", "Harbour-1", 1, false));
        QCOMPARE(queue.sets("Harbour-1").size(), 2);
    }

    void anActionOnDiskCountsForCase() {
        QTemporaryDir dir;
        {
            FakeImageSource source;
            BatchQueue queue(settings(dir), &source, nullptr);
            QVERIFY(!queue.generateMultipleSets("P0", "x", "Night", 1, false));
        }
        FakeImageSource source;
        BatchQueue queue(settings(dir), &source, nullptr);
        QVERIFY(queue.resume().isEmpty());
        const auto twin = queue.generateMultipleSets("P0", "x", "NIGHT", 1, false);
        QVERIFY(twin);
        QVERIFY2(twin->message.contains(QStringLiteral("\"Night\"")), qPrintable(twin->message));
    }
};

QTEST_GUILESS_MAIN(TestIdValidation)
#include "test_id_validation.moc"
