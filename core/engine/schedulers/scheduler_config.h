#pragma once
// Reads a diffusers scheduler_config.json the way `SchedulerClass.from_config(config)` does:
// each scheduler asks for the keys it knows, with its own default when the key is missing or
// null, and ignores keys meant for other schedulers (an SD1.5 PNDM config drives Euler too).
// A value of the wrong type, or a value this engine does not implement, is an
// EngineError(ModelLoad) that names the key and what would work.

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace archival::engine {

// Parses scheduler config text. Python's json module writes the non-standard tokens
// `-Infinity`, `Infinity` and `NaN` (diffusers saves `"lambda_min_clipped": -Infinity`), which
// strict JSON parsers reject; they are accepted here and read back as numbers.
// Throws EngineError(ModelLoad) for text that is not a JSON object.
nlohmann::json parseSchedulerConfig(const std::string& text);

// parseSchedulerConfig on a file's contents; errors name the file.
nlohmann::json readSchedulerConfigFile(const std::string& path);

class SchedulerConfig {
  public:
    // `schedulerName` only labels error messages.
    SchedulerConfig(nlohmann::json config, std::string schedulerName);

    const nlohmann::json& json() const { return config_; }
    bool has(const char* key) const;  // present and not null

    int integer(const char* key, int fallback) const;
    double number(const char* key, double fallback) const;
    bool boolean(const char* key, bool fallback) const;
    std::string text(const char* key, const std::string& fallback) const;
    // A list of numbers (trained_betas), or nothing when absent or null.
    std::optional<std::vector<double>> numberList(const char* key) const;
    // A text option that must be one of `allowed`.
    std::string choice(const char* key, const std::string& fallback,
                       std::initializer_list<const char*> allowed) const;
    // A boolean option this engine only implements at `supported`.
    void requireBoolean(const char* key, bool fallback, bool supported) const;

    // Throws EngineError(ModelLoad): "<scheduler>: scheduler config `key` = value: why".
    [[noreturn]] void fail(const char* key, const std::string& why) const;

  private:
    const nlohmann::json* find(const char* key) const;
    nlohmann::json config_;
    std::string scheduler_;
};

}  // namespace archival::engine
