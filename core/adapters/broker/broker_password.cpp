#include "adapters/broker/broker_password.h"

#include <QtGlobal>

#include "adapters/keychain/keychain.h"

namespace archival::adapters {

QString BrokerPassword::keychainKey(const RedisAddress& address) {
    return address.host + QLatin1Char(':') + QString::number(address.port);
}

RedisAddress BrokerPassword::resolve(RedisAddress address) {
    if (!address.password.isEmpty()) return address;
    if (qEnvironmentVariableIsSet(kEnvironmentVariable)) {
        address.password = qEnvironmentVariable(kEnvironmentVariable);
        return address;
    }
    // A headless worker usually has no keychain: a read that fails or finds nothing means
    // "no password"; a server that wants one answers NOAUTH, and that error says where to
    // put it.
    const Keychain::Result r =
        Keychain(QString::fromLatin1(kService)).readNow(keychainKey(address), 3000);
    if (r.ok) address.password = r.secret;
    return address;
}

}  // namespace archival::adapters
