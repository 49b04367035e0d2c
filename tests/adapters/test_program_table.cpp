// The `programs` table: one aligned row per program, problems listed after it.
#include <QtTest>

#include "adapters/cli/program_table.h"

using archival::pipeline::ProgramRegistry;

class TestProgramTable : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void rendersEveryProgram() {
        const auto registry = ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
        const QStringList lines =
            archival::adapters::renderProgramTable(registry).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 5);
        QVERIFY(lines[0].startsWith("ID"));
        QVERIFY(lines[1].startsWith("P0 "));
        QVERIFY(lines[1].contains("stabilityai/stable-diffusion-3.5-large-turbo"));
        QVERIFY(lines[1].contains("1360×768"));
        QVERIFY(lines[1].contains("{prompt}, photorealistic, high quality, detailed"));
        QVERIFY(lines[2].contains("image-to-image (strength 0.75)"));
        QVERIFY(lines[3].contains("random: 512×512"));
        // Columns line up: the model column starts at the same place on every line.
        const int col = lines[0].indexOf("MODEL");
        for (int i = 1; i < lines.size(); ++i)
            QCOMPARE(lines[i].indexOf("stab") == col || lines[i].indexOf("runw") == col, true);
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
