#include "adapters/broker/set_stream.h"

#include <QDateTime>

namespace archival::adapters {

namespace {

// KEYS: stream, set hash, index. ARGV: the job's fields.
const QByteArray kEnqueue = R"lua(
if redis.call('EXISTS', KEYS[2]) == 1 then return false end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV))
redis.call('HSET', KEYS[2], 'state', 'pending', 'entry', id, 'worker', '', 'error_code', '',
           'reason', '', unpack(ARGV))
redis.call('SADD', KEYS[3], KEYS[2])
return id
)lua";

// KEYS: stream, index, one hash per job. ARGV: per job its field count, then its fields.
// All or nothing: a known set refuses the whole request before anything is written.
const QByteArray kEnqueueAll = R"lua(
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return {0, KEYS[i]} end
end
local out = {1}
local a = 1
for i = 3, #KEYS do
  local n = tonumber(ARGV[a])
  local fields = {}
  for j = 1, n do fields[j] = ARGV[a + j] end
  a = a + n + 1
  local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
  redis.call('HSET', KEYS[i], 'state', 'pending', 'entry', id, 'worker', '', 'error_code', '',
             'reason', '', unpack(fields))
  redis.call('SADD', KEYS[2], KEYS[i])
  out[#out + 1] = id
end
return out
)lua";

// KEYS: index.
const QByteArray kReadAll = R"lua(
local out = {}
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local hash = redis.call('HGETALL', key)
  if #hash > 0 then out[#out + 1] = hash end
end
return out
)lua";

// KEYS: stream, set hash. ARGV: updated, then the job's field names.
const QByteArray kRequeueFailed = R"lua(
if redis.call('HGET', KEYS[2], 'state') ~= 'failed' then return false end
local fields = {}
for i = 2, #ARGV do
  local value = redis.call('HGET', KEYS[2], ARGV[i])
  if value then
    fields[#fields + 1] = ARGV[i]
    fields[#fields + 1] = value
  end
end
local id = redis.call('XADD', KEYS[1], '*', unpack(fields))
redis.call('HSET', KEYS[2], 'state', 'pending', 'entry', id, 'worker', '', 'error_code', '',
           'reason', '', 'step', '', 'total', '', 'updated', ARGV[1])
redis.call('HDEL', KEYS[2], 'record')
return id
)lua";

// KEYS: set hashes.
const QByteArray kReadSome = R"lua(
local out = {}
for _, key in ipairs(KEYS) do
  local hash = redis.call('HGETALL', key)
  if #hash > 0 then out[#out + 1] = hash end
end
return out
)lua";

// KEYS: stream. ARGV: group, consumer, id.
const QByteArray kKeepLease = R"lua(
local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #held == 0 then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
)lua";

// KEYS: stream, set hash. ARGV: group, consumer, id, lease ms, updated.
const QByteArray kRelease = R"lua(
local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #held == 0 then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'JUSTID')
if redis.call('HGET', KEYS[2], 'state') ~= 'uploaded' then
  redis.call('HSET', KEYS[2], 'state', 'pending', 'worker', '', 'updated', ARGV[5],
             'reason', 'released by ' .. ARGV[2])
end
return 1
)lua";

// KEYS: set hash. ARGV: fields.
const QByteArray kReport = R"lua(
if redis.call('HGET', KEYS[1], 'state') == 'uploaded' then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
)lua";

// KEYS: stream, set hash. ARGV: group, consumer, id, owner only (1/0), fields.
const QByteArray kFinish = R"lua(
if ARGV[4] == '1' then
  local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
  if #held == 0 then return 0 end
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
if redis.call('HGET', KEYS[2], 'state') ~= 'uploaded' then
  redis.call('HSET', KEYS[2], unpack(ARGV, 5))
end
return 1
)lua";

// KEYS: stream, set hash. ARGV: group, consumer, id, most deliveries, updated. The hash's
// worker is still the one before this consumer (it reports "claimed" after this check).
const QByteArray kCheckDeliveries = R"lua(
local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if #held == 0 then return {0} end
local count = held[1][4]
if count <= tonumber(ARGV[4]) then return {0} end
local last = redis.call('HGET', KEYS[2], 'worker')
if not last or last == '' then last = 'none' end
local reason = 'delivered ' .. count .. ' times; last worker ' .. last
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
if redis.call('HGET', KEYS[2], 'state') ~= 'uploaded' then
  redis.call('HSET', KEYS[2], 'state', 'failed', 'error_code', 'TooManyDeliveries', 'reason',
             reason, 'step', '', 'total', '', 'updated', ARGV[5])
end
return {1, reason}
)lua";

QByteArray now() {
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toUtf8();
}

std::optional<StreamEntry> entryFrom(const RedisReply& entry) {
    if (entry.type != RedisReply::Type::Array || entry.elements.isEmpty()) return std::nullopt;
    StreamEntry out;
    out.id = entry.elements[0].text;
    if (entry.elements.size() > 1) {
        const auto& values = entry.elements[1].elements;
        for (int i = 0; i + 1 < values.size(); i += 2)
            out.fields.insert(values[i].text, values[i + 1].text);
    }
    return out;
}

}  // namespace

QByteArray SetStream::setHash(const QString& setKey) {
    return QByteArray(kSetPrefix) + setKey.toUtf8();
}

QList<QByteArray> SetStream::createGroup() {
    return {"XGROUP", "CREATE", kStream, kGroup, "0", "MKSTREAM"};
}

bool SetStream::groupExists(const RedisReply& error) {
    return error.text.startsWith("BUSYGROUP");
}

QList<QByteArray> SetStream::enqueue(const BrokerSetJob& job) {
    return QList<QByteArray>{"EVAL", kEnqueue, "3", kStream, setHash(job.key()), kIndex} +
           job.toFields();
}

