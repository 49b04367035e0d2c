// The window on a scripted core (no model): the whole curator flow from the keyboard,
// cancel, image-to-image, errors, settings, gallery, tokens, accessibility, layout, and
// screenshots of the main states in the build folder.
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTimer>
#include <QTranslator>
#include <QTreeWidget>
#include <QtTest>

#include "scripted_generation_core.h"
#include "test_support.h"
#include "ui/gallery_panel.h"
#include "ui/image_canvas.h"
#include "ui/init_image_panel.h"
#include "ui/main_window.h"
#include "ui/memory_panel.h"
#include "ui/preview_view.h"
#include "ui/program_panel.h"
#include "ui/prompt_editor.h"
#include "ui/settings_dialog.h"
#include "ui/translator.h"
#include "window_test_support.h"

using namespace archival;

namespace {

// Where the built-ins find their assets in these tests: tests/data/assets holds a
// malaya.png and a chuamiatee.safetensors, as a curator's assets folder would.
pipeline::AssetLocations testAssets() {
    pipeline::AssetLocations where;
    where.folders = {QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/data/assets")};
    return where;
}

pipeline::ProgramRegistry builtins() {
    auto r = pipeline::ProgramRegistry::fromJson(pipeline::ProgramRegistry::builtinJson());
    r.setAssetLocations(testAssets());
    return r;
}

pipeline::ProgramRegistry registryWithBadUserFile() {
    auto r = pipeline::ProgramRegistry::fromJson(pipeline::ProgramRegistry::builtinJson(),
                                                 "{\"programs\": {\"P9\": {\"steps\": 0}}}",
                                                 "user.json");
    r.setAssetLocations(testAssets());
    return r;
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
    QTemporaryDir out_;

    // Fresh settings pointing the output folder at a temporary folder.
    void freshSettings(const QString& sub = QString::fromLatin1(QTest::currentTestFunction())) {
        test::isolateSettings();
        ui::StudioSettings s = ui::StudioSettings::load();
        s.outputFolder = out_.filePath(sub);
        s.factory.locations.huggingFaceHub = out_.filePath(QStringLiteral("no-hub"));
        s.save();
    }

    // Shortcuts need the window shown and active.
    static void showAndWait(ui::MainWindow& w) {
        w.show();
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));
    }

    void typePromptAndGenerate(ui::MainWindow& w, const QString& prompt) {
        QPlainTextEdit* edit = w.promptEditor()->promptEdit();
        edit->setFocus();
        edit->clear();
        QTest::keyClicks(edit, prompt);
        QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
    }

  private Q_SLOTS:
    void initTestCase() { QVERIFY(out_.isValid()); }

    void opensWithProgramsAndShowsBadProgramFile() {
        freshSettings();
        test::ScriptedGenerationCore core(registryWithBadUserFile());
        ui::MainWindow w(&core);
        w.resize(1366, 768);
        showAndWait(w);
        QCOMPARE(w.programPanel()->programList()->count(), 6);  // the built-ins all stay
        QVERIFY(w.programPanel()->programList()->item(0)->text().startsWith("P0"));
        QVERIFY(w.programPanel()->issuesView()->isVisible());
        QVERIFY(w.programPanel()->issuesView()->toPlainText().contains("P9"));
        QVERIFY(w.statusText().contains("problem"));
        QVERIFY(w.modelStatusText().contains("0 of 2"));
        // A built-in still runs.
        typePromptAndGenerate(w, "a lighthouse");
        QTRY_VERIFY(!w.isBusy());
        QCOMPARE(core.requests.size(), 1);
        QCOMPARE(core.requests.first().programId, QStringLiteral("P0"));
    }

    void ctrlEnterGeneratesWithPreviewsIntoGallery() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        ui::MainWindow w(&core);
        w.resize(1366, 768);
        showAndWait(w);
        QVERIFY(w.programPanel()->selectProgram("P3"));
        QCOMPARE(w.gallery()->list()->count(), 0);

