// The host panel on a live host: on/off, addresses, token copy and regenerate, the list of
// attached displays and its Disconnect buttons.
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QPushButton>
#include <QTableWidget>
#include <QtTest>

#include "adapters/host/exhibition_host.h"
#include "scripted_job_runner.h"
#include "test_client.h"
#include "ui/host_panel.h"

using namespace archival::adapters::host;

class TestHostPanel : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void switchesTheHostAndListsDisplays() {
        archival::test::ScriptedJobRunner runner;
        HostSettings s;
        s.port = 0;
        s.httpPort = 0;
        ExhibitionHost host(s, &runner);
        QStringList stored;
        archival::ui::HostPanel panel(&host, nullptr, [&](const QString& t, QString*) {
            stored << t;
            return true;
        });
        QVERIFY(!panel.enabledSwitch()->isChecked());
        panel.enabledSwitch()->setChecked(true);
        QVERIFY(host.isListening());

        archival::test::TestClient screen;
        QVERIFY(screen.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(host.port()))));
        screen.sendJson({{"type", "hello"}, {"role", "display"}, {"name", "Lobby screen"}});
        QTRY_VERIFY_WITH_TIMEOUT(panel.clientTable()->rowCount() == 1 &&
                                     panel.clientTable()->item(0, 0)->text() == "Lobby screen",
                                 5000);
        QCOMPARE(panel.clientTable()->item(0, 2)->text(), QStringLiteral("display"));
        QVERIFY(panel.clientTable()->item(0, 1)->text().startsWith("127.0.0.1:"));

        // A picture of the panel for people (in the test's build folder).
        panel.resize(720, 360);
        QVERIFY(panel.grab().save(QStringLiteral("host_panel.png")));

        auto* disconnect = qobject_cast<QPushButton*>(panel.clientTable()->cellWidget(0, 5));
        QVERIFY(disconnect);
        disconnect->click();
        QTRY_VERIFY_WITH_TIMEOUT(screen.closed, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(panel.clientTable()->rowCount(), 0, 5000);

        QVERIFY(panel.tokenText().isEmpty());
        panel.regenerateToken();
        QCOMPARE(stored.size(), 1);
        QCOMPARE(panel.tokenText(), stored.first());
        QCOMPARE(host.settings().token, stored.first());
        panel.copyToken();
        QCOMPARE(QApplication::clipboard()->text(), stored.first());

        panel.enabledSwitch()->setChecked(false);
        QVERIFY(!host.isListening());
    }

    void aHostThatCannotStartSaysWhy() {
        archival::test::ScriptedJobRunner runner;
        HostSettings s;
        s.address = QHostAddress::AnyIPv4;  // needs a token, and has none
        s.port = 0;
        ExhibitionHost host(s, &runner);
        archival::ui::HostPanel panel(&host, nullptr,
                                      [](const QString&, QString*) { return true; });
        panel.enabledSwitch()->setChecked(true);
        QVERIFY(!host.isListening());
        QVERIFY(!panel.enabledSwitch()->isChecked());
        QVERIFY(panel.statusText().contains("token"));
    }
};

QTEST_MAIN(TestHostPanel)
#include "test_host_panel.moc"
