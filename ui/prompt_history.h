#pragma once
// Prompts the curator has generated with, newest first, without repeats, kept in QSettings
// ("history/prompts") across runs.

#include <QStringList>

namespace archival::ui {

class PromptHistory {
  public:
    static constexpr int kMaxEntries = 300;

    PromptHistory();                  // loads from QSettings
    void add(const QString& prompt);  // moves a repeat to the front; saves
    void clear();
    const QStringList& entries() const { return entries_; }
    // Entries containing every word of `query` (case-insensitive), newest first.
    QStringList search(const QString& query) const;

  private:
    void save() const;
    QStringList entries_;
};

}  // namespace archival::ui
