// The batch panel's broker view with a real redis-server (started here on a free loopback
// port, with a password): sets queued through the broker (BrokerSetQueue, as `batch
// --broker` and `serve --broker` queue them) appear with their states, workers and errors,
// read by polling on the event loop. And the broker URL never takes its password into the
// settings file.
#include <QSettings>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include "adapters/batch/batch_queue.h"
#include "adapters/broker/broker_set_queue.h"
#include "adapters/broker/redis_connection.h"
#include "fake_image_source.h"
#include "redis_peer.h"
#include "ui/batch_panel.h"
#include "ui/broker_sets_view.h"
#include "ui/studio_settings.h"

using namespace archival;

namespace {
const QString kPassword = QStringLiteral("panel-broker-pw-9c1e");
}

class TestBrokerBatchPanel : public QObject {
    Q_OBJECT
    test::RedisPeer redis_;
    QTemporaryDir dir_;

    // The tree's row for "<action> / <set>", or null.
    static QTreeWidgetItem* row(QTreeWidget* tree, const QString& name) {
        for (int i = 0; i < tree->topLevelItemCount(); ++i)
            if (tree->topLevelItem(i)->text(0) == name) return tree->topLevelItem(i);
        return nullptr;
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        ARCHIVAL_START_REDIS(redis_, kPassword);
        qputenv("ARCHIVAL_BROKER_PASSWORD", kPassword.toUtf8());
    }

    void setsOnTheBrokerAppearWithTheirStatesAndWorkers() {
        test::FakeImageSource source;
        adapters::QueueSettings local;
        local.root = dir_.filePath(QStringLiteral("queue"));
        adapters::BatchQueue queue(local, &source, nullptr);
        ui::BatchPanel panel(&queue);
        panel.brokerView()->setPollIntervalMs(100);
        panel.setBrokerUrl(redis_.url());
        QVERIFY(!panel.findChild<QWidget*>(QStringLiteral("brokerGroup"))->isHidden());

        // Queued as the command line and serve queue them.
        auto address =
            std::get<adapters::RedisAddress>(adapters::RedisAddress::parse(redis_.url()));
        address.password = kPassword;
        adapters::RedisConnection redis(address);
        QVERIFY(!redis.openNow(5000));
        adapters::BrokerSetQueue sets(&redis);
        adapters::BrokerSetQueue::Plan plan;
        plan.request.actionId = QStringLiteral("panel");
        plan.request.programId = QStringLiteral("T15");
        plan.request.prompt = QStringLiteral("harbour");
        plan.count = 3;
        bool queued = false;
        sets.enqueue(plan, [&](const adapters::BrokerSetQueue::Enqueued& o) {
            QVERIFY(!o.error && o.existing.isEmpty() && !o.full);
            QCOMPARE(o.jobs.size(), 3);
            queued = true;
        });
        QTRY_VERIFY(queued);

        QTreeWidget* tree = panel.brokerView()->tree();
        QTRY_COMPARE(tree->topLevelItemCount(), 3);
        QCOMPARE(row(tree, "panel / 1")->text(2), QStringLiteral("pending"));
        QCOMPARE(row(tree, "panel / 1")->text(1), QStringLiteral("T15"));

        // Two workers on other machines report (as BrokerWorker does).
        adapters::RedisReply reply;
        QVERIFY(!redis.sendNow(
            adapters::SetStream::report(
                "panel:0", {"state", "generating", "worker", "gpu-a", "step", "3", "total", "10"}),
            &reply));
        QVERIFY(!redis.sendNow(adapters::SetStream::report(
                                   "panel:2", {"state", "failed", "worker", "gpu-b", "error_code",
                                               "Storage", "reason", "disk full"}),
                               &reply));
        QTRY_COMPARE(row(tree, "panel / 0")->text(2), QStringLiteral("generating 3/10"));
        QCOMPARE(row(tree, "panel / 0")->text(3), QStringLiteral("gpu-a"));
        QTRY_COMPARE(row(tree, "panel / 2")->text(2), QStringLiteral("failed"));
        QCOMPARE(row(tree, "panel / 2")->text(3), QStringLiteral("gpu-b"));
        QCOMPARE(row(tree, "panel / 2")->text(4), QStringLiteral("Storage: disk full"));
        QVERIFY2(panel.brokerView()->statusText().contains("3 set(s), 1 failed"),
                 qPrintable(panel.brokerView()->statusText()));

        // The broker gone: the panel says so (and the window goes on).
        redis_.kill();
        QTRY_VERIFY_WITH_TIMEOUT(panel.brokerView()->statusText().contains("refused") ||
                                     panel.brokerView()->statusText().contains("dropped"),
                                 10000);
        QString error;
        QVERIFY2(redis_.restart(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(panel.brokerView()->statusText().contains("3 set(s)"), 15000);

        panel.setBrokerUrl(QString());
        QVERIFY(panel.findChild<QWidget*>(QStringLiteral("brokerGroup"))->isHidden());
    }

    void theBrokerPasswordIsNeverStoredInTheSettings() {
        QSettings file(dir_.filePath(QStringLiteral("settings.ini")), QSettings::IniFormat);
        ui::StudioSettings s;
        s.brokerUrl = QStringLiteral("redis://:typed-secret-77@10.0.0.5:6379/2");
        s.save(file);
        QCOMPARE(ui::StudioSettings::load(file).brokerUrl,
                 QStringLiteral("redis://10.0.0.5:6379/2"));
        // An ACL user stays; its password does not.
        s.brokerUrl = QStringLiteral("rediss://curator:typed-secret-88@10.0.0.5:6380/0");
        s.save(file);
        QCOMPARE(ui::StudioSettings::load(file).brokerUrl,
                 QStringLiteral("rediss://curator@10.0.0.5:6380/0"));
        file.sync();
        QFile ini(file.fileName());
        QVERIFY(ini.open(QIODevice::ReadOnly));
        const QByteArray written = ini.readAll();
        QVERIFY(!written.contains("typed-secret-77") && !written.contains("typed-secret-88"));
    }
};

QTEST_MAIN(TestBrokerBatchPanel)
#include "test_broker_batch_panel.moc"
