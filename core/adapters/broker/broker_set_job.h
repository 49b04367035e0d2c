#pragma once
// One set as the broker carries it: the fields of a stream entry (and of the set's state hash,
// set_stream.h). Everything a worker needs to make exactly the set the local queue would make:
// the request, the set id and the seed drawn when it was queued (a program with a fixed seed
// keeps its own, as in the local queue).

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <variant>

#include "adapters/batch/batch_queue.h"

namespace archival::adapters {

struct BrokerSetJob {
    SetRequest request;  // its imagesPerSet, previews and overrides
    int setId = 0;
    quint64 seed = 0;
    QString queuedBy;  // host and process that queued it, for `batch --status`

    // "<action>:<set id>": the broker's identity of a set. Under the default key template a
    // set id names the objects whatever the program, so one action cannot hold set 3 twice.
    QString key() const;
    static QString key(const QString& actionId, int setId);

    QList<QByteArray> toFields() const;  // field, value, field, value, ...
    // The job, or what is wrong with the entry.
    static std::variant<BrokerSetJob, QString> fromFields(
        const QMap<QByteArray, QByteArray>& fields);
};

}  // namespace archival::adapters
