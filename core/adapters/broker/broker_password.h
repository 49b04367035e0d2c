#pragma once
// The broker's password for a run: the URL's when it has one, else ARCHIVAL_BROKER_PASSWORD,
// else the OS keychain (adapters/keychain, service "archival-studio-broker", keyed by
// "HOST:PORT"), else none (a Redis without AUTH). Never logged, never in settings files.

#include <QString>

#include "adapters/broker/redis_address.h"

namespace archival::adapters {

struct BrokerPassword {
    static constexpr const char* kService = "archival-studio-broker";
    static constexpr const char* kEnvironmentVariable = "ARCHIVAL_BROKER_PASSWORD";

    // The keychain's key for an address: "HOST:PORT".
    static QString keychainKey(const RedisAddress& address);
    // `address` with its password filled in as above (a blocking keychain read, bounded).
    static RedisAddress resolve(RedisAddress address);
};

}  // namespace archival::adapters
