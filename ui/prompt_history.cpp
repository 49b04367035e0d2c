#include "ui/prompt_history.h"

#include <QSettings>

namespace archival::ui {

namespace {
const QString kKey = QStringLiteral("history/prompts");
}

PromptHistory::PromptHistory() {
    entries_ = QSettings().value(kKey).toStringList();
}

void PromptHistory::add(const QString& prompt) {
    const QString p = prompt.trimmed();
    if (p.isEmpty()) return;
    entries_.removeAll(p);
    entries_.prepend(p);
    while (entries_.size() > kMaxEntries) entries_.removeLast();
    save();
}

void PromptHistory::clear() {
    entries_.clear();
    save();
}

QStringList PromptHistory::search(const QString& query) const {
    const QStringList words = query.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QStringList out;
    for (const QString& e : entries_) {
        bool all = true;
        for (const QString& w : words) all = all && e.contains(w, Qt::CaseInsensitive);
        if (all) out << e;
    }
    return out;
}

void PromptHistory::save() const {
    QSettings s;
    s.setValue(kKey, entries_);
}

}  // namespace archival::ui
