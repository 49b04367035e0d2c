// The batch panel over a real queue (deterministic image source): actions and sets with
// state and thumbnails, Cancel and Retry on the selection, and "Test connection" against the
// loopback S3 server (a wrong secret shows the server's reason). The buttons are clicked as
// a curator clicks them, so a button that is not wired fails the test.
#include <QApplication>
#include <QCheckBox>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "adapters/batch/batch_queue.h"
#include "fake_image_source.h"
#include "s3_peer.h"
#include "ui/batch_panel.h"

using namespace archival::adapters;
using archival::test::FakeImageSource;
using archival::test::S3Peer;
using archival::ui::BatchPanel;

class TestBatchPanel : public QObject {
    Q_OBJECT
    S3Peer peer_;

  private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("ArchivalStudioTest");
        QCoreApplication::setApplicationName("batch-panel-test");
        ARCHIVAL_START_PEER(peer_, QStringList{"panel-bucket"});
    }

    void showsActionsSetsStatesAndThumbnails() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue({dir.path(), {}, {}, 4}, &source, nullptr);
        BatchPanel panel(&queue);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(!queue.generateMultipleSets("P0", "ai conference", "act", 3, false));
        QTRY_VERIFY_WITH_TIMEOUT(queue.isIdle(), 30000);
        QTreeWidget* tree = panel.tree();
        QCOMPARE(tree->topLevelItemCount(), 1);
        QTreeWidgetItem* action = tree->topLevelItem(0);
        QCOMPARE(action->text(0), QStringLiteral("act"));
        QCOMPARE(action->childCount(), 3);
        QCOMPARE(action->child(2)->text(0), QStringLiteral("P0 set_002"));
        QCOMPARE(action->child(0)->text(1), QStringLiteral("generated"));
        QVERIFY(!action->child(0)->icon(0).isNull());
        QCOMPARE(action->text(1), QStringLiteral("0/3 uploaded"));

        // Cancel one set from the panel, then retry it.
        auto* cancel = panel.findChild<QPushButton*>("cancelButton");
        auto* retry = panel.findChild<QPushButton*>("retryButton");
        QVERIFY(cancel && retry);
        QCOMPARE(cancel->text(), QStringLiteral("Cancel"));
        QCOMPARE(retry->text(), QStringLiteral("Retry"));
        action->child(1)->setSelected(true);
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QCOMPARE(action->child(1)->text(1), QStringLiteral("failed"));
        QVERIFY(action->child(1)->text(3).startsWith("Interrupted"));
        QTest::mouseClick(retry, Qt::LeftButton);
        QCOMPARE(action->child(1)->text(1), QStringLiteral("generated"));
    }

    void testConnectionMakesASignedRequest() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue({dir.path(), {}, {}, 4}, &source, nullptr);
        BatchPanel panel(&queue);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        auto* test = panel.findChild<QPushButton*>("testConnectionButton");
        QVERIFY(test);
        QCOMPARE(test->text(), QStringLiteral("Test connection"));
        panel.setR2Settings({{}, peer_.endpoint(), "panel-bucket", {}, peer_.accessKeyId()});
        QSignalSpy tested(&panel, &BatchPanel::connectionTested);
        panel.setSecret(peer_.secret());
        QTest::mouseClick(test, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(tested.count(), 1, 60000);
        QVERIFY2(tested[0][0].toBool(), qPrintable(tested[0][1].toString()));
        QVERIFY(panel.connectionStatus().startsWith("Connected"));

        panel.setSecret("wrong");
        QTRY_VERIFY(test->isEnabled());
        QTest::mouseClick(test, Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(tested.count(), 2, 60000);
        QVERIFY(!tested[1][0].toBool());
        QVERIFY2(panel.connectionStatus().contains("SignatureDoesNotMatch"),
                 qPrintable(panel.connectionStatus()));

        panel.setR2Settings({});
        QTRY_VERIFY(test->isEnabled());
        QTest::mouseClick(test, Qt::LeftButton);
        QVERIFY(panel.connectionStatus().startsWith("Missing"));
    }

    // The layout settings: a key template is checked before anything is saved; a usable one,
    // the public URL and "upload previews" are saved with the rest.
    void layoutSettingsAreCheckedAndSaved() {
        QTemporaryDir dir;
        FakeImageSource source;
        BatchQueue queue({dir.path(), {}, {}, 4}, &source, nullptr);
        BatchPanel panel(&queue);
        QSignalSpy saved(&panel, &BatchPanel::settingsSaved);
        auto* keyTemplate = panel.findChild<QLineEdit*>("r2KeyTemplate");
        auto* publicUrl = panel.findChild<QLineEdit*>("r2PublicUrl");
        auto* previews = panel.findChild<QCheckBox*>("r2UploadPreviews");
        auto* save = panel.findChild<QPushButton*>("saveR2Button");
        QVERIFY(keyTemplate && publicUrl && previews && save);
        keyTemplate->setText("{prefix}/{action}/{nope}");
        QTest::mouseClick(save, Qt::LeftButton);
        QCOMPARE(saved.count(), 0);
        QVERIFY2(panel.connectionStatus().startsWith("Not saved"),
                 qPrintable(panel.connectionStatus()));

        keyTemplate->setText("studio");
        publicUrl->setText("https://media.example.org");
        previews->setChecked(true);
        QTest::mouseClick(save, Qt::LeftButton);
        QCOMPARE(saved.count(), 1);
        const R2Settings stored = R2Settings::load(QSettings());
        QCOMPARE(stored.keyTemplate, QStringLiteral("studio"));
        QCOMPARE(stored.publicBaseUrl, QStringLiteral("https://media.example.org"));
        QVERIFY(stored.uploadPreviews);
    }
};

QTEST_MAIN(TestBatchPanel)
#include "test_batch_panel.moc"
