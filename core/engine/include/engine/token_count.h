#pragma once
// Counting the CLIP tokens of a prompt with a model's own tokenizer, without loading the
// model: what a prompt editor needs for a "12 / 75 tokens" indicator and to find where CLIP
// cuts the prompt off. Part of the engine's public surface: standard C++ only.
//
//   auto counter = ClipTokenCounter::fromFolder(modelFolder + "/tokenizer");
//   if (counter.count(prompt) > counter.capacity()) ...  // the tail is dropped

#include <cstddef>
#include <memory>
#include <string>

namespace archival::engine {

class ClipTokenizer;

class ClipTokenCounter {
  public:
    // `dir` holds the CLIP tokenizer files: vocab.json and merges.txt (+ optional
    // tokenizer_config.json, special_tokens_map.json). Throws EngineError(ModelLoad) naming
    // the file at fault.
    static ClipTokenCounter fromFolder(const std::string& dir);

    // The prompt's tokens (UTF-8 text), untruncated, without BOS / EOS. CLIP splits words
    // before byte-pair encoding, so a prefix that ends at a word boundary never counts more
    // than a longer one. Throws EngineError(InvalidRequest) when `utf8` is not valid UTF-8.
    std::size_t count(const std::string& utf8) const;
    // How many prompt tokens the text encoder reads (75 for CLIP); the rest is dropped.
    std::size_t capacity() const;

    ClipTokenCounter(ClipTokenCounter&&) noexcept;
    ClipTokenCounter& operator=(ClipTokenCounter&&) noexcept;
    ~ClipTokenCounter();

  private:
    explicit ClipTokenCounter(std::unique_ptr<ClipTokenizer> tokenizer);
    std::unique_ptr<ClipTokenizer> tokenizer_;  // thread-safe for reading
};

}  // namespace archival::engine
