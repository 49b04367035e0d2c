#include "engine/schedulers/scheduler_config.h"

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "engine/errors.h"

namespace archival::engine {

namespace {

// Python's json writes these for float('inf'), -inf and nan (allow_nan=True, the default).
constexpr const char* kNonFiniteTokens[] = {"-Infinity", "Infinity", "NaN"};

// Quotes the non-finite tokens that appear outside strings so that a strict parser accepts
// the text; number() turns the quoted spellings back into values.
std::string quoteNonFiniteTokens(const std::string& text) {
    std::string out;
    out.reserve(text.size() + 16);
    bool inString = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (inString) {
            out += c;
            if (c == '\\' && i + 1 < text.size()) {
                out += text[i + 1];
                i += 2;
                continue;
            }
            if (c == '"') inString = false;
            ++i;
            continue;
        }
        if (c == '"') {
            inString = true;
            out += c;
            ++i;
            continue;
        }
        bool replaced = false;
        for (const char* token : kNonFiniteTokens) {
            const std::string t(token);
            if (text.compare(i, t.size(), t) == 0) {
                out += '"' + t + '"';
                i += t.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out += c;
            ++i;
        }
    }
    return out;
}

std::string describe(const nlohmann::json& value) {
    std::string s = value.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

}  // namespace

nlohmann::json parseSchedulerConfig(const std::string& text) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(quoteNonFiniteTokens(text));
    } catch (const nlohmann::json::exception& e) {
        throw EngineError(ErrorKind::ModelLoad,
                          std::string("scheduler config is not valid JSON: ") + e.what());
    }
    if (!j.is_object())
        throw EngineError(ErrorKind::ModelLoad, "scheduler config is not a JSON object");
    return j;
}

nlohmann::json readSchedulerConfigFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw EngineError(ErrorKind::ModelLoad, "missing scheduler config " + path);
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return parseSchedulerConfig(text.str());
    } catch (const EngineError& e) {
        throw EngineError(e.kind(), path + ": " + e.what());
    }
}

SchedulerConfig::SchedulerConfig(nlohmann::json config, std::string schedulerName)
    : config_(std::move(config)), scheduler_(std::move(schedulerName)) {
    if (config_.is_null()) config_ = nlohmann::json::object();
    if (!config_.is_object())
        throw EngineError(
            ErrorKind::ModelLoad,
            scheduler_ + ": the scheduler config must be a JSON object, got " + describe(config_));
}

const nlohmann::json* SchedulerConfig::find(const char* key) const {
    auto it = config_.find(key);
    if (it == config_.end() || it->is_null()) return nullptr;
    return &*it;
}

bool SchedulerConfig::has(const char* key) const {
    return find(key) != nullptr;
}

void SchedulerConfig::fail(const char* key, const std::string& why) const {
    const auto* v = find(key);
    throw EngineError(ErrorKind::ModelLoad, scheduler_ + ": scheduler config `" + key + "`" +
                                                (v ? " = " + describe(*v) : std::string()) + ": " +
                                                why);
}

int SchedulerConfig::integer(const char* key, int fallback) const {
    const auto* v = find(key);
    if (!v) return fallback;
    if (v->is_number_integer()) return v->get<int>();
    if (v->is_number_float()) {
        const double d = v->get<double>();
        if (std::floor(d) == d && std::abs(d) < 1e9) return static_cast<int>(d);
    }
    fail(key, "must be a whole number");
}

double SchedulerConfig::number(const char* key, double fallback) const {
    const auto* v = find(key);
    if (!v) return fallback;
    if (v->is_number()) return v->get<double>();
    if (v->is_string()) {
        const auto& s = v->get_ref<const std::string&>();
        if (s == "Infinity") return std::numeric_limits<double>::infinity();
        if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
        if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    }
    fail(key, "must be a number");
}

bool SchedulerConfig::boolean(const char* key, bool fallback) const {
    const auto* v = find(key);
    if (!v) return fallback;
    if (v->is_boolean()) return v->get<bool>();
    fail(key, "must be true or false");
}

std::string SchedulerConfig::text(const char* key, const std::string& fallback) const {
    const auto* v = find(key);
    if (!v) return fallback;
    if (v->is_string()) return v->get<std::string>();
    fail(key, "must be a string");
}

std::optional<std::vector<double>> SchedulerConfig::numberList(const char* key) const {
    const auto* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_array()) fail(key, "must be a list of numbers");
    std::vector<double> out;
    out.reserve(v->size());
    for (const auto& e : *v) {
        if (!e.is_number()) fail(key, "must be a list of numbers");
        out.push_back(e.get<double>());
    }
    return out;
}

std::string SchedulerConfig::choice(const char* key, const std::string& fallback,
                                    std::initializer_list<const char*> allowed) const {
    const std::string value = text(key, fallback);
    std::string list;
    for (const char* a : allowed) {
        if (value == a) return value;
        list += (list.empty() ? "" : ", ") + std::string(a);
    }
    fail(key, "not supported here; supported: " + list);
}

void SchedulerConfig::requireBoolean(const char* key, bool fallback, bool supported) const {
    if (boolean(key, fallback) != supported)
        fail(key, std::string("not supported here; only ") + (supported ? "true" : "false") +
                      " is implemented");
}

}  // namespace archival::engine
