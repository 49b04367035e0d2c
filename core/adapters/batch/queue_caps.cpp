#include "adapters/batch/queue_caps.h"

#include <limits>

namespace archival::adapters {

bool QueueCaps::set(const QString& assignment, QString* error, bool* known) {
    const int eq = assignment.indexOf(QLatin1Char('='));
    const QString name = assignment.left(eq).trimmed();
    qint64* bytes = nullptr;
    int* count = nullptr;
    if (name == QLatin1String("max-queue-sets"))
        count = &maxSets;
    else if (name == QLatin1String("max-queue-actions"))
        count = &maxActions;
    else if (name == QLatin1String("max-queue-bytes"))
        bytes = &maxBytes;
    if (known) *known = count || bytes;
    if (!count && !bytes) {
        *error = QStringLiteral("unknown limit '%1' (expected NAME=VALUE, NAME one of %2)")
                     .arg(name, names());
        return false;
    }
    bool ok = false;
    const QString valueText = eq < 0 ? QString() : assignment.mid(eq + 1).trimmed();
    const qint64 value = valueText.toLongLong(&ok);
    const qint64 highest =
        count ? std::numeric_limits<int>::max() : std::numeric_limits<qint64>::max();
    if (eq < 0 || !ok || value < 1 || value > highest) {
        *error =
            QStringLiteral("limit %1 needs a positive whole number, got '%2'").arg(name, valueText);
        return false;
    }
    if (count)
        *count = int(value);
    else
        *bytes = value;
    return true;
}

QString QueueCaps::names() {
    return QStringLiteral("max-queue-sets, max-queue-actions, max-queue-bytes");
}

std::optional<QueueFull> queueCapProblem(const QueueCaps& caps, const QueueLoad& queued,
                                         const QueueLoad& adding) {
    using Kind = QueueFull::Kind;
    // One request larger than the whole cap can never fit: too large, not "try later".
    if (adding.bytes > caps.maxBytes)
        return QueueFull{Kind::TooLarge, QStringLiteral("max-queue-bytes"),
                         QStringLiteral("the request's set records take %1 bytes, more than the "
                                        "queue holds in all (max-queue-bytes=%2): ask for fewer "
                                        "sets or a shorter prompt")
                             .arg(adding.bytes)
                             .arg(caps.maxBytes)};
    if (adding.sets > caps.maxSets)
        return QueueFull{Kind::TooLarge, QStringLiteral("max-queue-sets"),
                         QStringLiteral("the request asks for %1 sets, more than the queue holds "
                                        "in all (max-queue-sets=%2): ask for fewer sets")
                             .arg(adding.sets)
                             .arg(caps.maxSets)};
    if (queued.sets + adding.sets > caps.maxSets)
        return QueueFull{Kind::TooMany, QStringLiteral("max-queue-sets"),
                         QStringLiteral("the queue holds %1 unfinished sets; %2 more would pass "
                                        "max-queue-sets=%3: try again when some are done")
                             .arg(queued.sets)
                             .arg(adding.sets)
                             .arg(caps.maxSets)};
    if (queued.actions + adding.actions > caps.maxActions)
        return QueueFull{Kind::TooMany, QStringLiteral("max-queue-actions"),
                         QStringLiteral("the queue holds %1 actions with unfinished sets; a new "
                                        "one would pass max-queue-actions=%2: try again when "
                                        "some are done")
                             .arg(queued.actions)
                             .arg(caps.maxActions)};
    if (queued.bytes + adding.bytes > caps.maxBytes)
        return QueueFull{Kind::TooMany, QStringLiteral("max-queue-bytes"),
                         QStringLiteral("the unfinished sets' records take %1 bytes; %2 more "
                                        "would pass max-queue-bytes=%3: try again when some are "
                                        "done")
                             .arg(queued.bytes)
                             .arg(adding.bytes)
                             .arg(caps.maxBytes)};
    return std::nullopt;
}

}  // namespace archival::adapters
