#include "engine/tokenizers/clip_tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "engine/errors.h"
#include "engine/tokenizers/unicode_text.h"
#include "engine/util/json_file.h"

namespace archival::engine {
namespace {

namespace fs = std::filesystem;

// CLIPTokenizer reads merges.txt as `read().strip().split("\n")[1 : 49152 - 256 - 2 + 1]`:
// the first line is the version header, and at most 48894 merges are used (transformers
// models/clip/tokenization_clip.py; openai/CLIP clip/simple_tokenizer.py).
constexpr std::size_t kMaxMerges = 49152 - 256 - 2;
// Defaults of CLIPTokenizer.__init__ and its max_model_input_sizes (77 positions).
constexpr const char* kDefaultBos = "<|startoftext|>";
constexpr const char* kDefaultEos = "<|endoftext|>";
constexpr int kDefaultMaxLength = 77;
constexpr const char* kEndOfWord = "</w>";
// Words seen are cached with their ids; a long-running host sees many prompts, so the cache
// is bounded (it is cleared when full, which only costs re-running BPE).
constexpr std::size_t kCacheLimit = 65536;

[[noreturn]] void loadError(const std::string& message) {
    throw EngineError(ErrorKind::ModelLoad, message);
}

std::string readWholeFile(const fs::path& path, const char* what) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        loadError(std::string("CLIP tokenizer: ") + what + " not found at " + path.string());
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (!in.good() && !in.eof())
        throw EngineError(ErrorKind::Storage, "CLIP tokenizer: cannot read " + path.string());
    return buffer.str();
}

// GPT-2 / CLIP `bytes_to_unicode()`: printable bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to
// themselves, the other 68 to U+0100.. in ascending byte order, so every byte is a
// visible character and BPE never sees whitespace or control bytes.
std::array<std::string, 256> makeByteEncoder() {
    std::array<std::string, 256> table;
    auto printable = [](int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
        std::string s;
        unicode::appendUtf8(s, printable(b) ? static_cast<char32_t>(b) : next++);
        table[b] = s;
    }
    return table;
}

// BasicTokenizer._is_chinese_char: CJK Unified Ideographs and their extensions and
// compatibility blocks get spaces around them before NFC (transformers BasicTokenizer).
bool isCjkIdeograph(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
           (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// BasicTokenizer(do_lower_case=True, strip_accents=False, do_split_on_punc=False).tokenize:
// drop U+0000, U+FFFD and category C* except \t \n \r; \t \n \r and Zs become spaces;
// spaces around CJK ideographs; NFC; split on whitespace (str.split()); lowercase each word.
std::vector<std::u32string> cleanWords(std::u32string_view text) {
    std::u32string cleaned;
    cleaned.reserve(text.size());
    for (char32_t c : text) {
        const bool tabOrNewline = c == U'\t' || c == U'\n' || c == U'\r';
        if (c == 0 || c == 0xFFFD || (!tabOrNewline && unicode::isOther(c))) continue;
        if (tabOrNewline || c == U' ' || unicode::isSpaceSeparator(c)) {
            cleaned.push_back(U' ');
        } else if (isCjkIdeograph(c)) {
            cleaned.push_back(U' ');
            cleaned.push_back(c);
            cleaned.push_back(U' ');
        } else {
            cleaned.push_back(c);
        }
    }
    const std::u32string normalized = unicode::toNfc(cleaned);
    std::vector<std::u32string> words;
    std::size_t i = 0;
    while (i < normalized.size()) {
        while (i < normalized.size() && unicode::isPythonSpace(normalized[i])) ++i;
        std::size_t j = i;
        while (j < normalized.size() && !unicode::isPythonSpace(normalized[j])) ++j;
        if (j > i) words.push_back(unicode::toLowerPython(normalized.substr(i, j - i)));
        i = j;
    }
    return words;
}

// One character of a case-insensitive pattern literal. The reference compiles its split
// pattern with re.IGNORECASE; after lowercasing, the only character that still folds onto
// a letter of these literals is U+017F LATIN SMALL LETTER LONG S (folds to 's').
bool matchesFolded(char32_t c, char32_t patternChar) {
    return c == patternChar || (patternChar == U's' && c == 0x17F);
}

bool matchesLiteral(std::u32string_view text, std::size_t at, std::u32string_view literal) {
    if (text.size() - at < literal.size()) return false;
    for (std::size_t k = 0; k < literal.size(); ++k)
        if (!matchesFolded(text[at + k], literal[k])) return false;
    return true;
}

// CLIP's pre-tokenizer, matched by hand (std::regex has no Unicode classes):
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// with re.IGNORECASE, alternatives tried in order at each position, whitespace skipped.
std::vector<std::u32string> splitPieces(std::u32string_view word) {
    static constexpr std::u32string_view kLiterals[] = {U"<|startoftext|>", U"<|endoftext|>"};
    static constexpr std::u32string_view kContractions[] = {U"'s", U"'t",  U"'re", U"'ve",
                                                            U"'m", U"'ll", U"'d"};
    auto isSpace = [](char32_t c) { return unicode::isPythonSpace(c); };
    std::vector<std::u32string> pieces;
    std::size_t i = 0;
    while (i < word.size()) {
        const char32_t c = word[i];
        if (isSpace(c)) {
            ++i;
            continue;
        }
        std::size_t length = 0;
        for (auto literal : kLiterals)
            if (!length && matchesLiteral(word, i, literal)) length = literal.size();
        if (!length && c == U'\'')
            for (auto contraction : kContractions)
                if (!length && matchesLiteral(word, i, contraction)) length = contraction.size();
        if (!length) {
            std::size_t j = i + 1;
            if (unicode::isLetter(c)) {
                while (j < word.size() && unicode::isLetter(word[j])) ++j;
            } else if (!unicode::isNumber(c)) {
                while (j < word.size() && !isSpace(word[j]) && !unicode::isLetter(word[j]) &&
                       !unicode::isNumber(word[j]))
                    ++j;
            }
            length = j - i;
        }
        pieces.emplace_back(word.substr(i, length));
        i += length;
    }
    return pieces;
}

std::u32string decodeOrThrow(const std::string& text) {
    std::u32string decoded;
    std::size_t offset = 0;
    if (!unicode::decodeUtf8(text, decoded, &offset))
        throw EngineError(ErrorKind::InvalidRequest,
                          "prompt is not valid UTF-8 (byte " + std::to_string(offset) + ")");
    return decoded;
}

// A special-token entry of tokenizer_config.json / special_tokens_map.json: a string or an
// AddedToken object {"content": ...}.
std::string tokenContent(const nlohmann::json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_object() && value.contains("content") && value["content"].is_string())
        return value["content"].get<std::string>();
    return {};
}

}  // namespace

struct ClipTokenizer::Tables {
    std::unordered_map<std::string, std::int64_t> vocab;
    std::vector<std::string> idToToken;
    std::unordered_map<std::string, std::size_t> mergeRanks;  // "first second" -> rank
    std::array<std::string, 256> byteEncoder = makeByteEncoder();
    // Added tokens split off the raw text first, longest first (transformers' Trie).
    std::vector<std::pair<std::string, std::int64_t>> addedTokens;

    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<std::int64_t>> cache;

