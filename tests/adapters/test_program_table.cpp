// The `programs` table: one aligned row per program, problems listed after it.
#include <QDir>
#include <QStandardPaths>
#include <QtTest>

#include "adapters/cli/program_table.h"
#include "pipeline/asset_resolver.h"

using archival::pipeline::ProgramRegistry;

class TestProgramTable : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void rendersEveryProgram() {
        QStandardPaths::setTestModeEnabled(true);  // no assets in the data folder
        QDir(archival::pipeline::AssetLocations::dataFolder()).removeRecursively();
        const auto registry = ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
        const QStringList lines =
            archival::adapters::renderProgramTable(registry).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 7 + 4);  // header, six programs, four unavailable
        QVERIFY(lines[0].startsWith("ID"));
        QVERIFY(lines[1].startsWith("P0 "));
        QVERIFY(lines[1].contains("stabilityai/stable-diffusion-3.5-large-turbo"));
        QVERIFY(lines[1].contains("1360×768"));
        QVERIFY(lines[1].contains("{prompt}, photorealistic, high quality, detailed"));
        QVERIFY(lines[2].startsWith("P2 "));
        QVERIFY(lines[2].contains("image-to-image (strength 0.8)"));
        QVERIFY(lines[3].startsWith("P2B "));
        QVERIFY(lines[4].startsWith("P3 "));
        QVERIFY(lines[4].contains("random: 800×600, 600×800, 1024×576, 576×1024"));
        QVERIFY(lines[6].startsWith("P4 "));
        // Columns line up: the model column starts at the same place on every program line.
        const int col = lines[0].indexOf("MODEL");
        for (int i = 1; i <= 6; ++i) QCOMPARE(lines[i].indexOf("stab") == col, true);
        // The programs whose assets are missing say so, and where they were looked for.
        QVERIFY2(lines[7].startsWith("unavailable: P2: malaya.png not found (looked in "),
                 qPrintable(lines[7]));
        QVERIFY(lines[7].contains(archival::pipeline::AssetLocations::dataFolder()));
        QVERIFY(lines[8].startsWith("unavailable: P2B: malaya.png not found"));
        QVERIFY(lines[9].startsWith("unavailable: P3: chuamiatee.safetensors not found"));
        QVERIFY(lines[10].startsWith("unavailable: P3B: chuamiatee.safetensors not found"));
    }

    void listsProblems() {
        const auto registry =
            ProgramRegistry::fromJson(ProgramRegistry::builtinJson(), "{oops", "mine.json");
        const QString text = archival::adapters::renderProgramTable(registry);
        QVERIFY(text.contains("warning: mine.json: not valid JSON"));
    }
};

QTEST_GUILESS_MAIN(TestProgramTable)
#include "test_program_table.moc"
