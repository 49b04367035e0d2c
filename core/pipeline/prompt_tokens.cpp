#include "pipeline/prompt_tokens.h"

#include <QDir>
#include <QFileInfo>
#include <QList>

#include "engine/token_count.h"

namespace archival::pipeline {

PromptTokenCounter::PromptTokenCounter(std::unique_ptr<engine::ClipTokenCounter> counter)
    : counter_(std::move(counter)) {}

PromptTokenCounter::~PromptTokenCounter() = default;

std::shared_ptr<PromptTokenCounter> PromptTokenCounter::forModelFolder(const QString& modelFolder,
                                                                       QString* error) {
    QString dir;
    for (const QString& candidate : {modelFolder + QStringLiteral("/tokenizer"), modelFolder}) {
        if (QFileInfo::exists(candidate + QStringLiteral("/vocab.json")) &&
            QFileInfo::exists(candidate + QStringLiteral("/merges.txt"))) {
            dir = candidate;
            break;
        }
    }
    if (dir.isEmpty()) {
        if (error)
            *error = QStringLiteral("no CLIP tokenizer (vocab.json, merges.txt) in %1")
                         .arg(QDir::toNativeSeparators(modelFolder));
        return nullptr;
    }
    try {
        auto counter = std::make_unique<engine::ClipTokenCounter>(
            engine::ClipTokenCounter::fromFolder(QFile::encodeName(dir).toStdString()));
        return std::shared_ptr<PromptTokenCounter>(new PromptTokenCounter(std::move(counter)));
    } catch (const std::exception& e) {
        if (error) *error = QString::fromUtf8(e.what());
        return nullptr;
    }
}

PromptTokenCount PromptTokenCounter::count(const QString& text) const {
    PromptTokenCount out;
    out.capacity = static_cast<int>(counter_->capacity());
    auto tokensOf = [this](const QString& s) {
        return static_cast<int>(counter_->count(s.toUtf8().toStdString()));
    };
    out.tokens = tokensOf(text);
    if (out.tokens <= out.capacity) return out;
    // CLIP splits words before BPE, so the count of a prefix that ends at a word boundary
    // never exceeds the count of a longer one: binary-search the last boundary that fits.
    QList<int> ends;  // positions just after each word
    for (int i = 0; i < text.size(); ++i) {
        const bool wordChar = text.at(i).isLetterOrNumber();
        const bool nextWordChar = i + 1 < text.size() && text.at(i + 1).isLetterOrNumber();
        if (!wordChar || !nextWordChar) ends.append(i + 1);
    }
    int lo = 0, hi = ends.size() - 1, best = 0;
    while (lo <= hi) {
        const int mid = (lo + hi) / 2;
        if (tokensOf(text.left(ends.at(mid))) <= out.capacity) {
            best = ends.at(mid);
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    out.keptChars = best;
    return out;
}

}  // namespace archival::pipeline
