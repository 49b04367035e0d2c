// The archival-studio executable as a technician uses it: exit codes and output. Every run
// gets a throw-away HOME and XDG folders, so the user's own settings, programs file and
// model caches never change what is checked.
#include <QDeadlineTimer>
#include <QFileInfo>
#include <QProcess>
#include <QSysInfo>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

// The environment of a user who has never run the studio, living in `home`.
QProcessEnvironment isolatedEnv(const QTemporaryDir& home) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath("config"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), home.filePath("cache"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath("data"));
    env.insert(QStringLiteral("HF_HOME"), home.filePath("hf"));
    env.insert(QStringLiteral("HF_HUB_CACHE"), home.filePath("hub"));
    return env;
}

Run run(const QStringList& args, const QProcessEnvironment& env) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(ARCHIVAL_STUDIO_EXE), args);
    if (!p.waitForFinished(60000)) return {};
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir home_;

    Run run(const QStringList& args) { return ::run(args, isolatedEnv(home_)); }

  private Q_SLOTS:
    void initTestCase() { QVERIFY(home_.isValid()); }

    void version() {
        const Run r = run({"--version"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.startsWith("archival-studio " ARCHIVAL_VERSION));
    }

    void help() {
        const Run r = run({"--help"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("programs"));
    }

    void programsPrintsTheTable() {
        const Run r = run({"programs"});
        QCOMPARE(r.code, 0);
        for (const char* id : {"\nP0 ", "\nP2 ", "\nP2B ", "\nP3 ", "\nP3B ", "\nP4 "})
            QVERIFY2(r.out.contains(id), qPrintable(r.out));
        QVERIFY(r.out.contains("stable-diffusion-v1-5/stable-diffusion-v1-5"));
        // No assets were installed in this home: the programs that need them say so.
        QVERIFY2(r.out.contains("unavailable: P2: malaya.png not found (looked in "),
                 qPrintable(r.out));
        QVERIFY(r.out.contains("unavailable: P3: chuamiatee.safetensors not found"));
    }

    void programsReadsTheUserFile() {
        QTemporaryDir home;
        const auto env = isolatedEnv(home);
        const QString config = env.value(QStringLiteral("XDG_CONFIG_HOME"));
        QDir().mkpath(config + "/ArchivalStudio/archival-studio");
        QFile f(config + "/ArchivalStudio/archival-studio/programs.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"programs\": {\"P0\": {\"steps\": 500}}}");
        f.close();
        const Run r = ::run({"programs"}, env);
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("warning: ") && r.out.contains("program P0"), qPrintable(r.out));
    }

    void usageErrorsExitWithTwo() {
        Run r = run({"frobnicate"});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("unknown command 'frobnicate'"));
        r = run({"--no-such-option"});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("no-such-option"));
        r = run({"programs", "extra"});
        QCOMPARE(r.code, 2);
    }

    // One process per queue folder: while `serve` holds a queue, `batch` and a second `serve`
    // on it are refused with the holder named (pid, host, application) and exit 6 (Storage);
    // `batch --status` only reads and works beside it. Once the holder is killed (its lock
    // left behind), the next process takes the queue over.
    void secondProcessOnAQueueIsRefused() {
        QTemporaryDir queue;
        QVERIFY(queue.isValid());
        QProcess serve;
        serve.setProcessEnvironment(isolatedEnv(home_));
        serve.setProcessChannelMode(QProcess::MergedChannels);
        serve.start(QStringLiteral(ARCHIVAL_STUDIO_EXE),
                    {"serve", "--listen", "127.0.0.1:0", "--batch-queue", queue.path()});
        QVERIFY(serve.waitForStarted());
        QString serveLog;
        QDeadlineTimer deadline(60000);
        while (!serveLog.contains("listening on") && !deadline.hasExpired() &&
               serve.state() == QProcess::Running) {
            serve.waitForReadyRead(500);
            serveLog += QString::fromUtf8(serve.readAll());
        }
        QVERIFY2(serveLog.contains("listening on"), qPrintable(serveLog));
        const QString holder = QStringLiteral("process %1 ").arg(serve.processId());

        Run r = run({"batch", "--queue", queue.path(), "--cancel", "--action-id", "a"});
        QCOMPARE(r.code, 6);
        QVERIFY2(r.err.contains(holder) && r.err.contains("archival-studio") &&
                     r.err.contains(QSysInfo::machineHostName()) && r.err.contains("in use"),
                 qPrintable(r.err));
        r = run({"serve", "--listen", "127.0.0.1:0", "--batch-queue", queue.path()});
        QCOMPARE(r.code, 6);
        QVERIFY2(r.err.contains(holder), qPrintable(r.err));
        r = run({"batch", "--queue", queue.path(), "--status"});
        QVERIFY2(r.code == 0, qPrintable(r.err));

        serve.kill();
        QVERIFY(serve.waitForFinished());
        QVERIFY(QFileInfo::exists(queue.filePath("queue.lock")));
        r = run({"batch", "--queue", queue.path(), "--cancel", "--action-id", "a"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        // A holder that ends normally lets go: the next one is not refused either.
        r = run({"batch", "--queue", queue.path(), "--cancel", "--action-id", "a"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

    // More sets than the queue's caps take: a clear error naming the cap (exit 3, invalid
    // request), and nothing of the action written. A bad cap is a usage error.
    void batchRefusesSetsOverTheQueueCaps() {
        QTemporaryDir queue;
        auto env = isolatedEnv(home_);
        env.insert(QStringLiteral("ARCHIVAL_R2_SECRET"), QStringLiteral("secret"));
        const QStringList store{"--endpoint", "http://127.0.0.1:9", "--bucket",
                                "b",          "--access-key-id",    "k"};
        Run r =
            ::run(QStringList{"batch", "--queue", queue.path(), "--program", "P0", "--prompt", "x",
                              "--action-id", "act", "--sets", "5", "--limit", "max-queue-sets=2"} +
                      store,
                  env);
        QCOMPARE(r.code, 3);
        QVERIFY2(r.err.contains("max-queue-sets=2") && r.err.contains("5 sets"), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(queue.filePath("act")));
        r = ::run(QStringList{"batch", "--queue", queue.path(), "--status", "--limit",
                              "max-queue-sets=none"},
                  env);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("max-queue-sets"), qPrintable(r.err));
    }

    // A token anyone on the network could guess is a usage error, from either option; the
    // command stops before it listens.
    void serveRefusesTokensShorterThanSixteen() {
        Run r = run({"serve", "--listen", "127.0.0.1:0", "--token", "x"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("has 1 characters; it needs at least 16"), qPrintable(r.err));
        r = run({"serve", "--listen", "127.0.0.1:0", "--token", "fifteen-chars-x"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("has 15 characters"), qPrintable(r.err));

        QTemporaryDir dir;
        QFile file(dir.filePath("token"));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("  short-token  \n");
        file.close();
        r = run({"serve", "--listen", "127.0.0.1:0", "--token-file", file.fileName()});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("in " + file.fileName() + " has 11 characters"), qPrintable(r.err));
        QVERIFY2(!r.err.contains("short-token"), qPrintable(r.err));  // never echoed
    }

    // `serve` takes batch's R2 options: its help names them and where the secret comes from.
    // Given a destination it cannot use, it stops before listening and says why: an
    // incomplete one is a usage error, a missing secret exits 10 (as `batch` does); a key
    // template that names no set is a usage error.
    void serveTakesTheR2Options() {
        const Run help = run({"serve", "--help"});
        QCOMPARE(help.code, 0);
        for (const char* option :
             {"--endpoint", "--account-id", "--bucket", "--prefix", "--access-key-id",
              "--key-template", "--public-url", "ARCHIVAL_R2_SECRET", "/generate_single_set",
              "/generate_multiple_sets", "/memory_stats", "/clear_cache"})
            QVERIFY2(help.out.contains(option), option);
        QVERIFY2(run({"batch", "--help"}).out.contains("--upload-previews"), "batch --help");

        Run r = run({"serve", "--listen", "127.0.0.1:0", "--bucket", "b"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("an account id or endpoint") && r.err.contains("access key id"),
                 qPrintable(r.err));
        auto env = isolatedEnv(home_);
        env.remove(QStringLiteral("ARCHIVAL_R2_SECRET"));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
                   QStringLiteral("unix:path=/nonexistent/archival-no-bus"));
        env.insert(QStringLiteral("ARCHIVAL_NO_KEYCHAIN_BACKEND"), QStringLiteral("1"));
        r = ::run({"serve", "--listen", "127.0.0.1:0", "--endpoint", "http://127.0.0.1:9",
                   "--bucket", "b", "--access-key-id", "k"},
                  env);
        QCOMPARE(r.code, 10);
        QVERIFY2(r.err.contains("ARCHIVAL_R2_SECRET"), qPrintable(r.err));
        r = run({"serve", "--listen", "127.0.0.1:0", "--key-template", "{action}/{program}"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("{set}"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
