#include "engine/util/json_file.h"

#include <fstream>

#include "engine/errors.h"

namespace archival::engine {

nlohmann::json readJsonFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw EngineError(ErrorKind::ModelLoad, "missing file " + path);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw EngineError(ErrorKind::ModelLoad, path + " is not valid JSON: " + e.what());
    }
    if (!j.is_object()) throw EngineError(ErrorKind::ModelLoad, path + " is not a JSON object");
    return j;
}

}  // namespace archival::engine
