#pragma once
// The CLIP byte-level BPE tokenizer, as Stable Diffusion 1.5 (`tokenizer/`) and SD3 / SD3.5
// (`tokenizer/`, `tokenizer_2/`) use it: Hugging Face `CLIPTokenizer` (the slow one) without
// ftfy, which is what a default diffusers install runs. Reads `vocab.json` + `merges.txt`,
// and `tokenizer_config.json` / `special_tokens_map.json` when present for the special
// tokens (SD3's `tokenizer_2` pads with `!` = id 0 and turns every `!` into that id).
//
// encode():  [BOS] + BPE tokens + [EOS], truncated to `maxLength` (EOS kept last) and padded
//            with the pad id. Truncation is reported, never hidden.
//
// Thread-safe: encoding only reads the tables (the per-word BPE cache has its own lock).

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace archival::engine {

struct Tokenized {
    std::vector<std::int64_t> ids;  // exactly maxLength ids: BOS, tokens, EOS, padding
    std::size_t tokenCount = 0;     // prompt tokens before truncation (without BOS / EOS)
    std::size_t droppedTokens = 0;  // prompt tokens cut off by truncation
    bool truncated = false;         // droppedTokens > 0
};

class ClipTokenizer {
  public:
    // `dir` holds vocab.json and merges.txt (+ optional tokenizer_config.json,
    // special_tokens_map.json). Throws EngineError(ModelLoad) naming the file at fault.
    static ClipTokenizer fromFolder(const std::string& dir);
    // Explicit files; `configDir` (may be empty) is searched for the two JSON configs.
    static ClipTokenizer fromFiles(const std::string& vocabJson, const std::string& mergesTxt,
                                   const std::string& configDir = {});

    // Padded, truncated ids for the text encoder. Throws EngineError(InvalidRequest) when
    // `text` is not valid UTF-8.
    Tokenized encode(const std::string& text) const;
    // BOS + every token + EOS: no truncation, no padding.
    std::vector<std::int64_t> encodeUntruncated(const std::string& text) const;
    // The prompt's tokens only (no BOS / EOS / padding).
    std::vector<std::int64_t> tokenize(const std::string& text) const;
    // How many tokens the prompt takes, for a "12 / 75 tokens" indicator.
    std::size_t countTokens(const std::string& text) const { return tokenize(text).size(); }
    // How many prompt tokens fit: maxLength - 2 (BOS and EOS), 75 for CLIP.
    std::size_t capacity() const { return static_cast<std::size_t>(maxLength_ - 2); }

    std::int64_t bosId() const { return bosId_; }
    std::int64_t eosId() const { return eosId_; }
    std::int64_t padId() const { return padId_; }
    int maxLength() const { return maxLength_; }
    std::size_t vocabSize() const;
    // Token text (byte-level symbols, `</w>` marks a word end) by id; empty if unknown.
    std::string tokenText(std::int64_t id) const;

    ClipTokenizer(ClipTokenizer&&) noexcept;
    ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
    ~ClipTokenizer();

  private:
    struct Tables;
    explicit ClipTokenizer(std::unique_ptr<Tables> tables);
    void appendTextTokens(const std::string& piece, std::vector<std::int64_t>& out) const;

    std::unique_ptr<Tables> tables_;
    std::int64_t bosId_ = 0, eosId_ = 0, padId_ = 0;
    int maxLength_ = 77;
};

}  // namespace archival::engine
