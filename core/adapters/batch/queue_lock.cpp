#include "adapters/batch/queue_lock.h"

#include <QDir>

namespace archival::adapters {

using pipeline::Error;
using pipeline::ErrorCode;

QString QueueLock::fileName(const QString& root) {
    return QDir(root).filePath(QStringLiteral("queue.lock"));
}

QueueLock::QueueLock(const QString& path) : file_(path) {
    // QLockFile's default treats a 30 s old lock as stale even while its holder runs; the
    // queue is held for hours, so only a dead holder makes it stale.
    file_.setStaleLockTime(0);
}

std::variant<std::unique_ptr<QueueLock>, Error> QueueLock::take(const QString& root) {
    if (!QDir().mkpath(root))
        return Error{ErrorCode::Storage,
                     QStringLiteral("cannot create the queue folder %1").arg(root)};
    std::unique_ptr<QueueLock> lock(new QueueLock(fileName(root)));
    if (lock->file_.tryLock(0)) return lock;
    if (lock->file_.error() != QLockFile::LockFailedError)
        return Error{ErrorCode::Storage,
                     QStringLiteral("cannot write the queue's lock file %1 (no permission or a "
                                    "full disk)")
                         .arg(fileName(root))};
    qint64 pid = 0;
    QString host, application;
    if (!lock->file_.getLockInfo(&pid, &host, &application))
        return Error{ErrorCode::Storage,
                     QStringLiteral("the queue %1 is in use by another process (its lock file "
                                    "%2 cannot be read); stop that process first")
                         .arg(root, fileName(root))};
    return Error{
        ErrorCode::Storage,
        QStringLiteral("the queue %1 is in use by process %2 (%3 on host %4); stop that "
                       "process first, or give this one another queue folder. If that "
                       "process is gone (another host sharing the folder), delete %5")
            .arg(root)
            .arg(pid)
            .arg(application.isEmpty() ? QStringLiteral("unknown application") : application,
                 host.isEmpty() ? QStringLiteral("unknown") : host, fileName(root))};
}

}  // namespace archival::adapters