    std::vector<std::int64_t> bpe(const std::string& encodedPiece,
                                  std::vector<std::string> symbols) const;
};

// CLIPTokenizer.bpe(): repeatedly merge the adjacent pair with the lowest rank (every
// occurrence, left to right) until no pair is ranked; the last symbol carries `</w>`.
std::vector<std::int64_t> ClipTokenizer::Tables::bpe(const std::string& encodedPiece,
                                                     std::vector<std::string> word) const {
    // CLIPTokenizer seeds its cache with the two special tokens: written out in a prompt
    // (in any case) they match the split pattern whole and map to BOS / EOS.
    if (encodedPiece == kDefaultBos || encodedPiece == kDefaultEos) return {vocab.at(encodedPiece)};
    word.back() += kEndOfWord;
    const std::size_t none = std::numeric_limits<std::size_t>::max();
    std::string key;
    while (word.size() > 1) {
        std::size_t bestRank = none;
        std::size_t bestAt = 0;
        for (std::size_t i = 0; i + 1 < word.size(); ++i) {
            key.assign(word[i]).append(" ").append(word[i + 1]);
            const auto it = mergeRanks.find(key);
            if (it != mergeRanks.end() && it->second < bestRank) {
                bestRank = it->second;
                bestAt = i;
            }
        }
        if (bestRank == none) break;
        const std::string first = word[bestAt], second = word[bestAt + 1];
        std::vector<std::string> merged;
        merged.reserve(word.size());
        for (std::size_t i = 0; i < word.size();) {
            if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
                merged.push_back(first + second);
                i += 2;
            } else {
                merged.push_back(word[i]);
                ++i;
            }
        }
        word.swap(merged);
    }
    std::vector<std::int64_t> ids;
    ids.reserve(word.size());
    // Every symbol is in the vocabulary: the loader checked the byte symbols and every
    // merge result.
    for (const auto& symbol : word) ids.push_back(vocab.at(symbol));
    return ids;
}

