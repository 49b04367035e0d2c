// The studio's batch queue and exhibition host in the window, with the real objects (queue,
// S3 client against the loopback S3 server, host on loopback): settings the curator applies
// reach them without a restart. New R2 settings saved in the batch panel send the next
// upload to the new bucket and endpoint; a new host port applied in the Settings dialog moves
// a running host there (and a stopped one listens there when switched on).
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <algorithm>

#include "adapters/batch/batch_destination.h"
#include "adapters/batch/r2_settings.h"
#include "adapters/batch/secret_store.h"
#include "adapters/host/exhibition_host.h"
#include "adapters/host/host_settings.h"
#include "fake_image_source.h"
#include "s3_peer.h"
#include "scripted_generation_core.h"
#include "scripted_job_runner.h"
#include "ui/batch_panel.h"
#include "ui/host_panel.h"
#include "ui/main_window.h"
#include "ui/settings_dialog.h"
#include "ui/studio_panels.h"
#include "window_test_support.h"

using namespace archival;

namespace {

quint16 freePort() {
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0)) return 0;
    return probe.serverPort();
}

// Every set of the action is uploaded (to wherever the queue's uploader sends it).
bool uploaded(const adapters::BatchQueue* queue, const QString& actionId) {
    const auto sets = queue->sets(actionId);
    return !sets.isEmpty() && std::all_of(sets.begin(), sets.end(), [](const auto& r) {
        return r.state == adapters::SetState::Uploaded;
    });
}

bool accepts(quint16 port) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(3000);
}

}  // namespace

class TestStudioPanels : public QObject {
    Q_OBJECT
    test::S3Peer peer_;
    QTemporaryDir dir_;

    // The studio's parts as the application assembles them, from the settings.
    struct Studio {
        test::ScriptedGenerationCore core{
            pipeline::ProgramRegistry::fromJson(pipeline::ProgramRegistry::builtinJson())};
        ui::MainWindow window{&core};
        test::FakeImageSource source;
        adapters::BatchDestination batch;
        test::ScriptedJobRunner jobs;
        adapters::host::ExhibitionHost host;
        std::unique_ptr<ui::StudioPanels> panels;  // built once the queue is

        static adapters::host::HostSettings hostSettings() {
            adapters::host::HostSettings s;
            adapters::host::ListenAddress::load(QSettings()).applyTo(&s);
            s.httpPort = -1;  // the WebSocket port is what moves
            return s;
        }
        explicit Studio(const QString& queueDir)
            : batch({queueDir, {}, {}, 4}, &source), host(hostSettings(), &jobs) {
            batch.retarget(adapters::R2Settings::load(QSettings()));
            panels = std::make_unique<ui::StudioPanels>(&window, &batch, &host);
        }
    };

