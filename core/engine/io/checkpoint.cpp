#include "engine/io/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/errors.h"

namespace archival::engine {
namespace fs = std::filesystem;
namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "model.fp16.safetensors", "x.safetensors.index.fp16.json": a precision variant.
bool isVariant(const std::string& name) {
    return name.find(".fp16.") != std::string::npos || name.find(".bf16.") != std::string::npos ||
           name.find(".fp32.") != std::string::npos;
}

[[noreturn]] void fail(const std::string& message) {
    throw EngineError(ErrorKind::ModelLoad, message);
}

}  // namespace

std::string Checkpoint::locate(const std::string& folder) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) fail("model folder not found: " + folder);
    std::vector<std::string> indexes, singles;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        const std::string name = e.path().filename().string();
        if (endsWith(name, ".safetensors.index.json") ||
            (name.find(".safetensors.index.") != std::string::npos && endsWith(name, ".json")))
            indexes.push_back(name);
        else if (endsWith(name, ".safetensors"))
            singles.push_back(name);
    }
    std::sort(indexes.begin(), indexes.end());
    std::sort(singles.begin(), singles.end());
    auto pick = [&](bool variant) -> std::string {
        std::vector<std::string> idx, one;
        for (auto& n : indexes)
            if (isVariant(n) == variant) idx.push_back(n);
        for (auto& n : singles)
            if (isVariant(n) == variant && n.find("-of-") == std::string::npos) one.push_back(n);
        if (idx.size() == 1) return idx.front();
        if (idx.size() > 1) fail("ambiguous weights in " + folder + ": several index files");
        if (one.size() == 1) return one.front();
        if (one.size() > 1)
            fail("ambiguous weights in " + folder + ": " + one[0] + " and " + one[1]);
        return {};
    };
    std::string chosen = pick(false);
    if (chosen.empty()) chosen = pick(true);
    if (chosen.empty()) fail("no .safetensors weights in " + folder);
    return (fs::path(folder) / chosen).string();
}

Checkpoint Checkpoint::open(const std::string& pathIn) {
    std::error_code ec;
    std::string path = fs::is_directory(pathIn, ec) ? locate(pathIn) : pathIn;
    Checkpoint cp;
    cp.path_ = path;

    if (!endsWith(path, ".json")) {
        cp.shards_.push_back(SafetensorsFile::open(path));
    } else {
        std::ifstream in(path);
        if (!in) throw EngineError(ErrorKind::Storage, "cannot read index " + path);
        nlohmann::json index;
        try {
            index = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            fail("index " + path + " is not valid JSON (" + e.what() + ")");
        }
        if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
            fail("index " + path + " has no weight_map object");
        std::map<std::string, std::string> weightMap;
        std::set<std::string> shardNames;
        for (const auto& item : index["weight_map"].items()) {
            if (!item.value().is_string())
                fail("index " + path + ": entry '" + item.key() + "' is not a file name");
            const auto shard = item.value().get<std::string>();
            if (shard.find('/') != std::string::npos || shard == "..")
                fail("index " + path + ": shard name '" + shard + "' leaves the model folder");
            weightMap[item.key()] = shard;
            shardNames.insert(shard);
        }
        const fs::path dir = fs::path(path).parent_path();
        std::map<std::string, std::size_t> shardIndex;
        cp.shards_.reserve(shardNames.size());
        for (const auto& s : shardNames) {
            shardIndex[s] = cp.shards_.size();
            cp.shards_.push_back(SafetensorsFile::open((dir / s).string()));
        }
        for (const auto& [name, shard] : weightMap) {
            const SafetensorsFile& f = cp.shards_[shardIndex[shard]];
            const TensorInfo* info = f.find(name);
            if (!info)
                fail("index " + path + " places '" + name + "' in " + shard + ", which lacks it");
            cp.entries_[name] = Entry{&f, info};
        }
        for (const auto& f : cp.shards_) {
            for (const auto& t : f.tensors()) {
                auto it = weightMap.find(t.name);
                if (it == weightMap.end())
                    fail("shard " + f.path() + " holds '" + t.name +
                         "', which the index does not list");
            }
        }
        return cp;
    }
    for (const auto& t : cp.shards_.front().tensors())
        cp.entries_[t.name] = Entry{&cp.shards_.front(), &t};
    return cp;
}

const Checkpoint::Entry* Checkpoint::find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
}

std::uint64_t Checkpoint::totalBytes() const {
    std::uint64_t n = 0;
    for (const auto& [name, e] : entries_) n += e.info->byteSize();
    return n;
}

}  // namespace archival::engine