ClipTokenizer ClipTokenizer::fromFolder(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) loadError("CLIP tokenizer: folder not found: " + dir);
    const fs::path base(dir);
    return fromFiles((base / "vocab.json").string(), (base / "merges.txt").string(), dir);
}

ClipTokenizer ClipTokenizer::fromFiles(const std::string& vocabJson, const std::string& mergesTxt,
                                       const std::string& configDir) {
    auto tables = std::make_unique<Tables>();

    // vocab.json: {"token": id, ...}
    {
        const std::string text = readWholeFile(vocabJson, "vocab.json");
        nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (json.is_discarded() || !json.is_object() || json.empty())
            loadError(vocabJson +
                      " is not a BPE vocabulary (expected a JSON object of token -> id)");
        std::int64_t maxId = -1;
        for (auto it = json.begin(); it != json.end(); ++it) {
            if (!it.value().is_number_integer() || it.value().get<std::int64_t>() < 0)
                loadError(vocabJson + " is not a BPE vocabulary: the id of token \"" + it.key() +
                          "\" is not a non-negative integer");
            const auto id = it.value().get<std::int64_t>();
            if (id > 10'000'000)
                loadError(vocabJson + ": token id " + std::to_string(id) + " is implausibly large");
            tables->vocab.emplace(it.key(), id);
            maxId = std::max(maxId, id);
        }
        tables->idToToken.assign(static_cast<std::size_t>(maxId + 1), {});
        for (const auto& [token, id] : tables->vocab) {
            if (!tables->idToToken[id].empty())
                loadError(vocabJson + ": id " + std::to_string(id) + " is used by \"" +
                          tables->idToToken[id] + "\" and \"" + token + "\"");
            tables->idToToken[id] = token;
        }
        // Byte-level BPE can produce any byte symbol, alone or ending a word.
        for (const auto& symbol : tables->byteEncoder) {
            for (const std::string& s : {symbol, symbol + kEndOfWord}) {
                if (!tables->vocab.count(s))
                    loadError(vocabJson +
                              " is not a byte-level BPE vocabulary: it lacks the byte symbol \"" +
                              s + "\"");
            }
        }
        for (const char* special : {kDefaultBos, kDefaultEos}) {
            if (!tables->vocab.count(special))
                loadError(vocabJson + " is not a CLIP vocabulary: it lacks " +
                          std::string(special));
        }
    }

    // merges.txt: "#version: ..." then one "first second" pair per line, in rank order.
    {
        const std::string text = readWholeFile(mergesTxt, "merges.txt");
        std::istringstream lines(text);
        std::string line;
        std::getline(lines, line);
        if (line.rfind("#version", 0) != 0)
            loadError(mergesTxt +
                      " is not a BPE merges file: the first line should be the "
                      "\"#version: ...\" header");
        std::vector<std::string> merges;
        while (std::getline(lines, line)) merges.push_back(line);
        // Python's strip(): trailing blank lines are not merges.
        while (!merges.empty() &&
               merges.back().find_first_not_of(" \t\r\n\v\f") == std::string::npos)
            merges.pop_back();
        if (merges.size() > kMaxMerges) merges.resize(kMaxMerges);
        for (std::size_t rank = 0; rank < merges.size(); ++rank) {
            std::istringstream fields(merges[rank]);
            std::string first, second, extra;
            if (!(fields >> first >> second) || (fields >> extra))
                loadError(mergesTxt + " line " + std::to_string(rank + 2) +
                          " is not a merge (expected two symbols separated by a space)");
            if (!tables->vocab.count(first + second))
                loadError(mergesTxt + " line " + std::to_string(rank + 2) +
                          ": the merge result \"" + first + second + "\" is not in " + vocabJson);
            tables->mergeRanks[first + " " + second] =
                rank;  // a repeated pair keeps the last rank, as dict() does
        }
    }

    // Special tokens: CLIPTokenizer defaults < tokenizer_config.json < special_tokens_map.json
    // (transformers lets special_tokens_map.json override the config's init arguments).
    std::map<std::string, std::string> specials = {
        {"bos_token", kDefaultBos},
        {"eos_token", kDefaultEos},
        {"unk_token", kDefaultEos},
        {"pad_token", kDefaultEos},
    };
    std::vector<std::string> additional;
    std::map<std::string, std::int64_t> addedById;  // content -> id from added_tokens_decoder
    int maxLength = kDefaultMaxLength;
    auto readSpecials = [&](const nlohmann::json& json, const std::string& file) {
        for (auto& [key, value] : specials) {
            if (!json.contains(key) || json[key].is_null()) continue;
            const std::string content = tokenContent(json[key]);
            if (content.empty()) loadError(file + ": \"" + key + "\" is not a token");
            value = content;
        }
        if (json.contains("additional_special_tokens") &&
            json["additional_special_tokens"].is_array())
            for (const auto& t : json["additional_special_tokens"])
                if (const std::string c = tokenContent(t); !c.empty()) additional.push_back(c);
    };
    if (!configDir.empty()) {
        const fs::path configPath = fs::path(configDir) / "tokenizer_config.json";
        std::error_code ec;
        if (fs::is_regular_file(configPath, ec)) {
            const nlohmann::json config = readJsonFile(configPath.string());
            readSpecials(config, configPath.string());
            if (config.contains("added_tokens_decoder") &&
                config["added_tokens_decoder"].is_object()) {
                for (auto it = config["added_tokens_decoder"].begin();
                     it != config["added_tokens_decoder"].end(); ++it) {
                    const std::string content = tokenContent(it.value());
                    std::int64_t id = -1;
                    try {
                        id = std::stoll(it.key());
                    } catch (const std::exception&) {
                    }
                    if (content.empty() || id < 0)
                        loadError(configPath.string() + ": added_tokens_decoder entry \"" +
                                  it.key() + "\" is not a token");
                    addedById[content] = id;
                }
            }
            if (config.contains("model_max_length") && !config["model_max_length"].is_null()) {
                const auto& value = config["model_max_length"];
                const double length = value.is_number() ? value.get<double>() : -1;
                if (!(length >= 3 && length <= 4096) || length != static_cast<int>(length))
                    loadError(configPath.string() + ": model_max_length " + value.dump() +
                              " is not a usable sequence length for CLIP (expected 77)");
                maxLength = static_cast<int>(length);
            }
        }
        const fs::path mapPath = fs::path(configDir) / "special_tokens_map.json";
        if (fs::is_regular_file(mapPath, ec))
            readSpecials(readJsonFile(mapPath.string()), mapPath.string());
    }

    auto idOf = [&](const std::string& content) -> std::int64_t {
        if (auto it = addedById.find(content); it != addedById.end()) return it->second;
        if (auto it = tables->vocab.find(content); it != tables->vocab.end()) return it->second;
        loadError("CLIP tokenizer in " + (configDir.empty() ? vocabJson : configDir) +
                  ": special token \"" + content + "\" is not in the vocabulary");
    };
    // Every special token and every added token is split off the raw text as a whole
    // (transformers' added-tokens Trie); SD3's tokenizer_2 registers its pad token `!`.
    std::map<std::string, std::int64_t> added;
    for (const auto& [key, content] : specials) added[content] = idOf(content);
    for (const auto& content : additional) added[content] = idOf(content);
    for (const auto& [content, id] : addedById) {
        if (static_cast<std::size_t>(id) >= tables->idToToken.size() &&
            !tables->vocab.count(content))
            loadError("CLIP tokenizer in " + configDir + ": added token \"" + content + "\" (id " +
                      std::to_string(id) + ") lies outside the vocabulary");
        added[content] = id;
    }
    tables->addedTokens.assign(added.begin(), added.end());
    std::stable_sort(tables->addedTokens.begin(), tables->addedTokens.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

    const std::int64_t bos = idOf(specials["bos_token"]), eos = idOf(specials["eos_token"]),
                       pad = idOf(specials["pad_token"]);
    ClipTokenizer tokenizer(std::move(tables));
    tokenizer.bosId_ = bos;
    tokenizer.eosId_ = eos;
    tokenizer.padId_ = pad;
    tokenizer.maxLength_ = maxLength;
    return tokenizer;
}

ClipTokenizer::ClipTokenizer(std::unique_ptr<Tables> tables) : tables_(std::move(tables)) {}
ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;
ClipTokenizer::~ClipTokenizer() = default;

std::size_t ClipTokenizer::vocabSize() const {
    return tables_->idToToken.size();
}

std::string ClipTokenizer::tokenText(std::int64_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= tables_->idToToken.size()) return {};
    return tables_->idToToken[id];
}