    // Opens the Settings dialog, sets the host port and presses OK.
    static void applyHostPortInTheDialog(ui::MainWindow& w, int port) {
        QTimer::singleShot(20000, &w, [&w] {
            if (auto* d = w.findChild<ui::SettingsDialog*>()) d->reject();
        });
        QTimer::singleShot(50, &w, [&w, port] {
            auto* dialog = w.findChild<ui::SettingsDialog*>();
            QVERIFY(dialog);
            auto closeOnExit = qScopeGuard([dialog] {
                if (dialog->isVisible()) dialog->reject();
            });
            auto* spin = dialog->findChild<QSpinBox*>("hostPort");
            QVERIFY(spin);
            spin->setValue(port);
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        w.openSettings();
    }

  private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        test::isolateSettings();
        // Settings of its own: the window tests may run at the same time.
        QCoreApplication::setApplicationName(QStringLiteral("archival-studio-panels-test"));
        QSettings().clear();
        ARCHIVAL_START_PEER(peer_, QStringList{"first-bucket", "second-bucket"});
        // The secret for this run without a keychain, as `batch` takes it.
        qputenv(adapters::SecretStore::kEnvironmentVariable, peer_.secret().toUtf8());
    }

    void r2SettingsSavedInTheBatchPanelReachTheNextUpload() {
        QSettings().clear();
        {
            QSettings s;
            adapters::R2Settings{
                {}, peer_.endpoint(), "first-bucket", "exhibit", peer_.accessKeyId()}
                .save(s);
        }
        Studio studio(dir_.filePath("queue-r2"));
        QVERIFY2(studio.batch.uploader(), qPrintable(studio.batch.uploaderProblem()));
        QVERIFY(!studio.batch.queue()->generateMultipleSets("P0", "dawn", "before", 1, false));
        QTRY_VERIFY_WITH_TIMEOUT(uploaded(studio.batch.queue(), "before"), 60000);
        QCOMPARE(peer_.list("first-bucket", "exhibit/actions/before/").size(), 2);

        // The curator points the batch at another bucket behind another endpoint (a proxy in
        // front of the same store, which counts what passes) and saves.
        test::FaultProxy proxy;
        ARCHIVAL_START_PEER(proxy, peer_.endpoint(), "ok", 0.0);
        ui::BatchPanel* panel = studio.panels->batchPanel();
        panel->findChild<QLineEdit*>("r2Endpoint")->setText(proxy.endpoint());
        panel->findChild<QLineEdit*>("r2Bucket")->setText("second-bucket");
        auto* save = panel->findChild<QPushButton*>("saveR2Button");
        QVERIFY(save);
        studio.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&studio.window));
        auto* dock = qobject_cast<QDockWidget*>(panel->parentWidget());
        QVERIFY(dock);
        dock->raise();
        QTRY_VERIFY(save->isVisible());
        QTest::mouseClick(save, Qt::LeftButton);

        QCOMPARE(adapters::R2Settings::load(QSettings()).bucket, QStringLiteral("second-bucket"));
        QVERIFY(!studio.batch.queue()->generateMultipleSets("P0", "dusk", "after", 1, false));
        QTRY_VERIFY_WITH_TIMEOUT(uploaded(studio.batch.queue(), "after"), 60000);
        QCOMPARE(peer_.list("second-bucket", "exhibit/actions/after/").size(), 2);
        QVERIFY(peer_.list("first-bucket", "exhibit/actions/after/").isEmpty());
        QVERIFY(proxy.counts()["ok"].toInt() >= 2);  // the uploads took the new endpoint
        // The panel shows the queue that uploads now.
        QCOMPARE(panel->tree()->topLevelItemCount(), 2);
    }

    void hostPortAppliedInTheSettingsDialogMovesTheRunningHost() {
        QSettings().clear();
        const quint16 first = freePort(), second = freePort();
        QVERIFY(first && second && first != second);
        {
            QSettings s;
            adapters::host::ListenAddress{QStringLiteral("127.0.0.1"), first}.save(s);
        }
        Studio studio(dir_.filePath("queue-host"));
        studio.window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&studio.window));
        QCheckBox* on = studio.panels->hostPanel()->enabledSwitch();
        on->setChecked(true);
        QVERIFY(studio.host.isListening());
        QCOMPARE(studio.host.port(), first);

        applyHostPortInTheDialog(studio.window, second);
        QCOMPARE(adapters::host::ListenAddress::load(QSettings()).port, int(second));
        QVERIFY(studio.host.isListening());
        QCOMPARE(studio.host.port(), second);
        QVERIFY(accepts(second));
        QVERIFY(!accepts(first));
        QVERIFY(on->isChecked());

        // Switched off, a new port waits for the next start.
        on->setChecked(false);
        const quint16 third = freePort();
        applyHostPortInTheDialog(studio.window, third);
        QVERIFY(!studio.host.isListening());
        on->setChecked(true);
        QCOMPARE(studio.host.port(), third);
        QVERIFY(accepts(third));
    }
};

QTEST_MAIN(TestStudioPanels)
#include "test_studio_panels.moc"
