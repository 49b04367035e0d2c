// The R2 secret in a real Secret Service (gnome-keyring on a private D-Bus session, started
// by run_with_private_keyring.sh): written, read back, never in the settings files; and the
// "no keychain" path, which says so and takes ARCHIVAL_R2_SECRET for the run.
#include <QDirIterator>
#include <QSettings>
#include <QtTest>

#include "adapters/batch/r2_settings.h"
#include "adapters/batch/secret_store.h"

using archival::adapters::R2Settings;
using archival::adapters::SecretStore;

class TestSecretStore : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        QCoreApplication::setOrganizationName("ArchivalStudioTest");
        QCoreApplication::setApplicationName("secret-store-test");
        qunsetenv(SecretStore::kEnvironmentVariable);
    }

    void storesInTheKeychainOnly() {
        if (qEnvironmentVariableIsSet("ARCHIVAL_NO_KEYCHAIN_BACKEND"))
            QSKIP("this run checks the no-keychain path");
        const QString keyId = "AKIATEST0001";
        const QString secret = "s3cr3t/with+chars=";
        const auto written = SecretStore::writeNow(keyId, secret);
        QVERIFY2(written.ok, qPrintable(written.error));
        const auto read = SecretStore::readNow(keyId);
        QVERIFY2(read.ok, qPrintable(read.error));
        QCOMPARE(read.secret, secret);
        QCOMPARE(SecretStore::secretForRun(keyId).secret, secret);

        // The settings hold everything else and never the secret.
        {
            QSettings settings;
            R2Settings r2{"acct", {}, "bucket", "exhibit", keyId};
            r2.save(settings);
            settings.sync();
        }
        QDirIterator it(qEnvironmentVariable("HOME"), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            QFile f(it.next());
            if (f.fileName().contains("keyrings")) continue;  // the keyring's own (encrypted) file
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY2(!f.readAll().contains(secret.toUtf8()), qPrintable(f.fileName()));
        }
        QCOMPARE(R2Settings::load(QSettings()).accessKeyId, keyId);

        QVERIFY(SecretStore::removeNow(keyId).ok);
        const auto gone = SecretStore::readNow(keyId);
        QVERIFY(!gone.ok);
        QVERIFY(gone.notFound);
        const auto forRun = SecretStore::secretForRun(keyId);
        QVERIFY(!forRun.ok);
        QVERIFY2(forRun.error.contains("holds no secret"), qPrintable(forRun.error));
    }

    // No Secret Service on the bus: the error says so, and the environment variable works.
    void noKeychainSaysSoAndTakesTheEnvironment() {
        if (!qEnvironmentVariableIsSet("ARCHIVAL_NO_KEYCHAIN_BACKEND"))
            QSKIP("runs as the test_secret_store registration (no session bus)");
        const auto r = SecretStore::secretForRun("AKIATEST0002");
        QVERIFY(!r.ok);
        QVERIFY2(r.error.contains("no keychain is available"), qPrintable(r.error));
        QVERIFY(r.error.contains(SecretStore::kEnvironmentVariable));
        qputenv(SecretStore::kEnvironmentVariable, "from-env");
        const auto env = SecretStore::secretForRun("AKIATEST0002");
        QVERIFY(env.ok);
        QCOMPARE(env.secret, QStringLiteral("from-env"));
        qunsetenv(SecretStore::kEnvironmentVariable);
    }
};

QTEST_GUILESS_MAIN(TestSecretStore)
#include "test_secret_store.moc"