void ClipTokenizer::appendTextTokens(const std::string& piece,
                                     std::vector<std::int64_t>& out) const {
    for (const std::u32string& word : cleanWords(decodeOrThrow(piece))) {
        for (const std::u32string& p : splitPieces(word)) {
            const std::string bytes = unicode::toUtf8(p);
            std::string encoded;
            std::vector<std::string> symbols;
            symbols.reserve(bytes.size());
            for (unsigned char b : bytes) {
                encoded += tables_->byteEncoder[b];
                symbols.push_back(tables_->byteEncoder[b]);
            }
            {
                std::lock_guard<std::mutex> lock(tables_->cacheMutex);
                if (auto it = tables_->cache.find(encoded); it != tables_->cache.end()) {
                    out.insert(out.end(), it->second.begin(), it->second.end());
                    continue;
                }
            }
            std::vector<std::int64_t> ids = tables_->bpe(encoded, std::move(symbols));
            out.insert(out.end(), ids.begin(), ids.end());
            std::lock_guard<std::mutex> lock(tables_->cacheMutex);
            if (tables_->cache.size() >= kCacheLimit) tables_->cache.clear();
            tables_->cache.emplace(encoded, std::move(ids));
        }
    }
}

std::vector<std::int64_t> ClipTokenizer::tokenize(const std::string& text) const {
    decodeOrThrow(text);  // report invalid UTF-8 for the whole prompt, with its offset
    std::vector<std::int64_t> ids;
    // Split off added tokens (exact, case-sensitive, longest first); clean and BPE the rest.
    std::size_t start = 0, i = 0;
    while (i < text.size()) {
        const std::pair<std::string, std::int64_t>* hit = nullptr;
        for (const auto& token : tables_->addedTokens) {
            if (text.compare(i, token.first.size(), token.first) == 0) {
                hit = &token;
                break;
            }
        }
        if (!hit) {
            ++i;
            continue;
        }
        if (i > start) appendTextTokens(text.substr(start, i - start), ids);
        ids.push_back(hit->second);
        i += hit->first.size();
        start = i;
    }
    if (start < text.size()) appendTextTokens(text.substr(start), ids);
    return ids;
}

std::vector<std::int64_t> ClipTokenizer::encodeUntruncated(const std::string& text) const {
    std::vector<std::int64_t> ids{bosId_};
    const auto tokens = tokenize(text);
    ids.insert(ids.end(), tokens.begin(), tokens.end());
    ids.push_back(eosId_);
    return ids;
}

Tokenized ClipTokenizer::encode(const std::string& text) const {
    const auto tokens = tokenize(text);
    Tokenized result;
    result.tokenCount = tokens.size();
    const std::size_t kept = std::min(tokens.size(), capacity());
    result.droppedTokens = tokens.size() - kept;
    result.truncated = result.droppedTokens > 0;
    result.ids.reserve(maxLength_);
    result.ids.push_back(bosId_);
    result.ids.insert(result.ids.end(), tokens.begin(), tokens.begin() + kept);
    result.ids.push_back(eosId_);
    result.ids.resize(maxLength_, padId_);
    return result;
}

}  // namespace archival::engine
