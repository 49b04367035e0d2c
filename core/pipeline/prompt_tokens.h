#pragma once
// How much of a prompt the CLIP text encoders see: the token count against CLIP's 77-token
// window (75 prompt tokens between BOS and EOS) and where in the text the cut falls, so an
// editor can mark the tail that will be dropped. A thin wrapper over the engine's public
// CLIP token counter (engine/token_count.h) that keeps engine headers out of the caller.

#include <QString>
#include <memory>

namespace archival::engine {
class ClipTokenCounter;
}

namespace archival::pipeline {

struct PromptTokenCount {
    int tokens = 0;      // prompt tokens, without BOS / EOS
    int capacity = 75;   // prompt tokens that fit
    int keptChars = -1;  // characters of the text the encoder sees; -1 when all of it fits
    bool truncated() const { return tokens > capacity; }
};

class PromptTokenCounter {
  public:
    // The CLIP tokenizer in <modelFolder>/tokenizer (SD 1.5 and SD3 layouts) or in the
    // folder itself. Null with `error` set when there is none or it cannot be read.
    static std::shared_ptr<PromptTokenCounter> forModelFolder(const QString& modelFolder,
                                                              QString* error = nullptr);
    ~PromptTokenCounter();

    PromptTokenCount count(const QString& text) const;

  private:
    explicit PromptTokenCounter(std::unique_ptr<engine::ClipTokenCounter> counter);
    std::unique_ptr<engine::ClipTokenCounter> counter_;
};

}  // namespace archival::pipeline
