#include "engine/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/errors.h"

namespace archival::engine {
namespace {

using nlohmann::json;

// Real headers are a few hundred KiB (SD3.5's transformer: ~150 KiB). The reference
// implementation caps them at 100 MB; a larger claim is a broken or hostile file.
constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw EngineError(ErrorKind::ModelLoad, "invalid safetensors file " + path + ": " + problem);
}

std::uint64_t readLittleEndian64(const std::byte* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<std::uint64_t>(p[i]);
    return v;
}

// Multiplies with overflow detection; false on overflow.
bool mulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    out = a * b;
    return true;
}

std::uint64_t toOffset(const json& v, const std::string& path, const std::string& what) {
    if (!v.is_number_unsigned()) fail(path, what + " is not a non-negative integer");
    return v.get<std::uint64_t>();
}

TensorInfo parseEntry(const std::string& name, const json& entry, const std::string& path) {
    const std::string where = "tensor '" + name + "'";
    if (!entry.is_object()) fail(path, where + " is not an object");
    for (const auto& item : entry.items()) {
        if (item.key() != "dtype" && item.key() != "shape" && item.key() != "data_offsets")
            fail(path, where + " has an unknown field '" + item.key() + "'");
    }
    if (!entry.contains("dtype") || !entry["dtype"].is_string())
        fail(path, where + " has no dtype string");
    if (!entry.contains("shape") || !entry["shape"].is_array())
        fail(path, where + " has no shape array");
    if (!entry.contains("data_offsets") || !entry["data_offsets"].is_array() ||
        entry["data_offsets"].size() != 2)
        fail(path, where + " has no [begin, end] data_offsets");

    TensorInfo info;
    info.name = name;
    const auto dtypeText = entry["dtype"].get<std::string>();
    const auto dtype = dtypeFromName(dtypeText);
    if (!dtype) fail(path, where + " has an unknown dtype '" + dtypeText + "'");
    info.dtype = *dtype;

    std::uint64_t count = 1;
    for (const auto& dim : entry["shape"]) {
        const std::uint64_t d = toOffset(dim, path, where + " shape entry");
        if (d > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
            !mulChecked(count, d, count))
            fail(path, where + " has a shape too large to address");
        info.shape.push_back(static_cast<std::int64_t>(d));
    }
    info.begin = toOffset(entry["data_offsets"][0], path, where + " begin offset");
    info.end = toOffset(entry["data_offsets"][1], path, where + " end offset");
    if (info.end < info.begin) fail(path, where + " ends before it begins");

    std::uint64_t bytes = 0;
    if (!mulChecked(count, dtypeSize(info.dtype), bytes))
        fail(path, where + " has a shape too large to address");
    if (bytes != info.byteSize()) {
        fail(path, where + " has shape/size mismatch: " + std::to_string(count) + " x " +
                       dtypeName(info.dtype) + " needs " + std::to_string(bytes) +
                       " bytes but its offsets span " + std::to_string(info.byteSize()));
    }
    return info;
}

}  // namespace

const char* dtypeName(DType dtype) {
    switch (dtype) {
        case DType::F64:
            return "F64";
        case DType::F32:
            return "F32";
        case DType::F16:
            return "F16";
        case DType::BF16:
            return "BF16";
        case DType::I64:
            return "I64";
        case DType::I32:
            return "I32";
        case DType::I16:
            return "I16";
        case DType::I8:
            return "I8";
        case DType::U8:
            return "U8";
        case DType::Bool:
            return "BOOL";
    }
    return "?";
}

std::optional<DType> dtypeFromName(std::string_view name) {
    static const std::pair<std::string_view, DType> table[] = {
        {"F64", DType::F64}, {"F32", DType::F32},  {"F16", DType::F16}, {"BF16", DType::BF16},
        {"I64", DType::I64}, {"I32", DType::I32},  {"I16", DType::I16}, {"I8", DType::I8},
        {"U8", DType::U8},   {"BOOL", DType::Bool}};
    for (const auto& [n, d] : table)
        if (n == name) return d;
    return std::nullopt;
}

std::size_t dtypeSize(DType dtype) {
    switch (dtype) {
        case DType::F64:
        case DType::I64:
            return 8;
        case DType::F32:
        case DType::I32:
            return 4;
        case DType::F16:
        case DType::BF16:
        case DType::I16:
            return 2;
        case DType::I8:
        case DType::U8:
        case DType::Bool:
            return 1;
    }
    return 1;
}

