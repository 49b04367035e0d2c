// The window opens offscreen with the registry's programs and an honest model status,
// and is grabbed to a PNG (kept in the test's working folder for a person to look at).
#include <QApplication>
#include <QLabel>
#include <QListWidget>
#include <QStatusBar>
#include <QtTest>

#include "ui/main_window.h"

using namespace archival;

class TestMainWindow : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void opensWithProgramsAndModelStatus() {
        auto registry = pipeline::ProgramRegistry::fromJson(
            pipeline::ProgramRegistry::builtinJson(), "{\"programs\": {\"P9\": {\"steps\": 0}}}",
            "user.json");
        pipeline::ModelResolution found;
        found.modelId = "runwayml/stable-diffusion-v1-5";
        found.source = pipeline::ModelResolution::Source::HuggingFaceCache;
        found.path = "/models/sd15";
        pipeline::ModelResolution missing;
        missing.modelId = "stabilityai/stable-diffusion-3.5-large-turbo";
        missing.searched << "/hub/models--stabilityai--stable-diffusion-3.5-large-turbo";

        ui::MainWindow window(registry, {found, missing});
        window.resize(1366, 768);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        QCOMPARE(window.programList()->count(), 4);
        QVERIFY(window.programList()->item(0)->text().startsWith("P0"));
        QCOMPARE(window.statusBar()->currentMessage(), window.modelStatusText());
        QVERIFY(window.modelStatusText().contains("1 of 2"));
        const auto* models = window.findChild<QLabel*>("modelsLabel");
        QVERIFY(models->text().contains("Hugging Face cache"));
        QVERIFY(
            models->text().contains("/hub/models--stabilityai--stable-diffusion-3.5-large-turbo"));
        const auto* issues = window.findChild<QLabel*>("issuesLabel");
        QVERIFY(issues->isVisible());
        QVERIFY(issues->text().contains("program P9"));

        window.programList()->setCurrentRow(1);  // P2: its settings are shown
        QTest::qWait(50);                        // let the layout place the new rows
        bool sawStrength = false;
        for (const auto* l : window.findChildren<QLabel*>())
            sawStrength |= l->isVisible() && l->text().contains("strength 0.75");
        QVERIFY(sawStrength);

        const QImage shot = window.grab().toImage();
        QVERIFY(!shot.isNull());
        QCOMPARE(shot.size(), window.size() * window.devicePixelRatio());
        QVERIFY(shot.save(QStringLiteral("main_window.png")));
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
