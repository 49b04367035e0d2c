#pragma once
// Reads the small JSON files that describe models (config.json, scheduler_config.json,
// model_index.json, tokenizer_config.json) with errors that name the file.

#include <nlohmann/json.hpp>
#include <string>

namespace archival::engine {

// Throws EngineError(ModelLoad) when the file is missing or not a JSON object.
nlohmann::json readJsonFile(const std::string& path);

// A typed field with a default, or an error naming file and key when the type is wrong.
template <typename T>
T jsonValue(const nlohmann::json& obj, const char* key, const T& fallback) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return fallback;
    return it->template get<T>();
}

}  // namespace archival::engine
