#include "adapters/host/access_token.h"

#include <QByteArray>
#include <QRandomGenerator>

#include "adapters/keychain/keychain.h"

namespace archival::adapters::host {

namespace {

constexpr int kKeychainTimeoutMs = 5000;

const Keychain& keychain() {
    static const Keychain store(QStringLiteral("archival-studio"));
    return store;
}
const QString kKey = QStringLiteral("host-access-token");

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
    const Keychain::Result read = keychain().readNow(kKey, kKeychainTimeoutMs);
    if (read.ok && !read.secret.isEmpty()) {
        out.token = read.secret;
        out.stored = true;
        return out;
    }
    out.token = generateAccessToken();
    out.generated = true;
    out.stored = storeAccessToken(out.token, &out.keychainError);
    return out;
}

bool storeAccessToken(const QString& token, QString* error) {
    const Keychain::Result written = keychain().writeNow(kKey, token, kKeychainTimeoutMs);
    if (!written.ok && error) *error = written.error;
    return written.ok;
}

}  // namespace archival::adapters::host
