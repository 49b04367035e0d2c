#pragma once
// The broker's URL on the command line (`worker`, `batch --broker`, `serve --broker`): the
// address read, its password found (URL, ARCHIVAL_BROKER_PASSWORD or the keychain) and the
// first connection made, or the exit code that says why not.

#include <QString>
#include <memory>
#include <variant>

#include "adapters/broker/redis_connection.h"

namespace archival::app {

// Exit codes beside the shared ones (adapters/cli/exit_codes.h).
constexpr int kBrokerUnreachable = 11;  // refused, dropped, TLS, not Redis
constexpr int kBrokerAuth = 12;         // the broker refused the password (or wants one)

struct BrokerProblem {
    QString message;
    int exitCode = 2;
};

// Connected (ready) within `timeoutMs`; with `reconnect` the connection comes back by itself
// after a drop (a worker), else a drop fails what is in flight (a one-shot command).
std::variant<std::unique_ptr<adapters::RedisConnection>, BrokerProblem> connectBroker(
    const QString& url, bool reconnect, int timeoutMs = 10000);

int exitCodeForBrokerError(const adapters::BrokerError& error);

}  // namespace archival::app
