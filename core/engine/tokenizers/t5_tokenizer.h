#pragma once
// The T5 SentencePiece tokenizer, as SD3 / SD3.5 use it for `text_encoder_3`
// (`tokenizer_3/spiece.model`: Google's T5 / T5 v1.1 unigram vocabulary, 32000 pieces).
//
// encode():  SentencePiece pieces of the text (the model's own normalizer, no sampling)
//            + EOS, truncated to `maxLength` (the first maxLength - 1 pieces, EOS kept last)
//            and padded with the pad id. No BOS: T5 has none. Truncation is reported.
//
// SD3's pipeline tokenizes with `max_sequence_length` = 256, not the tokenizer's
// `model_max_length` (512 in tokenizer_config.json), so the length is a parameter.
//
// Built on libsentencepiece when it was found at configure time; otherwise every call that
// needs it throws EngineError(ModelLoad) saying SentencePiece support was not built
// (T5 is optional in SD3, so the rest of the engine keeps working).
//
// Thread-safe: encoding only reads the model.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace archival::engine {

struct T5Tokens {
    std::vector<std::int64_t> ids;  // exactly maxLength ids: pieces, EOS, padding
    std::size_t tokenCount = 0;     // prompt pieces before truncation (without EOS)
    std::size_t droppedTokens = 0;  // prompt pieces cut off by truncation
    bool truncated = false;         // droppedTokens > 0
};

class T5Tokenizer {
  public:
    // SD3's `max_sequence_length` default (diffusers StableDiffusion3Pipeline).
    static constexpr int kSd3MaxLength = 256;

    // Whether this build can tokenize for T5 at all (libsentencepiece was found).
    static bool supported();

    // `path` is the tokenizer folder (holding `spiece.model`, and optionally
    // `tokenizer_config.json`) or the `.model` file itself. Throws EngineError(ModelLoad)
    // naming the file when it is missing or not a SentencePiece model, or when this build
    // has no SentencePiece support.
    static T5Tokenizer fromFolder(const std::string& path);

    // Padded, truncated ids for the encoder. maxLength >= 1, else EngineError(InvalidRequest).
    T5Tokens encode(const std::string& text, int maxLength = kSd3MaxLength) const;
    // Every piece + EOS: no truncation, no padding.
    std::vector<std::int64_t> encodeUntruncated(const std::string& text) const;
    // The prompt's pieces only (no EOS, no padding).
    std::vector<std::int64_t> tokenize(const std::string& text) const;
    // How many pieces the prompt takes, for a "12 / 255 tokens" indicator.
    std::size_t countTokens(const std::string& text) const { return tokenize(text).size(); }
    // How many prompt pieces fit next to the EOS: 255 for SD3.
    static std::size_t capacity(int maxLength = kSd3MaxLength) {
        return maxLength > 1 ? static_cast<std::size_t>(maxLength - 1) : 0;
    }

    std::int64_t eosId() const { return eosId_; }
    std::int64_t padId() const { return padId_; }
    std::int64_t unkId() const { return unkId_; }
    std::size_t vocabSize() const;  // SentencePiece pieces (32000 for T5)
    // `model_max_length` from tokenizer_config.json when the folder has one.
    std::optional<int> modelMaxLength() const { return modelMaxLength_; }
    // The piece's text by id (`▁` marks a word start); empty if out of range.
    std::string pieceText(std::int64_t id) const;
    const std::string& modelPath() const { return modelPath_; }

    T5Tokenizer(T5Tokenizer&&) noexcept;
    T5Tokenizer& operator=(T5Tokenizer&&) noexcept;
    ~T5Tokenizer();

  private:
    struct Processor;  // the SentencePiece processor; its headers stay in the .cpp
    T5Tokenizer(std::unique_ptr<Processor> processor, std::string modelPath);

    std::unique_ptr<Processor> processor_;
    std::string modelPath_;
    std::int64_t eosId_ = 1, padId_ = 0, unkId_ = 2;
    std::optional<int> modelMaxLength_;
};

}  // namespace archival::engine