bool isFloatingPoint(DType dtype) {
    return dtype == DType::F64 || dtype == DType::F32 || dtype == DType::F16 ||
           dtype == DType::BF16;
}

std::int64_t TensorInfo::numel() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    return parse(MappedFile::open(path));
}

SafetensorsFile SafetensorsFile::parse(std::shared_ptr<const MappedFile> file) {
    const std::string& path = file->path();
    const std::uint64_t fileSize = file->size();
    if (fileSize < 8)
        fail(path, "file is " + std::to_string(fileSize) +
                       " bytes, shorter than the 8-byte header length");
    const std::uint64_t headerLen = readLittleEndian64(file->data());
    if (headerLen > kMaxHeaderBytes)
        fail(path, "header length " + std::to_string(headerLen) + " exceeds the 100 MB limit");
    if (headerLen > fileSize - 8)
        fail(path, "header length " + std::to_string(headerLen) + " is larger than the file (" +
                       std::to_string(fileSize) + " bytes)");
    if (headerLen < 2) fail(path, "header is too short to be a JSON object");

    const char* headerText = reinterpret_cast<const char*>(file->data() + 8);
    if (headerText[0] != '{') fail(path, "header does not start with a JSON object");

    // nlohmann keeps the last of duplicated keys silently; catch duplicates while parsing.
    std::set<std::string> seenKeys;
    std::string duplicate;
    json::parser_callback_t onEvent = [&](int depth, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::key && depth == 1) {
            const auto key = parsed.get<std::string>();
            if (!seenKeys.insert(key).second && duplicate.empty()) duplicate = key;
        }
        return true;
    };
    json header;
    try {
        header = json::parse(headerText, headerText + headerLen, onEvent);
    } catch (const json::exception& e) {
        fail(path, std::string("header is not valid JSON (") + e.what() + ")");
    }
    if (!duplicate.empty()) fail(path, "tensor name '" + duplicate + "' appears twice");
    if (!header.is_object()) fail(path, "header is not a JSON object");

    SafetensorsFile result;
    result.file_ = std::move(file);
    result.dataStart_ = 8 + headerLen;
    const std::uint64_t dataSize = fileSize - result.dataStart_;

    for (const auto& item : header.items()) {
        if (item.key() == "__metadata__") {
            if (!item.value().is_object()) fail(path, "__metadata__ is not an object");
            for (const auto& m : item.value().items()) {
                if (!m.value().is_string())
                    fail(path, "__metadata__ value '" + m.key() + "' is not a string");
                result.metadata_[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        TensorInfo info = parseEntry(item.key(), item.value(), path);
        if (info.end > dataSize) {
            fail(path, "tensor '" + info.name + "' ends at byte " + std::to_string(info.end) +
                           " but the data area has only " + std::to_string(dataSize));
        }
        result.tensors_.push_back(std::move(info));
    }

    // Overlap check on tensors ordered by their start.
    std::vector<const TensorInfo*> byOffset;
    for (const auto& t : result.tensors_) byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(), [](const TensorInfo* a, const TensorInfo* b) {
        return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
    });
    for (std::size_t i = 1; i < byOffset.size(); ++i) {
        const TensorInfo* prev = byOffset[i - 1];
        const TensorInfo* cur = byOffset[i];
        if (cur->begin < prev->end) {
            fail(path, "tensors '" + prev->name + "' and '" + cur->name + "' overlap");
        }
    }
    std::sort(result.tensors_.begin(), result.tensors_.end(),
              [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });
    return result;
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const {
    auto it = std::lower_bound(tensors_.begin(), tensors_.end(), name,
                               [](const TensorInfo& t, std::string_view n) { return t.name < n; });
    return (it != tensors_.end() && it->name == name) ? &*it : nullptr;
}

const std::byte* SafetensorsFile::data(const TensorInfo& info) const {
    return file_->data() + dataStart_ + info.begin;
}

std::string makeSafetensorsHeader(std::vector<TensorInfo>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
    json header = json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    for (auto& t : tensors) {
        std::uint64_t bytes = dtypeSize(t.dtype);
        for (auto d : t.shape) bytes *= static_cast<std::uint64_t>(d);
        t.begin = offset;
        t.end = offset + bytes;
        offset = t.end;
        header[t.name] = {
            {"dtype", dtypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
    }
    std::string text = header.dump();
    // Pad to 8 bytes so tensor data stays aligned, as the reference writer does.
    while ((text.size() % 8) != 0) text.push_back(' ');
    std::string out(8, '\0');
    std::uint64_t n = text.size();
    for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + text;
}

}  // namespace archival::engine
