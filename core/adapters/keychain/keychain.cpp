#include "adapters/keychain/keychain.h"

#include <qt6keychain/keychain.h>
#include <QEventLoop>
#include <QPointer>
#include <QTimer>
#include <memory>

namespace archival::adapters {

namespace {

template <typename JobType>
JobType* makeJob(const QString& service, const QString& key) {
    auto* job = new JobType(service);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setInsecureFallback(false);  // never a plain-text file instead of a keychain
    return job;
}

Keychain::Result resultOf(const QKeychain::Job& job) {
    Keychain::Result r;
    r.ok = job.error() == QKeychain::NoError;
    r.notFound = job.error() == QKeychain::EntryNotFound;
    if (!r.ok) r.error = job.errorString();
    if (const auto* read = qobject_cast<const QKeychain::ReadPasswordJob*>(&job); read && r.ok)
        r.secret = read->textData();
    return r;
}

void startJob(QKeychain::Job* job, Keychain::Callback done) {
    QObject::connect(job, &QKeychain::Job::finished,
                     [done = std::move(done)](QKeychain::Job* j) { done(resultOf(*j)); });
    job->start();
}

// Runs `start` and waits in a local event loop for its answer, or for `timeoutMs`. The
// answer may come after a timeout (the job deletes itself then): it lands in shared state.
Keychain::Result wait(const std::function<void(Keychain::Callback)>& start, int timeoutMs) {
    struct Outcome {
        bool done = false;
        Keychain::Result result;
        QPointer<QEventLoop> loop;
    };
    auto outcome = std::make_shared<Outcome>();
    QEventLoop loop;
    outcome->loop = &loop;
    start([outcome](const Keychain::Result& r) {
        outcome->done = true;
        outcome->result = r;
        if (outcome->loop) outcome->loop->quit();
    });
    if (timeoutMs > 0) QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!outcome->done) loop.exec();
    if (outcome->done) return outcome->result;
    Keychain::Result late;
    late.error = QStringLiteral("the keychain did not answer in %1 s").arg(timeoutMs / 1000);
    return late;
}

}  // namespace

void Keychain::read(const QString& key, Callback done) const {
    startJob(makeJob<QKeychain::ReadPasswordJob>(service_, key), std::move(done));
}

void Keychain::write(const QString& key, const QString& secret, Callback done) const {
    auto* job = makeJob<QKeychain::WritePasswordJob>(service_, key);
    job->setTextData(secret);
    startJob(job, std::move(done));
}

void Keychain::remove(const QString& key, Callback done) const {
    startJob(makeJob<QKeychain::DeletePasswordJob>(service_, key), std::move(done));
}

Keychain::Result Keychain::readNow(const QString& key, int timeoutMs) const {
    return wait([&](Callback done) { read(key, std::move(done)); }, timeoutMs);
}

Keychain::Result Keychain::writeNow(const QString& key, const QString& secret,
                                    int timeoutMs) const {
    return wait([&](Callback done) { write(key, secret, std::move(done)); }, timeoutMs);
}

Keychain::Result Keychain::removeNow(const QString& key, int timeoutMs) const {
    return wait([&](Callback done) { remove(key, std::move(done)); }, timeoutMs);
}

}  // namespace archival::adapters
