#pragma once
// One process per queue folder. Two processes (say `serve` and `batch`) working on one
// queue would generate and upload the same sets twice and overwrite each other's records,
// so whoever opens a queue takes <root>/queue.lock first and holds it for the queue's life.
//
//   auto lock = QueueLock::take(root);
//   if (auto* error = std::get_if<pipeline::Error>(&lock)) ...  // names the holder
//
// The lock of a process that died (same host, no such process any more) is taken over. A
// live holder is never timed out: the lock is held as long as its process runs. Reading the
// records (`batch --status`) needs no lock: they are replaced atomically.

#include <QLockFile>
#include <QString>
#include <memory>
#include <variant>

#include "pipeline/errors.h"

namespace archival::adapters {

class QueueLock {
  public:
    // The lock on `root` (created when missing), or Storage naming the process that holds
    // it (pid, host, application) and what to do.
    static std::variant<std::unique_ptr<QueueLock>, pipeline::Error> take(const QString& root);
    static QString fileName(const QString& root);

    QueueLock(const QueueLock&) = delete;
    QueueLock& operator=(const QueueLock&) = delete;

  private:
    explicit QueueLock(const QString& path);
    QLockFile file_;
};

}  // namespace archival::adapters
