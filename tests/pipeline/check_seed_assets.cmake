# The committed assets of tests/data/programs-seed-tiny.json are the output of
# tests/data/make_seed_assets.py: made again into WORK, they must be byte for byte the same.
#   cmake -DPYTHON=... -DSOURCE=<repo> -DFIXTURES=<dir> -DWORK=<dir> -P check_seed_assets.cmake
# Fixtures: $ARCHIVAL_FIXTURES when set, as for every test, else the FIXTURES given.
if(DEFINED ENV{ARCHIVAL_FIXTURES} AND NOT "$ENV{ARCHIVAL_FIXTURES}" STREQUAL "")
    set(FIXTURES $ENV{ARCHIVAL_FIXTURES})
endif()
file(REMOVE_RECURSE ${WORK})
execute_process(
    COMMAND ${PYTHON} ${SOURCE}/tests/data/make_seed_assets.py --fixtures ${FIXTURES} --out ${WORK}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "make_seed_assets.py failed (${rc}):\n${out}${err}")
endif()
foreach(name malaya.png chuamiatee.safetensors)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files
                            ${WORK}/${name} ${SOURCE}/tests/data/assets/${name}
                    RESULT_VARIABLE differ)
    if(NOT differ EQUAL 0)
        message(FATAL_ERROR "tests/data/assets/${name} is not what make_seed_assets.py makes: "
                            "run it again and commit its output")
    endif()
endforeach()
message(STATUS "the committed seed assets are the script's output")
