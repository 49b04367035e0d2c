#!/usr/bin/env bash
# The sanitizer step: the Qt layers, the studio and the tests of the batch queue and the host
# (their peers included, the fuzz of `serve` among them) built with AddressSanitizer and
# UndefinedBehaviorSanitizer in a build folder of their own, then those tests run so that any
# report fails the step. The engine and libtorch stay unsanitized
# (packaging/cmake/ArchivalSanitize.cmake says why). packaging/test.sh runs it after the
# suite; alone, after packaging/setup.sh:
#
#   packaging/sanitize.sh            build what the tests need, run every `sanitize` test
#   packaging/sanitize.sh -R fuzz    extra arguments go to ctest
#
# Environment:
#   ARCHIVAL_SANITIZE_BUILD_DIR  build folder (default: build-asan)
#   ARCHIVAL_VENV                Python virtual environment holding libtorch (default: .venv)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${ARCHIVAL_SANITIZE_BUILD_DIR:-$ROOT/build-asan}
VENV=${ARCHIVAL_VENV:-$ROOT/.venv}
SUPPRESSIONS=$ROOT/packaging/sanitizers

log() { printf '[sanitize] %s\n' "$*" >&2; }

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    torch_prefix=$("$VENV/bin/python" -W ignore -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
    # Release, as the normal build: the engine is compiled exactly as there (ccache has it);
    # the sanitized targets get their own optimisation level.
    log "Configuring the sanitized build in $(basename "$BUILD_DIR")"
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
        -DCMAKE_BUILD_TYPE=Release \
        -DARCHIVAL_SANITIZE=address,undefined \
        -DCMAKE_PREFIX_PATH="$torch_prefix"
fi
log "Building the sanitized tests"
cmake --build "$BUILD_DIR" --target sanitized_tests --parallel "$(nproc)"

export QT_QPA_PLATFORM=offscreen
export ARCHIVAL_FIXTURES=${ARCHIVAL_FIXTURES:-$ROOT/../shared/fixtures}
TEST_HOME=$(mktemp -d)
trap 'rm -rf "$TEST_HOME"' EXIT
export XDG_CONFIG_HOME=$TEST_HOME/config XDG_DATA_HOME=$TEST_HOME/data XDG_CACHE_HOME=$TEST_HOME/cache

# Every report also goes to a file, one per process: a report from a process whose exit
# status no test looks at (a server a peer stops, a child a test kills) still fails the step.
REPORTS=$BUILD_DIR/sanitizer-reports
rm -rf "$REPORTS"
mkdir -p "$REPORTS"
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:detect_odr_violation=2:log_path=$REPORTS/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1:log_path=$REPORTS/ubsan"
export LSAN_OPTIONS="suppressions=$SUPPRESSIONS/lsan.supp:print_suppressions=0"

status=0
ctest --test-dir "$BUILD_DIR" -L sanitize --output-on-failure --parallel "$(nproc)" "$@" || status=$?

shopt -s nullglob
reports=("$REPORTS"/*)
if [ ${#reports[@]} -gt 0 ]; then
    for report in "${reports[@]}"; do
        log "Report in $(basename "$report"):"
        cat "$report" >&2
    done
    log "${#reports[@]} sanitizer report(s): the step fails"
    status=1
fi
if [ $status -eq 0 ]; then log "No sanitizer reports"; fi
exit $status
