#pragma once
// JSON text that keeps the number types the reference service (Python) writes: the numbers
// under the named keys are floats, written with a decimal point even when whole (7.0, 0.0).
// Qt keeps no such distinction (a whole double is stored and written as an integer), so a
// reader that checks types (Python's isinstance(x, float)) would see 7 where the reference
// sends 7.0. A key's object value (durations: {"1": 0.5}) holds floats too.
//
//   typedJson({{"set_id", 3}, {"total_duration", 2.0}}, {"total_duration"});
//   // {"set_id": 3, "total_duration": 2.0}

#include <QByteArray>
#include <QJsonObject>
#include <QSet>
#include <QString>

namespace archival::adapters {

QByteArray typedJson(const QJsonObject& object, const QSet<QString>& floatKeys,
                     bool indented = true);

// The reference's float fields in meta.json and the batch answers.
const QSet<QString>& seedFloatKeys();

}  // namespace archival::adapters
