#include "adapters/batch/secret_store.h"

namespace archival::adapters {

namespace {

const Keychain& keychain() {
    static const Keychain store(QString::fromLatin1(SecretStore::kService));
    return store;
}

}  // namespace

void SecretStore::read(const QString& accessKeyId, Callback done) {
    keychain().read(accessKeyId, std::move(done));
}

void SecretStore::write(const QString& accessKeyId, const QString& secret, Callback done) {
    keychain().write(accessKeyId, secret, std::move(done));
}

void SecretStore::remove(const QString& accessKeyId, Callback done) {
    keychain().remove(accessKeyId, std::move(done));
}

SecretStore::Result SecretStore::readNow(const QString& accessKeyId) {
    return keychain().readNow(accessKeyId);
}

SecretStore::Result SecretStore::writeNow(const QString& accessKeyId, const QString& secret) {
    return keychain().writeNow(accessKeyId, secret);
}

SecretStore::Result SecretStore::removeNow(const QString& accessKeyId) {
    return keychain().removeNow(accessKeyId);
}

SecretStore::Result SecretStore::secretForRun(const QString& accessKeyId) {
    const QByteArray env = qgetenv(kEnvironmentVariable);
    if (!env.isEmpty()) return {true, false, QString::fromUtf8(env), {}};
    Result r = readNow(accessKeyId);
    if (r.ok && r.secret.isEmpty()) {
        r.ok = false;
        r.notFound = true;
    }
    if (r.ok) return r;
    r.error = r.notFound ? QStringLiteral(
                               "the keychain holds no secret for access key id '%1': save it "
                               "in the studio's R2 settings, or set %2 for this run")
                               .arg(accessKeyId, QString::fromLatin1(kEnvironmentVariable))
                         : QStringLiteral(
                               "no keychain is available (%1): set %2 to give the secret "
                               "for this run")
                               .arg(r.error, QString::fromLatin1(kEnvironmentVariable));
    return r;
}

}  // namespace archival::adapters
