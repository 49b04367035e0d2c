// The public, torch-free token counter (engine/token_count.h) over the CLIP tokenizer.
#include "engine/token_count.h"

#include "engine/tokenizers/clip_tokenizer.h"

namespace archival::engine {

ClipTokenCounter::ClipTokenCounter(std::unique_ptr<ClipTokenizer> tokenizer)
    : tokenizer_(std::move(tokenizer)) {}
ClipTokenCounter::ClipTokenCounter(ClipTokenCounter&&) noexcept = default;
ClipTokenCounter& ClipTokenCounter::operator=(ClipTokenCounter&&) noexcept = default;
ClipTokenCounter::~ClipTokenCounter() = default;

ClipTokenCounter ClipTokenCounter::fromFolder(const std::string& dir) {
    return ClipTokenCounter(std::make_unique<ClipTokenizer>(ClipTokenizer::fromFolder(dir)));
}

std::size_t ClipTokenCounter::count(const std::string& utf8) const {
    return tokenizer_->countTokens(utf8);
}

std::size_t ClipTokenCounter::capacity() const {
    return tokenizer_->capacity();
}

}  // namespace archival::engine
