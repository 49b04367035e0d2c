#pragma once
// Helpers shared by the tests: where the fixtures are, and small file utilities.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>
#include <QtTest>

namespace archival::test {

// $ARCHIVAL_FIXTURES, else ../shared/fixtures beside the checkout. Tests that need
// fixtures fail (not skip) when the folder is missing: a silent skip would hide it.
inline QString fixturesDir() {
    const QByteArray env = qgetenv("ARCHIVAL_FIXTURES");
    const QString dir = env.isEmpty() ? QStringLiteral(ARCHIVAL_SOURCE_DIR "/../shared/fixtures")
                                      : QString::fromLocal8Bit(env);
    return QDir(dir).absolutePath();
}

// A path inside the fixtures folder.
inline QString fixture(const QString& relative) {
    return fixturesDir() + QLatin1Char('/') + relative;
}

inline bool writeFile(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
    return f.write(bytes) == bytes.size();
}

// Data-driven tests whose rows come from the fixtures. An empty table would make QFETCH
// abort the whole executable (or, without QFETCH, pass having checked nothing), so a data
// function that found no rows adds one row tagged "nothing found: <what was looked for>" and
// the test function starts with ARCHIVAL_FAIL_ON_EMPTY_TABLE(), which fails on that row.
inline constexpr char kNothingFoundTag[] = "nothing found: ";

inline void addRowIfNothingFound(int rows, const QString& lookedFor) {
    if (rows == 0) QTest::newRow(qPrintable(QLatin1String(kNothingFoundTag) + lookedFor));
}

}  // namespace archival::test

#define ARCHIVAL_FAIL_ON_EMPTY_TABLE()                                                  \
    do {                                                                                \
        const QByteArray tag_ = QTest::currentDataTag();                                \
        if (tag_.startsWith(archival::test::kNothingFoundTag)) QFAIL(tag_.constData()); \
    } while (0)

#define ARCHIVAL_REQUIRE_FIXTURES()                                                             \
    do {                                                                                        \
        if (!QDir(archival::test::fixturesDir()).exists())                                      \
            QFAIL(qPrintable(QStringLiteral("fixtures not found at %1 (set ARCHIVAL_FIXTURES)") \
                                 .arg(archival::test::fixturesDir())));                         \
    } while (0)
