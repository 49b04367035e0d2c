// The copy of Python's random (MT19937 seeded through init_by_array, choice by rejection)
// against the generator's published vectors and against Python itself.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "pipeline/program_registry.h"
#include "pipeline/python_random.h"
#include "test_support.h"

using archival::pipeline::Program;
using archival::pipeline::ProgramRegistry;
using archival::pipeline::PythonRandom;

class TestPythonRandom : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    // mt19937ar.out (Matsumoto & Nishimura): init_by_array({0x123, 0x234, 0x345, 0x456}),
    // the first ten and the last five of its 1000 genrand_int32 outputs.
    void referenceVectors() {
        PythonRandom mt({0x123, 0x234, 0x345, 0x456});
        const std::uint32_t first[] = {1067595299U, 955945823U,  477289528U,  4107218783U,
                                       4228976476U, 3344332714U, 3355579695U, 227628506U,
                                       810200273U,  2591290167U};
        for (std::uint32_t want : first) QCOMPARE(mt.next32(), want);
        for (int i = 10; i < 995; ++i) mt.next32();
        const std::uint32_t last[] = {2643151863U, 3896204135U, 2416995901U, 1397735321U,
                                      3460025646U};
        for (std::uint32_t want : last) QCOMPARE(mt.next32(), want);
    }

    // random.seed(n) is init_by_array with n's 32-bit words: the key above is the integer
    // 0x456_00000345_00000234_00000123 to Python; a 64-bit seed is two words.
    void seedIsTheIntegersWords() {
        PythonRandom fromWords({0x89abcdefU, 0x01234567U});
        PythonRandom fromInteger(Q_UINT64_C(0x0123456789abcdef));
        for (int i = 0; i < 700; ++i) QCOMPARE(fromInteger.next32(), fromWords.next32());
        PythonRandom zero(0), zeroWord(std::vector<std::uint32_t>{0});
        QCOMPARE(zero.next32(), zeroWord.next32());
    }

    // tests/data/python_random_choice.json, written by Python (make_python_random_table.py).
    void matchesPython() {
        QFile f(QStringLiteral(ARCHIVAL_SOURCE_DIR "/tests/data/python_random_choice.json"));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        const QJsonArray cases = QJsonDocument::fromJson(f.readAll())["cases"].toArray();
        QVERIFY(cases.size() >= 200);
        for (const QJsonValue c : cases) {
            bool ok = false;
            const quint64 seed = c["seed"].toString().toULongLong(&ok);
            QVERIFY(ok);
            QCOMPARE(PythonRandom(seed).next32(),
                     static_cast<std::uint32_t>(c["first32"].toDouble()));
            const QJsonArray choices = c["choice_1_to_7"].toArray();
            QCOMPARE(choices.size(), 7);
            for (int n = 1; n <= 7; ++n)
                QVERIFY2(PythonRandom(seed).below(n) == choices[n - 1].toInt(),
                         qPrintable(QStringLiteral("seed %1, choice of %2").arg(seed).arg(n)));
        }
    }

    // The page's four sizes: the seed's P3 with set ids 0–3 (random.seed(set_id) then
    // random.choice of [800×600, 600×800, 1024×576, 576×1024]).
    void seedP3SizesForSetIdsZeroToThree() {
        const auto r = ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
        for (const QString id : {"P3", "P3B"}) {
            const Program* p = r.find(id);
            QVERIFY(p);
            QCOMPARE(p->sizeFor(0, 99), QSize(576, 1024));
            QCOMPARE(p->sizeFor(1, 99), QSize(600, 800));
            QCOMPARE(p->sizeFor(2, 99), QSize(800, 600));
            QCOMPARE(p->sizeFor(3, 99), QSize(600, 800));
        }
    }

    // Without a set id the job's seed takes its place, through the same generator.
    void withoutASetIdTheSeedChooses() {
        const auto r = ProgramRegistry::fromJson(ProgramRegistry::builtinJson());
        const Program* p3 = r.find("P3");
        for (quint64 seed : {Q_UINT64_C(0), Q_UINT64_C(7), Q_UINT64_C(4294967295),
                             Q_UINT64_C(4294967296), Q_UINT64_C(123456789012)}) {
            QCOMPARE(p3->sizeFor(std::nullopt, seed),
                     p3->sizes.at(PythonRandom(seed).below(int(p3->sizes.size()))));
            QCOMPARE(p3->sizeFor(std::nullopt, seed), p3->sizeFor(qint64(seed), 5));
        }
        // A fixed size is the size whatever the set id.
        QCOMPARE(r.find("P0")->sizeFor(3, 12345), QSize(1360, 768));
    }
};

QTEST_GUILESS_MAIN(TestPythonRandom)
#include "test_python_random.moc"
