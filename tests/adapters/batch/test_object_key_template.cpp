// Key templates: the reference's layout (the default), the studio's earlier one, custom
// templates with zero-padded set ids, and the templates refused before anything is queued.
#include <QtTest>

#include "adapters/batch/object_key_template.h"

using archival::adapters::ObjectKeyTemplate;

class TestObjectKeyTemplate : public QObject {
    Q_OBJECT

  private Q_SLOTS:
    void expandsTheNamedLayouts() {
        const QString seed = ObjectKeyTemplate::resolve(QString());
        QCOMPARE(seed, ObjectKeyTemplate::seed());
        QCOMPARE(ObjectKeyTemplate::resolve("seed"), seed);
        QCOMPARE(ObjectKeyTemplate::expand(seed, {"", "transcript_002", "P3", 0}),
                 QStringLiteral("actions/transcript_002/sets/0"));
        QCOMPARE(ObjectKeyTemplate::expand(seed, {"exhibit/2026", "a", "P3", 12}),
                 QStringLiteral("exhibit/2026/actions/a/sets/12"));
        const QString studio = ObjectKeyTemplate::resolve("studio");
        QCOMPARE(ObjectKeyTemplate::expand(studio, {"", "a", "P0", 7}),
                 QStringLiteral("a/P0/set_007"));
        QCOMPARE(ObjectKeyTemplate::expand(studio, {"p/", "a", "P0", 1234}),
                 QStringLiteral("p/a/P0/set_1234"));
        QVERIFY(!ObjectKeyTemplate::namesProgram(seed));
        QVERIFY(ObjectKeyTemplate::namesProgram(studio));
        QVERIFY(ObjectKeyTemplate::problem(seed).isEmpty());
        QVERIFY(ObjectKeyTemplate::problem(studio).isEmpty());
    }

    void expandsCustomTemplates() {
        // The replay player's shape: <root>/<version>/cues/<cue>/<variant>/.
        const QString replay = QStringLiteral("replay/v2/cues/{action}/{set:02}/");
        QVERIFY(ObjectKeyTemplate::problem(replay).isEmpty());
        QCOMPARE(ObjectKeyTemplate::expand(replay, {"", "cue7", "P0", 3}),
                 QStringLiteral("replay/v2/cues/cue7/03"));
    }

    void refusesUnusableTemplates() {
        const std::pair<QString, QString> cases[] = {
            {"", "empty"},
            {"{prefix}/{action}", "{set}"},
            {"{prefix}/sets/{set}", "{action}"},
            {"{action}/{sets}", "unknown field {sets}"},
            {"{action:03}/{set}", "only {set}"},
            {"{action}/../{set}", "\"..\" segment"},
            {"{action}/{set} x", "character"},
            {"{action}/{set}$", "character"},
        };
        for (const auto& [text, reason] : cases) {
            const QString why = ObjectKeyTemplate::problem(text);
            QVERIFY2(why.contains(reason), qPrintable(text + " -> " + why));
        }
    }
};

QTEST_GUILESS_MAIN(TestObjectKeyTemplate)
#include "test_object_key_template.moc"
