#pragma once
// Ids that become folder names and object keys (action ids, program ids in the batch queue):
// one rule for every way in (batch command, HTTP API, studio), so an id that one of them
// accepts never breaks another or lands in the wrong folder on another file system.
//
//   const QString why = pathIdProblem(id);            // empty: usable
//   const QString twin = caseTwin(id, existingIds);   // "ABC" for "abc": refuse the new one

#include <QString>
#include <QStringList>

namespace archival::adapters {

// Longest id: keeps <root>/<action>/<program>/set_NNN/ well under every path limit.
constexpr int kMaxPathIdLength = 128;

// Why `id` cannot name a folder or an object key, as a reason a person can act on ("must not
// end with a dot"); empty when it can. Usable: 1..128 of letters, digits, '.', '_', '-',
// starting with a letter or digit, the whole string (a trailing newline is not ignored), not
// ending with a dot (Windows drops it), not a reserved device name (CON, PRN, AUX, NUL,
// COM1-9, LPT1-9, with any extension, in any case).
QString pathIdProblem(const QString& id);

// The id in `existing` that equals `id` ignoring case but not exactly (on a case-insensitive
// file system both would be one folder); empty when there is none.
QString caseTwin(const QString& id, const QStringList& existing);

}  // namespace archival::adapters
