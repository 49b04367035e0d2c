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

}  // namespace archival::test

#define ARCHIVAL_REQUIRE_FIXTURES()                                                             \
    do {                                                                                        \
        if (!QDir(archival::test::fixturesDir()).exists())                                      \
            QFAIL(qPrintable(QStringLiteral("fixtures not found at %1 (set ARCHIVAL_FIXTURES)") \
                                 .arg(archival::test::fixturesDir())));                         \
    } while (0)
