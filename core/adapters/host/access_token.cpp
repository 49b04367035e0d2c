#include "adapters/host/access_token.h"

#include <qt6keychain/keychain.h>
#include <QByteArray>
#include <QEventLoop>
#include <QRandomGenerator>
#include <QTimer>
#include <memory>

namespace archival::adapters::host {

namespace {

const QString kService = QStringLiteral("archival-studio");
const QString kKey = QStringLiteral("host-access-token");
constexpr int kKeychainTimeoutMs = 5000;

// Runs a keychain job (which deletes itself when done, even after we stopped waiting) and
// returns its text; false (with the message) on an error or a timeout.
bool runJob(QKeychain::Job* job, QString* text, QString* error) {
    struct Outcome {
        bool done = false;
        bool ok = false;
        QString text, error;
    };
    auto outcome = std::make_shared<Outcome>();
    QEventLoop loop;
    QObject::connect(job, &QKeychain::Job::finished, &loop, [outcome, &loop](QKeychain::Job* j) {
        outcome->done = true;
        outcome->ok = j->error() == QKeychain::NoError;
        outcome->error = j->errorString();
        if (auto* read = qobject_cast<QKeychain::ReadPasswordJob*>(j))
            outcome->text = read->textData();
        loop.quit();
    });
    QTimer::singleShot(kKeychainTimeoutMs, &loop, &QEventLoop::quit);
    job->setAutoDelete(true);
    job->start();
    if (!outcome->done) loop.exec();
    if (!outcome->done) {
        *error =
            QStringLiteral("the keychain did not answer in %1 s").arg(kKeychainTimeoutMs / 1000);
        return false;
    }
    if (!outcome->ok) {
        *error = outcome->error;
        return false;
    }
    if (text) *text = outcome->text;
    return true;
}

}  // namespace

QString generateAccessToken() {
    QByteArray bytes(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(bytes.data()),
                                          bytes.size() / int(sizeof(quint32)));
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

bool tokensEqual(const QString& presented, const QString& expected) {
    const QByteArray a = presented.toUtf8(), b = expected.toUtf8();
    if (b.isEmpty()) return false;
    unsigned diff = unsigned(a.size() ^ b.size());
    for (qsizetype i = 0; i < b.size(); ++i)
        diff |= unsigned(uchar(b.at(i)) ^ uchar(i < a.size() ? a.at(i) : 0));
    return diff == 0;
}

StoredToken loadOrCreateAccessToken() {
    StoredToken out;
    auto* read = new QKeychain::ReadPasswordJob(kService);
    read->setKey(kKey);
    QString text, error;
    if (runJob(read, &text, &error) && !text.isEmpty()) {
        out.token = text;
        out.stored = true;
        return out;
    }
    out.token = generateAccessToken();
    out.generated = true;
    out.stored = storeAccessToken(out.token, &out.keychainError);
    return out;
}

bool storeAccessToken(const QString& token, QString* error) {
    auto* write = new QKeychain::WritePasswordJob(kService);
    write->setKey(kKey);
    write->setTextData(token);
    return runJob(write, nullptr, error);
}

}  // namespace archival::adapters::host
