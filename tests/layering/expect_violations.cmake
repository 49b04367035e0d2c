# The layering check must catch what it is for: runs check_layering.cmake on the planted tree
# (violating_tree/, with compile commands written here for its .cpp files) and passes only
# when the check fails with every expected message and without naming the clean file.
#
# Usage: cmake -DCXX=<C++ compiler> -DWORK=<scratch folder> -P expect_violations.cmake
cmake_minimum_required(VERSION 3.22)
if(NOT CXX OR NOT WORK)
    message(FATAL_ERROR "CXX and WORK must be set")
endif()
set(here "${CMAKE_CURRENT_LIST_DIR}")
set(tree "${here}/violating_tree")

# One message per planted violation, exactly as the check words them.
set(expected
    "core/engine/uses_qt.cpp: core/engine must not include Qt: fake_system/QtCore/QString"
    "core/pipeline/uses_ui.cpp: core/pipeline must not include a layer above it: ui/main_window.h"
    "core/adapters/uses_unreachable_ui.cpp: core/adapters must not include a layer above it: ui/host_panel.h (not found)"
    "ui/uses_torch.cpp: ui must not include libtorch: torch/torch.h (not found)"
    "ui/uses_engine_internals.cpp: ui must not include engine internals (outside core/engine/include): core/engine/models/unet2d_condition.h"
    "ui/uses_engine_internals.cpp: ui must not include libtorch: fake_system/ATen/ATen.h")
set(clean "ui/clean.cpp")

# Compile commands as CMake writes them: Qt's folders and the engine's public face on the
# include path, libtorch not.
file(GLOB_RECURSE sources RELATIVE "${tree}" "${tree}/*.cpp")
list(SORT sources)
set(entries "")
foreach(rel IN LISTS sources)
    set(command "${CXX} -std=c++17 -I${tree}/core/engine/include -I${tree}/core -I${tree} "
                "-isystem ${tree}/fake_system -isystem ${tree}/fake_system/QtCore "
                "-o planted.o -c ${tree}/${rel}")
    string(JOIN "" command ${command})
    list(APPEND entries "{\"directory\": \"${WORK}\", \"command\": \"${command}\", \"file\": \"${tree}/${rel}\"}")
endforeach()
string(JOIN ",\n" entries ${entries})
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/compile_commands.json" "[\n${entries}\n]\n")

execute_process(
    COMMAND "${CMAKE_COMMAND}" -DROOT=${tree} -DCOMPILE_COMMANDS=${WORK}/compile_commands.json
            -DWORK=${WORK}/deps -P "${here}/check_layering.cmake"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
message("${out}")

set(problems "")
if(rc EQUAL 0)
    list(APPEND problems "the check passed a tree that breaks the rule")
endif()
foreach(text IN LISTS expected)
    string(FIND "${out}" "${text}" at)
    if(at EQUAL -1)
        list(APPEND problems "missing: ${text}")
    endif()
endforeach()
string(FIND "${out}" "${clean}" at)
if(NOT at EQUAL -1)
    list(APPEND problems "${clean} (which breaks no rule) was reported")
endif()
if(problems)
    list(JOIN problems "\n  " text)
    message(FATAL_ERROR "layering_detects_violations:\n  ${text}")
endif()
list(LENGTH expected n)
message(STATUS "layering_detects_violations: all ${n} planted violations reported, the clean "
               "file not")
