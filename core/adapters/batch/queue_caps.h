#pragma once
// How much unfinished work the batch queue holds at most. Every set's record is written
// before anything runs and a request can ask for many sets, so without a total a few
// requests could fill the disk and queue days of work. Only work still to do counts: sets
// pending, generating, generated (waiting to upload) or uploading. Uploaded and failed sets
// stay on disk as the record of what was done and count towards nothing.

#include <QString>
#include <QtGlobal>
#include <optional>

namespace archival::adapters {

struct QueueCaps {
    int maxSets = 10000;                   // unfinished sets, all actions together
    int maxActions = 1000;                 // actions with unfinished sets
    qint64 maxBytes = 64LL * 1024 * 1024;  // their records' bytes on disk

    // "max-queue-sets=500" -> sets the field; false (and `error`) for an unknown name or a
    // bad value. `known` (when given) says whether the name was one of names(), so a caller
    // with limits of its own can tell the two failures apart.
    bool set(const QString& assignment, QString* error, bool* known = nullptr);
    static QString names();  // the names set() knows, for usage messages
};

// A request the caps refuse: too many sets or actions (try again once some are done) or too
// many bytes (the request or the queue is too large).
struct QueueFull {
    enum class Kind { TooMany, TooLarge };
    Kind kind = Kind::TooMany;
    QString limit;    // the cap's name: "max-queue-sets", "max-queue-actions", "max-queue-bytes"
    QString message;  // what is over and by how much, and what to do
};

// What the queue holds now and what a request would add.
struct QueueLoad {
    int sets = 0;
    int actions = 0;
    qint64 bytes = 0;
};

// Whether `adding` fits beside `queued`; the first cap it breaks otherwise.
std::optional<QueueFull> queueCapProblem(const QueueCaps& caps, const QueueLoad& queued,
                                         const QueueLoad& adding);

}  // namespace archival::adapters
