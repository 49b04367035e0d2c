# Fails when a translation is unfinished: in the .ts files as committed, or once lupdate has
# read the sources again (a new or changed tr() string without its translation).
# Usage: cmake -DTS_DIR=<dir> -DLUPDATE=<exe> -DSOURCES="a.cpp|b.cpp" -DINCLUDE=<dir>
#        -DWORK=<dir> -P check_translations.cmake
# INCLUDE lets lupdate find the classes' headers, so contexts carry their namespaces as in
# the build's own lupdate run.
file(GLOB ts_files "${TS_DIR}/*.ts")
if(NOT ts_files)
    message(FATAL_ERROR "no .ts files in ${TS_DIR}")
endif()
string(REPLACE "|" ";" sources "${SOURCES}")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(problems "")
foreach(ts IN LISTS ts_files)
    get_filename_component(name "${ts}" NAME)
    file(READ "${ts}" text)
    string(REGEX MATCHALL "type=\"unfinished\"" hits "${text}")
    list(LENGTH hits committed)
    configure_file("${ts}" "${WORK}/${name}" COPYONLY)
    execute_process(COMMAND "${LUPDATE}" -silent -locations none "-I${INCLUDE}" ${sources} -ts "${WORK}/${name}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "lupdate failed on ${name}: ${out}${err}")
    endif()
    file(READ "${WORK}/${name}" updated)
    string(REGEX MATCHALL "type=\"unfinished\"" hits "${updated}")
    list(LENGTH hits current)
    string(REGEX MATCHALL "<message" messages "${updated}")
    list(LENGTH messages total)
    message(STATUS "${name}: ${total} messages, ${committed} unfinished as committed, "
                   "${current} unfinished against the sources")
    if(committed GREATER 0 OR current GREATER 0)
        string(REGEX MATCHALL "<source>[^<]*</source>[ \n\t]*<translation type=\"unfinished\"" first "${updated}")
        list(SUBLIST first 0 5 first)
        list(APPEND problems "${name}: ${current} unfinished, e.g. ${first}")
    endif()
endforeach()
if(problems)
    list(JOIN problems "\n" text)
    message(FATAL_ERROR "unfinished translations (run `ninja update_translations`, then translate):\n${text}")
endif()
