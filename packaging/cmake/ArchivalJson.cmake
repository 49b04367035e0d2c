# nlohmann-json: Debian's package, or (engine-only builds on a machine without it) the
# copy that PyPI's torch package ships in its include folder.
find_package(nlohmann_json 3 QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
    find_path(ARCHIVAL_NLOHMANN_INCLUDE nlohmann/json.hpp HINTS ${TORCH_INCLUDE_DIRS})
    if(NOT ARCHIVAL_NLOHMANN_INCLUDE)
        message(FATAL_ERROR "nlohmann-json not found: install nlohmann-json3-dev")
    endif()
    add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
    target_include_directories(nlohmann_json::nlohmann_json INTERFACE ${ARCHIVAL_NLOHMANN_INCLUDE})
endif()