        QSignalSpy saved(&w, &ui::MainWindow::imagesSaved);
        typePromptAndGenerate(w, "painting of singapore");
        QVERIFY(w.isBusy());
        QCOMPARE(core.requests.size(), 1);
        QCOMPARE(core.requests.first().prompt, QStringLiteral("painting of singapore"));
        QCOMPARE(core.requests.first().owner, QStringLiteral("gui"));
        QVERIFY(!core.requests.first().steps.has_value());  // no override: the program's

        QTRY_VERIFY(w.preview()->previewCount() >= 2);  // previews arrive step by step
        QVERIFY(w.preview()->statusText().contains(" of 20"));
        QTRY_VERIFY_WITH_TIMEOUT(saved.count() == 1, 10000);
        QCOMPARE(w.preview()->previewCount(), 20);
        const QStringList paths = saved.first().first().toStringList();
        QCOMPARE(paths.size(), 1);
        QVERIFY(QFileInfo(paths.first()).fileName().startsWith("P3_"));
        QVERIFY(QFileInfo(paths.first()).fileName().endsWith("_1001_1.png"));
        QCOMPARE(w.gallery()->list()->count(), 1);
        QCOMPARE(w.gallery()->selectedPath(), paths.first());
        QVERIFY(w.gallery()->metadataText().contains("painting of singapore"));
        pipeline::ImageMetadata md;
        QVERIFY(pipeline::readPngMetadata(paths.first(), &md));
        QCOMPARE(md.seed, 1001u);
        QVERIFY(!w.generateAction()->isEnabled() == false);
        // The prompt is in the history now, and survives a restart.
        QCOMPARE(ui::PromptHistory().entries().value(0), QStringLiteral("painting of singapore"));
    }

    void escCancelsMidRun() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        core.stepMs = 30;
        ui::MainWindow w(&core);
        showAndWait(w);
        typePromptAndGenerate(w, "a long job");
        QTRY_VERIFY(w.preview()->lastStep() >= 2);
        QTest::keyClick(w.promptEditor()->promptEdit(), Qt::Key_Escape);
        QTRY_VERIFY(!w.isBusy());
        QVERIFY(w.statusText().contains("Cancelled"));
        QVERIFY(w.preview()->lastStep() < 20);
        QVERIFY(w.generateAction()->isEnabled());
        QTest::qWait(100);
        QCOMPARE(w.gallery()->list()->count(), 0);  // nothing saved
    }

    void imageToImageStartsFromTheProgramsImageAndTakesAnother() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        ui::MainWindow w(&core);
        w.resize(1366, 768);
        showAndWait(w);
        QVERIFY(!w.initImagePanel()->isVisible());  // P0: text-to-image
        QVERIFY(w.programPanel()->selectProgram("P2"));
        QVERIFY(w.initImagePanel()->isVisible());
        // P2 starts from its own source image, shown as the program's.
        const QImage malaya(QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/data/assets/malaya.png"));
        QVERIFY(!malaya.isNull());
        QVERIFY(w.initImagePanel()->showsProgramImage());
        QCOMPARE(w.initImagePanel()->image().size(), malaya.size());
        QVERIFY(w.initImagePanel()
                    ->findChild<QLabel*>("initImageCaption")
                    ->text()
                    .contains("malaya.png"));
        // Generating with it sends no image: the service loads the program's own.
        typePromptAndGenerate(w, "the same street at night");
        QVERIFY(w.isBusy());
        QVERIFY2(w.errorText().isEmpty(), qPrintable(w.errorText()));
        QCOMPARE(core.requests.size(), 1);
        QVERIFY(core.requests.first().initImage.isNull());
        QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), 10000);

        // The curator may choose another; that one is sent, and stays across programs.
        QImage init(64, 48, QImage::Format_RGB888);
        init.fill(Qt::darkCyan);
        const QString initPath = out_.filePath("init.png");
        QVERIFY(init.save(initPath));
        QVERIFY(!w.initImagePanel()->loadFile(out_.filePath("missing.png")));
        QVERIFY(w.initImagePanel()->loadFile(initPath));
        QVERIFY(!w.initImagePanel()->showsProgramImage());
        QVERIFY(w.programPanel()->selectProgram("P2B"));
        QCOMPARE(w.initImagePanel()->path(), initPath);
        QTest::keyClick(w.promptEditor()->promptEdit(), Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(w.isBusy());
        QVERIFY(w.errorText().isEmpty());
        QCOMPARE(core.requests.size(), 2);
        QCOMPARE(core.requests.at(1).programId, QStringLiteral("P2B"));
        QCOMPARE(core.requests.at(1).initImage.size(), QSize(64, 48));
        QTRY_VERIFY_WITH_TIMEOUT(!w.isBusy(), 10000);
        QVERIFY(!w.preview()->canvas()->image().isNull());
        QVERIFY(w.initImagePanel()->isVisible());  // beside the result
        test::saveScreenshot(&w, "img2img");

        // Cleared, there is no image: the curator is told before anything runs.
        w.initImagePanel()->clear();
        typePromptAndGenerate(w, "the same street at night");
        QVERIFY(!w.isBusy());
        QVERIFY(w.errorText().contains("InvalidRequest"));
        QVERIFY(w.errorText().contains("init image"));
        QCOMPARE(core.requests.size(), 2);
        // Choosing the program again starts from its image again.
        QVERIFY(w.programPanel()->selectProgram("P0"));
        QVERIFY(w.programPanel()->selectProgram("P2"));
        QVERIFY(w.initImagePanel()->showsProgramImage());
    }

    // Without its assets a program is listed as unavailable, says where they were looked
    // for, and does not run; the others do.
    void programWithAMissingAssetIsShownUnavailable() {
        freshSettings();
        auto registry =
            pipeline::ProgramRegistry::fromJson(pipeline::ProgramRegistry::builtinJson());
        pipeline::AssetLocations nowhere;
        nowhere.folders = {out_.filePath("no-assets")};
        registry.setAssetLocations(nowhere);
        test::ScriptedGenerationCore core(registry);
        ui::MainWindow w(&core);
        showAndWait(w);
        QVERIFY(w.programPanel()->selectProgram("P3"));
        QListWidget* list = w.programPanel()->programList();
        QVERIFY(list->currentItem()->text().contains("unavailable"));
        QVERIFY(list->currentItem()->toolTip().contains("chuamiatee.safetensors not found"));
        QVERIFY(list->currentItem()->toolTip().contains(out_.filePath("no-assets")));
        QVERIFY(!list->item(0)->text().contains("unavailable"));  // P0
        // The program's details (the Models panel's view of it) say why, and where.
        QString details;
        for (const QLabel* l : w.programPanel()->findChildren<QLabel*>())
            if (l->accessibleName() == "Unavailable") details = l->text();
        QVERIFY2(details.contains("chuamiatee.safetensors not found (looked in"),
                 qPrintable(details));
        typePromptAndGenerate(w, "harbour");
        QVERIFY(!w.isBusy());
        QVERIFY2(w.errorText().contains("MissingAsset"), qPrintable(w.errorText()));
        QVERIFY(w.errorText().contains("chuamiatee.safetensors not found"));
        QCOMPARE(core.requests.size(), 0);
        // P2 has no source image to start from.
        QVERIFY(w.programPanel()->selectProgram("P2"));
        QVERIFY(w.initImagePanel()->image().isNull());
        QVERIFY(w.programPanel()->selectProgram("P0"));
        typePromptAndGenerate(w, "harbour");
        QTRY_VERIFY(!w.isBusy());
        QCOMPARE(core.requests.size(), 1);
    }

    void typedErrorIsShown() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        core.failWith = pipeline::Error{pipeline::ErrorCode::ModelLoad,
                                        "no unet/ in /models/sd15 (looked in the cache)"};
        ui::MainWindow w(&core);
        showAndWait(w);
        typePromptAndGenerate(w, "x");
        QTRY_VERIFY(!w.isBusy());
        QVERIFY(w.errorText().contains("ModelLoad"));
        QVERIFY(w.errorText().contains("could not be loaded"));
        QVERIFY(w.errorText().contains("no unet/"));
        QVERIFY(w.statusText().contains("ModelLoad"));
    }

    void overridesReachTheRequestAndReuseRestoresThem() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        ui::MainWindow w(&core);
        showAndWait(w);
        QVERIFY(w.programPanel()->selectProgram("P3"));
        w.programPanel()->setOverrides(777, 6, 4.5, QSize(128, 96));
        typePromptAndGenerate(w, "harbour cranes");
        QSignalSpy saved(&w, &ui::MainWindow::imagesSaved);
        QTRY_VERIFY_WITH_TIMEOUT(saved.count() == 1, 10000);
        const pipeline::JobRequest r = core.requests.first();
        QCOMPARE(r.seed.value_or(0), 777u);
        QCOMPARE(r.steps.value_or(0), 6);
        QCOMPARE(r.guidance.value_or(0), 4.5);
        QCOMPARE(r.size.value_or(QSize()), QSize(128, 96));

        // Back to the program's values, another prompt; then "use these settings again".
        w.programPanel()->clearOverrides();
        w.promptEditor()->setPrompt("something else");
        QVERIFY(w.programPanel()->selectProgram("P0"));
        w.gallery()->list()->setCurrentRow(0);
        auto* reuse = w.gallery()->findChild<QPushButton*>("reuseSettings");
        QVERIFY(reuse && reuse->isEnabled());
        QTest::mouseClick(reuse, Qt::LeftButton);
        QCOMPARE(w.programPanel()->currentProgramId(), QStringLiteral("P3"));
        QCOMPARE(w.promptEditor()->prompt(), QStringLiteral("harbour cranes"));
        QTest::keyClick(w.promptEditor()->promptEdit(), Qt::Key_Return, Qt::ControlModifier);
        QTRY_VERIFY_WITH_TIMEOUT(saved.count() == 2, 10000);
        const pipeline::JobRequest again = core.requests.at(1);
        QCOMPARE(again.seed.value_or(0), 777u);
        QCOMPARE(again.steps.value_or(0), 6);
        QCOMPARE(again.size.value_or(QSize()), QSize(128, 96));
        QCOMPARE(again.prompt, QStringLiteral("harbour cranes"));
    }

    void galleryShowsEarlierImagesAndDragsFiles() {
        freshSettings(QStringLiteral("earlier"));
        // An image from an earlier session, and one without metadata.
        pipeline::ImageMetadata md;
        md.programId = "P0";
        md.promptTyped = "an earlier dawn";
        md.seed = 5;
        md.width = 40;
        md.height = 30;
        md.timestamp = QDateTime::currentDateTimeUtc();
        QImage img(40, 30, QImage::Format_RGB888);
        img.fill(Qt::darkYellow);
        QDir().mkpath(out_.filePath("earlier"));
        const QString a = out_.filePath("earlier/P0_20260101-101010_5_1.png");
        QCOMPARE(pipeline::writePngWithMetadata(a, img, md), QString());
        QVERIFY(img.save(out_.filePath("earlier/plain.png")));

        test::ScriptedGenerationCore core(builtins());
        ui::MainWindow w(&core);
        showAndWait(w);
        QCOMPARE(w.gallery()->list()->count(), 2);
        QTRY_COMPARE(w.gallery()->pendingThumbnails(), 0);
        for (int i = 0; i < 2; ++i) {
            w.gallery()->list()->setCurrentRow(i);
            if (w.gallery()->selectedPath() == a) break;
        }
        QCOMPARE(w.gallery()->selectedPath(), a);
        QVERIFY(!w.gallery()->list()->currentItem()->icon().isNull());
        QVERIFY(w.gallery()->metadataText().contains("an earlier dawn"));
        const QMimeData* mime =
            w.gallery()->list()->model()->mimeData({w.gallery()->list()->currentIndex()});
        QVERIFY(mime);
        QCOMPARE(mime->urls().value(0).toLocalFile(), a);
        delete mime;
        w.gallery()->findChild<QPushButton*>("copyImage")->click();
        QCOMPARE(QApplication::clipboard()->image().size(), QSize(40, 30));
    }

    void settingPersistsAndAppliesWithoutRestart() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        ui::MainWindow w(&core);
        showAndWait(w);
        const int factoryCalls = core.factorySettingsCalls;

        // Through the dialog: change the preview interval, the output folder and a model
        // folder, press OK.
        // The dialog runs its own event loop: drive it from a timer, and make sure it closes
        // even when a check fails (a dialog left open would hang the test).
        QTimer::singleShot(20000, &w, [&w] {
            if (auto* d = w.findChild<ui::SettingsDialog*>()) d->reject();
        });
        QTimer::singleShot(50, &w, [this, &w] {
            auto* dialog = w.findChild<ui::SettingsDialog*>();
            QVERIFY(dialog);
            auto closeOnExit = qScopeGuard([dialog] {
                if (dialog->isVisible()) dialog->reject();
            });
            test::saveScreenshot(dialog, "settings");
            QVERIFY(test::controlsWithoutAccessibleName(dialog).isEmpty());
            dialog->findChild<QSpinBox*>("previewInterval")->setValue(400);
            dialog->findChild<QLineEdit*>("outputFolder")->setText(out_.filePath("moved"));
            auto* table = dialog->findChild<QTableWidget*>("explicitPaths");
            QVERIFY(table->rowCount() >= 2);
            table->item(0, 1)->setText(test::fixture("models/sd3-tiny-pipe"));
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        w.openSettings();
        QCOMPARE(core.service.previewIntervalMs, 400);  // applied now
        QCOMPARE(core.factory.locations.explicitPaths.value(
                     "stabilityai/stable-diffusion-3.5-large-turbo"),
                 test::fixture("models/sd3-tiny-pipe"));
        QCOMPARE(core.factorySettingsCalls, factoryCalls + 1);
        QCOMPARE(w.gallery()->folder(), out_.filePath("moved"));
        QCOMPARE(QSettings().value("engine/previewIntervalMs").toInt(), 400);
        QVERIFY(w.modelStatusText().contains("1 of 2"));

        // A new window (a restart) reads them back.
        ui::MainWindow again(&core);
        QCOMPARE(again.settings().service.previewIntervalMs, 400);
        QCOMPARE(again.settings().outputFolder, out_.filePath("moved"));
        QCOMPARE(core.service.previewIntervalMs, 400);
    }

    void tokenCountMarksTheTruncatedTail() {
        ARCHIVAL_REQUIRE_FIXTURES();
        freshSettings();
        ui::StudioSettings s = ui::StudioSettings::load();
        s.factory.locations.explicitPaths.insert("runwayml/stable-diffusion-v1-5",
                                                 test::fixture("models/sd15-tiny-pipe"));
        s.save();
        // An SD 1.5 program under the model's older id, with a template that adds nothing.
        auto registry = pipeline::ProgramRegistry::fromJson(
            pipeline::ProgramRegistry::builtinJson(),
            R"({"programs": {"S15": {"model": "runwayml/stable-diffusion-v1-5", "family": "sd15",
                "kind": "text-to-image", "steps": 20, "guidance": 7.5, "width": 512,
                "height": 512, "template": "{prompt}"}}})",
            "user.json");
        QVERIFY(registry.issues().isEmpty());
        test::ScriptedGenerationCore core(registry);
        ui::MainWindow w(&core);
        showAndWait(w);
        // The built-in P2 names the weights by their newer id: the same folder serves it.
        QVERIFY(w.programPanel()->selectProgram("P2"));
        QVERIFY2(w.promptEditor()->tokenText().contains("/ 75"),
                 qPrintable(w.promptEditor()->tokenText()));
        QVERIFY(w.programPanel()->selectProgram("S15"));
        w.promptEditor()->setPrompt("a red boat");
        QVERIFY2(w.promptEditor()->tokenText().startsWith("3 / 75"),
                 qPrintable(w.promptEditor()->tokenText()));
        QCOMPARE(w.promptEditor()->keptChars(), -1);
        QString longPrompt;
        for (int i = 0; i < 50; ++i) longPrompt += QStringLiteral("red boat ");
        w.promptEditor()->setPrompt(longPrompt.trimmed());
        QVERIFY(w.promptEditor()->tokenText().startsWith("100 / 75"));
        // 75 tokens = 37 "red boat" pairs and one more "red".
        // The mark starts at the first word the model does not see.
        QCOMPARE(w.promptEditor()->keptChars(), 37 * 9 + 4);
        QVERIFY(longPrompt.mid(w.promptEditor()->keptChars()).startsWith("boat"));
        QCOMPARE(w.promptEditor()->promptEdit()->extraSelections().size(), 1);
        // P0's model is not found: the editor says so instead of guessing.
        QVERIFY(w.programPanel()->selectProgram("P0"));
        QVERIFY(w.promptEditor()->tokenText().contains("unavailable"));
    }

    void historyIsSearchable() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        ui::MainWindow w(&core);
        showAndWait(w);
        for (const char* p : {"harbour at dawn", "city at night", "harbour cranes"})
            w.promptEditor()->remember(QString::fromLatin1(p));
        QCOMPARE(w.promptEditor()->historyList()->count(), 3);
        QTest::keyClicks(w.promptEditor()->historySearch(), "harbour");
        QCOMPARE(w.promptEditor()->historyList()->count(), 2);
        QCOMPARE(w.promptEditor()->historyList()->item(0)->text(),
                 QStringLiteral("harbour cranes"));
        w.promptEditor()->historyList()->setFocus();
        w.promptEditor()->historyList()->setCurrentRow(1);
        QTest::keyClick(w.promptEditor()->historyList(), Qt::Key_Return);
        QCOMPARE(w.promptEditor()->prompt(), QStringLiteral("harbour at dawn"));
        QCOMPARE(w.programPanel()->promptAsSent(),
                 QStringLiteral("harbour at dawn, photorealistic, high quality, detailed"));
    }

    void memoryPanelShowsStatsAndClearsCache() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        core.requests << pipeline::JobRequest{};  // pretend a model is loaded
        ui::MainWindow w(&core);
        showAndWait(w);
        w.memoryPanel()->refresh();
        QVERIFY(w.memoryPanel()->statsText().contains("812"));
        QCOMPARE(w.memoryPanel()->cachedList()->topLevelItemCount(), 1);
        w.memoryPanel()->clearButton()->click();
        QCOMPARE(core.clearCacheCalls, 1);
        QCOMPARE(w.memoryPanel()->cachedList()->topLevelItemCount(), 0);
    }

    void layoutIsRemembered() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        {
            ui::MainWindow w(&core);
            showAndWait(w);
            w.findChild<QDockWidget*>("memoryDock")->hide();
            w.close();
        }
        ui::MainWindow w(&core);
        showAndWait(w);
        QVERIFY(!w.findChild<QDockWidget*>("memoryDock")->isVisible());
        QVERIFY(w.findChild<QDockWidget*>("galleryDock")->isVisible());
    }

    void otherPanelsDockBesideTheGallery() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        {
            ui::MainWindow w(&core);
            showAndWait(w);
            auto* panel = new QLabel("batch queue");
            QDockWidget* d = w.addPanelDock(panel, "Batch", "batchDock");
            QCOMPARE(d->widget(), panel);
            QCOMPARE(w.dockWidgetArea(d), Qt::RightDockWidgetArea);
            QVERIFY2(w.tabifiedDockWidgets(d).contains(w.findChild<QDockWidget*>("galleryDock")),
                     qPrintable(QString::number(w.tabifiedDockWidgets(d).size())));
            w.removeDockWidget(d);
            w.addDockWidget(Qt::LeftDockWidgetArea, d);  // the curator moves it
            d->show();
            w.close();
        }
        ui::MainWindow w(&core);
        showAndWait(w);
        QDockWidget* d = w.addPanelDock(new QLabel("batch queue"), "Batch", "batchDock");
        QCOMPARE(w.dockWidgetArea(d), Qt::LeftDockWidgetArea);  // where it was left
    }

    void everyControlHasAnAccessibleName() {
        freshSettings();
        test::ScriptedGenerationCore core(builtins());
        ui::MainWindow w(&core);
        showAndWait(w);
        QVERIFY(w.programPanel()->selectProgram("P2"));  // the init image panel too
        QTest::qWait(20);
        const QStringList unnamed = test::controlsWithoutAccessibleName(&w);
        QVERIFY2(unnamed.isEmpty(), qPrintable(unnamed.join("\n")));
    }

    void germanTranslationLoadsAndIsUsed() {
        freshSettings();
        QTranslator german;
        QVERIFY(german.load(":/i18n/archival_studio_de.qm"));
        QVERIFY(QCoreApplication::installTranslator(&german));
        {
            test::ScriptedGenerationCore core(builtins());
            ui::MainWindow w(&core);
            w.resize(1366, 768);
            showAndWait(w);
            QCOMPARE(w.generateAction()->text(), QStringLiteral("&Erzeugen"));
            QVERIFY(w.findChild<QDockWidget*>("galleryDock")->windowTitle() == "Galerie");
            QVERIFY(w.programPanel()->selectProgram("P2"));
            QVERIFY(!test::saveScreenshot(&w, "idle-de").isEmpty());
        }
        QCoreApplication::removeTranslator(&german);
        // The language follows the system unless chosen; unknown ones fall back to English.
        QCOMPARE(ui::installTranslations(qApp, "fr"), QStringLiteral("en"));
    }

    void screenshotsOfTheMainStates() {
        freshSettings(QStringLiteral("shots"));
        test::ScriptedGenerationCore core(builtins());
        core.stepMs = 40;
        ui::MainWindow w(&core);
        w.resize(1366, 768);
        showAndWait(w);
        QVERIFY(w.programPanel()->selectProgram("P3"));
        QVERIFY(!test::saveScreenshot(&w, "idle").isEmpty());

        typePromptAndGenerate(w, "painting of singapore, evening light over the bay");
        QTRY_VERIFY(w.preview()->lastStep() >= 8);
        QVERIFY(!test::saveScreenshot(&w, "generating").isEmpty());
        QSignalSpy saved(&w, &ui::MainWindow::imagesSaved);
        QTRY_VERIFY_WITH_TIMEOUT(saved.count() == 1, 10000);
        typePromptAndGenerate(w, "harbour cranes at dawn");
        QTRY_VERIFY_WITH_TIMEOUT(saved.count() == 2, 10000);
        w.gallery()->list()->setCurrentRow(1);
        QVERIFY(!test::saveScreenshot(&w, "gallery").isEmpty());

        w.resize(3840, 2160);  // a 4K screen: Reset layout sizes the docks for it
        w.resetLayout();
        QTest::qWait(50);
        QVERIFY(w.findChild<QDockWidget*>("galleryDock")->width() > 600);
        QVERIFY(!test::saveScreenshot(&w, "4k").isEmpty());
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
