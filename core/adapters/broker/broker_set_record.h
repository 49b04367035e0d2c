#pragma once
// A broker set's hash (set_stream.h) as the local queue's SetRecord, so that whoever answers
// for broker sets (`serve --broker`'s HTTP batch endpoints) writes exactly what it writes for
// local ones. A worker puts its record (SetRecord::toJson) in the hash with every state it
// reports; before a worker has the set, the record is made from the job's fields, and the
// set's objects are named by the queuing host's own key settings (the workers must share
// them: they name the same objects).

#include <optional>

#include "adapters/batch/batch_queue.h"
#include "adapters/broker/set_stream.h"

namespace archival::adapters {

// The broker's state names beside the local queue's: "claimed" is still "pending" there.
SetRecord setRecordOf(const BrokerSetState& state, const QueueSettings& naming);

// A job's record before any worker has it (its state "pending").
SetRecord setRecordOf(const BrokerSetJob& job, const QueueSettings& naming);

}  // namespace archival::adapters
