#include "broker_options.h"

#include <algorithm>

#include "adapters/broker/broker_password.h"

namespace archival::app {

using namespace archival::adapters;

int exitCodeForBrokerError(const BrokerError& error) {
    return error.kind == BrokerError::Kind::Auth ? kBrokerAuth : kBrokerUnreachable;
}

std::variant<std::unique_ptr<RedisConnection>, BrokerProblem> connectBroker(const QString& url,
                                                                            bool reconnect,
                                                                            int timeoutMs) {
    auto parsed = RedisAddress::parse(url);
    if (const auto* problem = std::get_if<QString>(&parsed)) return BrokerProblem{*problem, 2};
    const RedisAddress address = BrokerPassword::resolve(std::get<RedisAddress>(parsed));
    auto connection = std::make_unique<RedisConnection>(address);
    // A command with no answer in this time means a broker that is gone (blocking reads wait
    // one second at most).
    connection->setReplyTimeoutMs(std::max(timeoutMs, 5000));
    if (const auto error = connection->openNow(timeoutMs))
        return BrokerProblem{error->message, exitCodeForBrokerError(*error)};
    connection->setReconnect(reconnect);
    return std::move(connection);
}

}  // namespace archival::app