QList<QByteArray> SetStream::enqueueAll(const QList<BrokerSetJob>& jobs) {
    QList<QByteArray> keys{kStream, kIndex};
    QList<QByteArray> args;
    for (const BrokerSetJob& job : jobs) {
        keys << setHash(job.key());
        const QList<QByteArray> fields = job.toFields();
        args << QByteArray::number(fields.size()) << fields;
    }
    return QList<QByteArray>{"EVAL", kEnqueueAll, QByteArray::number(keys.size())} + keys + args;
}

QList<QByteArray> SetStream::requeueFailed(const QString& setKey) {
    QList<QByteArray> command{"EVAL", kRequeueFailed, "2", kStream, setHash(setKey), now()};
    // The names a job's entry has (every other element of its fields).
    const QList<QByteArray> fields = BrokerSetJob().toFields();
    for (int i = 0; i < fields.size(); i += 2) command << fields[i];
    return command;
}

QList<QByteArray> SetStream::readOwn(const QString& consumer) {
    return {"XREADGROUP", "GROUP", kGroup, consumer.toUtf8(), "COUNT", "1",
            "STREAMS",    kStream, "0"};
}

QList<QByteArray> SetStream::claimStale(const QString& consumer, int leaseMs) {
    return {"XAUTOCLAIM", kStream, kGroup, consumer.toUtf8(), QByteArray::number(leaseMs),
            "0-0",        "COUNT", "1"};
}

QList<QByteArray> SetStream::readNew(const QString& consumer, int blockMs) {
    return {"XREADGROUP", "GROUP", kGroup,  consumer.toUtf8(),
            "COUNT",      "1",     "BLOCK", QByteArray::number(blockMs),
            "STREAMS",    kStream, ">"};
}

QList<QByteArray> SetStream::keepLease(const QString& consumer, const QByteArray& id) {
    return {"EVAL", kKeepLease, "1", kStream, kGroup, consumer.toUtf8(), id};
}

QList<QByteArray> SetStream::release(const QString& consumer, const QByteArray& id,
                                     const QString& setKey, int leaseMs) {
    return {"EVAL",
            kRelease,
            "2",
            kStream,
            setHash(setKey),
            kGroup,
            consumer.toUtf8(),
            id,
            QByteArray::number(leaseMs),
            now()};
}

QList<QByteArray> SetStream::report(const QString& setKey, const QList<QByteArray>& fields) {
    return QList<QByteArray>{"EVAL", kReport, "1", setHash(setKey)} + fields +
           QList<QByteArray>{"updated", now()};
}

QList<QByteArray> SetStream::finish(const QString& consumer, const QByteArray& id,
                                    const QString& setKey, const QList<QByteArray>& fields,
                                    bool ownerOnly) {
    return QList<QByteArray>{"EVAL",
                             kFinish,
                             "2",
                             kStream,
                             setHash(setKey),
                             kGroup,
                             consumer.toUtf8(),
                             id,
                             ownerOnly ? "1" : "0"} +
           fields + QList<QByteArray>{"updated", now()};
}

QList<QByteArray> SetStream::checkDeliveries(const QString& consumer, const QByteArray& id,
                                             const QString& setKey, int maxDeliveries) {
    return {"EVAL",
            kCheckDeliveries,
            "2",
            kStream,
            setHash(setKey),
            kGroup,
            consumer.toUtf8(),
            id,
            QByteArray::number(maxDeliveries),
            now()};
}

std::optional<QString> SetStream::deliveryLimitFromCheck(const RedisReply& reply) {
    if (reply.elements.size() < 2 || reply.elements[0].integer != 1) return std::nullopt;
    return reply.elements[1].toString();
}

QList<QByteArray> SetStream::listKeys() {
    return {"SMEMBERS", kIndex};
}

QList<QByteArray> SetStream::readState(const QByteArray& hash) {
    return {"HGETALL", hash};
}

QList<QByteArray> SetStream::readAllStates() {
    return {"EVAL", kReadAll, "1", kIndex};
}

QList<QByteArray> SetStream::readStates(const QStringList& setKeys) {
    QList<QByteArray> command{"EVAL", kReadSome, QByteArray::number(setKeys.size())};
    for (const QString& key : setKeys) command << setHash(key);
    return command;
}

std::optional<StreamEntry> SetStream::entryFromRead(const RedisReply& reply) {
    // [[stream, [[id, [field, value, ...]], ...]]], or nil when BLOCK timed out.
    if (reply.type != RedisReply::Type::Array || reply.elements.isEmpty()) return std::nullopt;
    const RedisReply& stream = reply.elements[0];
    if (stream.elements.size() < 2 || stream.elements[1].elements.isEmpty()) return std::nullopt;
    return entryFrom(stream.elements[1].elements[0]);
}

std::optional<StreamEntry> SetStream::entryFromClaim(const RedisReply& reply) {
    // [next cursor, [[id, [field, value, ...]], ...], [deleted ids]]
    if (reply.type != RedisReply::Type::Array || reply.elements.size() < 2) return std::nullopt;
    const RedisReply& claimed = reply.elements[1];
    if (claimed.elements.isEmpty()) return std::nullopt;
    return entryFrom(claimed.elements[0]);
}

BrokerSetState SetStream::stateFromHash(const RedisReply& reply) {
    BrokerSetState out;
    for (int i = 0; i + 1 < reply.elements.size(); i += 2)
        out.insert(reply.elements[i].toString(), reply.elements[i + 1].toString());
    return out;
}

QList<BrokerSetState> SetStream::statesFromAll(const RedisReply& reply) {
    QList<BrokerSetState> out;
    for (const RedisReply& hash : reply.elements) out << stateFromHash(hash);
    return out;
}

}  // namespace archival::adapters
