# ARCHIVAL_SANITIZE: a comma-separated list of sanitizers (e.g. address,undefined) that every
# target defined after this file is included gets, compiled and linked: the Qt layers
# (core/pipeline, core/adapters, ui, app) and the tests. The top-level CMakeLists includes it
# after core/engine and archival-bench, so the engine and libtorch stay unsanitized: libtorch
# comes prebuilt, and sanitizing the engine's tensor code would make the tiny-model tests
# slow without checking anything of ours that the Qt layers do not.
#
# An executable linked with -fsanitize carries the sanitizer runtimes itself (no LD_PRELOAD).
# Their malloc and operator new serve libtorch and the engine too, so a double or mismatched
# free there is still caught; reads and writes are checked in sanitized code only.
# UndefinedBehaviorSanitizer does not recover: a report aborts the process, so the test that
# ran it fails. packaging/sanitize.sh sets the run-time options
# (halt on the first report, leaks on) and the suppressions.
set(ARCHIVAL_SANITIZE "" CACHE STRING
    "Sanitizers for the Qt layers and the tests, e.g. address,undefined (empty: none)")

if(ARCHIVAL_SANITIZE)
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        message(FATAL_ERROR "ARCHIVAL_SANITIZE needs GCC or Clang")
    endif()
    # -O1 whatever the build type: the engine keeps the build type's flags (and so the same
    # compile commands, and ccache's objects, as the normal build) while sanitized code gets
    # the level the sanitizers' authors recommend, fast enough to run and with full stacks.
    set(_archival_sanitize_flags -fsanitize=${ARCHIVAL_SANITIZE} -fno-omit-frame-pointer -O1 -g)
    if(ARCHIVAL_SANITIZE MATCHES "undefined")
        list(APPEND _archival_sanitize_flags -fno-sanitize-recover=undefined)
    endif()
    add_compile_options(${_archival_sanitize_flags})
    add_link_options(-fsanitize=${ARCHIVAL_SANITIZE})
    message(STATUS "Sanitizers for the Qt layers and tests: ${ARCHIVAL_SANITIZE}")
endif()
