#include "engine/tokenizers/t5_tokenizer.h"

#include <algorithm>
#include <climits>
#include <filesystem>

#include "engine/errors.h"
#include "engine/util/json_file.h"

// libsentencepiece is linked directly. Debian's libsentencepiece.so.0 carries its own
// protobuf-lite and exports its symbols, which crashed a process that also loaded Debian's
// libtorch (1.13, dynamically linked protobuf). PyPI's libtorch (2.x) links protobuf
// statically with hidden visibility: libtorch_cpu.so imports no protobuf symbol and exports
// only three trivial `google::protobuf::internal::byteswap<N>` instances, so nothing of one
// protobuf can bind to the other. tests/engine/test_t5_tokenizer.cpp runs libtorch ops and
// SentencePiece in one process. A libtorch built against a shared system protobuf would
// need SentencePiece behind a dlopen(RTLD_LOCAL | RTLD_DEEPBIND) boundary again; the
// processor is kept behind this file (no SentencePiece type in the header) so that change
// stays local.
#ifdef ARCHIVAL_HAVE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

namespace archival::engine {
namespace fs = std::filesystem;

namespace {

[[maybe_unused]] const char* const kModelFileName = "spiece.model";

[[maybe_unused]] std::optional<int> readModelMaxLength(const fs::path& folder) {
    const fs::path config = folder / "tokenizer_config.json";
    std::error_code ec;
    if (!fs::is_regular_file(config, ec)) return std::nullopt;
    const nlohmann::json json = readJsonFile(config.string());
    const auto it = json.find("model_max_length");
    if (it == json.end() || !it->is_number()) return std::nullopt;
    // Tokenizers without a limit store a huge float (int(1e30)): treat it as none.
    const double value = it->get<double>();
    if (value < 1 || value > INT_MAX) return std::nullopt;
    return static_cast<int>(value);
}

}  // namespace

#ifdef ARCHIVAL_HAVE_SENTENCEPIECE

struct T5Tokenizer::Processor {
    sentencepiece::SentencePieceProcessor sp;
};

bool T5Tokenizer::supported() {
    return true;
}

T5Tokenizer T5Tokenizer::fromFolder(const std::string& path) {
    std::error_code ec;
    const bool isFolder = fs::is_directory(path, ec);
    const fs::path modelPath = isFolder ? fs::path(path) / kModelFileName : fs::path(path);
    if (!fs::is_regular_file(modelPath, ec)) {
        throw EngineError(ErrorKind::ModelLoad,
                          "T5 tokenizer: " + modelPath.string() +
                              " not found (a T5 tokenizer folder such as SD3's tokenizer_3/ "
                              "holds spiece.model)");
    }
    auto processor = std::make_unique<Processor>();
    const auto status = processor->sp.Load(modelPath.string());
    if (!status.ok()) {
        throw EngineError(ErrorKind::ModelLoad, "T5 tokenizer: " + modelPath.string() +
                                                    " is not a SentencePiece model (" +
                                                    status.ToString() + ")");
    }
    // T5 needs an EOS and a pad piece; a model without them is not a T5 vocabulary.
    const int eos = processor->sp.eos_id(), pad = processor->sp.pad_id();
    if (eos < 0 || pad < 0) {
        throw EngineError(ErrorKind::ModelLoad, "T5 tokenizer: " + modelPath.string() +
                                                    " is a SentencePiece model without " +
                                                    (eos < 0 ? "an EOS (</s>)" : "a pad (<pad>)") +
                                                    " piece, so it is not a T5 vocabulary");
    }
    T5Tokenizer tokenizer(std::move(processor), modelPath.string());
    tokenizer.eosId_ = eos;
    tokenizer.padId_ = pad;
    tokenizer.unkId_ = tokenizer.processor_->sp.unk_id();
    tokenizer.modelMaxLength_ =
        readModelMaxLength(isFolder ? fs::path(path) : modelPath.parent_path());
    return tokenizer;
}

std::vector<std::int64_t> T5Tokenizer::tokenize(const std::string& text) const {
    std::vector<int> pieces;
    const auto status = processor_->sp.Encode(text, &pieces);
    if (!status.ok()) {
        throw EngineError(ErrorKind::InvalidRequest,
                          "T5 tokenizer could not encode the prompt: " + status.ToString());
    }
    return std::vector<std::int64_t>(pieces.begin(), pieces.end());
}

std::size_t T5Tokenizer::vocabSize() const {
    return static_cast<std::size_t>(processor_->sp.GetPieceSize());
}

std::string T5Tokenizer::pieceText(std::int64_t id) const {
    if (id < 0 || id >= processor_->sp.GetPieceSize()) return {};
    return processor_->sp.IdToPiece(static_cast<int>(id));
}

#else  // no SentencePiece in this build

struct T5Tokenizer::Processor {};

namespace {

[[noreturn]] void throwNotBuilt(const std::string& what) {
    throw EngineError(ErrorKind::ModelLoad,
                      "cannot " + what +
                          ": this build has no SentencePiece support (T5 tokenizer). Rebuild "
                          "with libsentencepiece-dev installed, or run SD3 without T5.");
}

}  // namespace

bool T5Tokenizer::supported() {
    return false;
}

T5Tokenizer T5Tokenizer::fromFolder(const std::string& path) {
    throwNotBuilt("load the T5 tokenizer " + path);
}

std::vector<std::int64_t> T5Tokenizer::tokenize(const std::string&) const {
    throwNotBuilt("tokenize for T5");
}

std::size_t T5Tokenizer::vocabSize() const {
    return 0;
}

std::string T5Tokenizer::pieceText(std::int64_t) const {
    return {};
}

#endif

T5Tokenizer::T5Tokenizer(std::unique_ptr<Processor> processor, std::string modelPath)
    : processor_(std::move(processor)), modelPath_(std::move(modelPath)) {}
T5Tokenizer::T5Tokenizer(T5Tokenizer&&) noexcept = default;
T5Tokenizer& T5Tokenizer::operator=(T5Tokenizer&&) noexcept = default;
T5Tokenizer::~T5Tokenizer() = default;

std::vector<std::int64_t> T5Tokenizer::encodeUntruncated(const std::string& text) const {
    std::vector<std::int64_t> ids = tokenize(text);
    ids.push_back(eosId_);
    return ids;
}

T5Tokens T5Tokenizer::encode(const std::string& text, int maxLength) const {
    if (maxLength < 1) {
        throw EngineError(ErrorKind::InvalidRequest,
                          "T5 tokenizer: the sequence length must be at least 1 (got " +
                              std::to_string(maxLength) + ")");
    }
    const std::vector<std::int64_t> pieces = tokenize(text);
    // Like transformers' truncation of a sequence with one special token: keep the first
    // maxLength - 1 pieces, then EOS, so EOS is always present and last.
    const std::size_t kept = std::min(pieces.size(), capacity(maxLength));
    T5Tokens out;
    out.tokenCount = pieces.size();
    out.droppedTokens = pieces.size() - kept;
    out.truncated = out.droppedTokens > 0;
    out.ids.reserve(static_cast<std::size_t>(maxLength));
    out.ids.assign(pieces.begin(), pieces.begin() + static_cast<std::ptrdiff_t>(kept));
    out.ids.push_back(eosId_);
    out.ids.resize(static_cast<std::size_t>(maxLength), padId_);
    return out;
}

}  // namespace archival::engine
