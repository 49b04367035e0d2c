# nlohmann-json: Debian's package (nlohmann-json3-dev), else a header folder given as
# ARCHIVAL_NLOHMANN_INCLUDE, e.g. the include/ folder of PyPI's `nlohmann-json` wheel, which
# packaging/gpu-check.sh brings to a GPU machine that has only Python's torch.
find_package(nlohmann_json 3 QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
    find_path(ARCHIVAL_NLOHMANN_INCLUDE nlohmann/json.hpp HINTS ${TORCH_INCLUDE_DIRS})
    if(NOT ARCHIVAL_NLOHMANN_INCLUDE)
        message(FATAL_ERROR "nlohmann-json not found: install nlohmann-json3-dev, or give "
                            "-DARCHIVAL_NLOHMANN_INCLUDE=<folder holding nlohmann/json.hpp> "
                            "(PyPI's nlohmann-json wheel has one: nlohmann_json/include)")
    endif()
    message(STATUS "nlohmann-json from ${ARCHIVAL_NLOHMANN_INCLUDE}")
    add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
    target_include_directories(nlohmann_json::nlohmann_json INTERFACE ${ARCHIVAL_NLOHMANN_INCLUDE})
endif()
