#include "adapters/batch/secret_store.h"

#include <qt6keychain/keychain.h>
#include <QEventLoop>

namespace archival::adapters {

namespace {

template <typename JobType>
JobType* makeJob(const QString& accessKeyId) {
    auto* job = new JobType(QString::fromLatin1(SecretStore::kService));
    job->setAutoDelete(true);
    job->setKey(accessKeyId);
    job->setInsecureFallback(false);  // never a plain-text file instead of a keychain
    return job;
}

SecretStore::Result resultOf(const QKeychain::Job& job) {
    SecretStore::Result r;
    r.ok = job.error() == QKeychain::NoError;
    r.notFound = job.error() == QKeychain::EntryNotFound;
    if (!r.ok) r.error = job.errorString();
    return r;
}

SecretStore::Result wait(const std::function<void(SecretStore::Callback)>& start) {
    SecretStore::Result out;
    QEventLoop loop;
    start([&](const SecretStore::Result& r) {
        out = r;
        loop.quit();
    });
    loop.exec();
    return out;
}

}  // namespace

void SecretStore::read(const QString& accessKeyId, Callback done) {
    auto* job = makeJob<QKeychain::ReadPasswordJob>(accessKeyId);
    QObject::connect(job, &QKeychain::Job::finished, [done](QKeychain::Job* j) {
        Result r = resultOf(*j);
        if (r.ok) r.secret = static_cast<QKeychain::ReadPasswordJob*>(j)->textData();
        done(r);
    });
    job->start();
}

void SecretStore::write(const QString& accessKeyId, const QString& secret, Callback done) {
    auto* job = makeJob<QKeychain::WritePasswordJob>(accessKeyId);
    job->setTextData(secret);
    QObject::connect(job, &QKeychain::Job::finished,
                     [done](QKeychain::Job* j) { done(resultOf(*j)); });
    job->start();
}

void SecretStore::remove(const QString& accessKeyId, Callback done) {
    auto* job = makeJob<QKeychain::DeletePasswordJob>(accessKeyId);
    QObject::connect(job, &QKeychain::Job::finished,
                     [done](QKeychain::Job* j) { done(resultOf(*j)); });
    job->start();
}

SecretStore::Result SecretStore::readNow(const QString& accessKeyId) {
    return wait([&](Callback done) { read(accessKeyId, std::move(done)); });
}

SecretStore::Result SecretStore::writeNow(const QString& accessKeyId, const QString& secret) {
    return wait([&](Callback done) { write(accessKeyId, secret, std::move(done)); });
}

SecretStore::Result SecretStore::removeNow(const QString& accessKeyId) {
    return wait([&](Callback done) { remove(accessKeyId, std::move(done)); });
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
