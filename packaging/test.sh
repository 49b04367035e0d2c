#!/usr/bin/env bash
# One command to run every test on a fresh Debian 12 machine: installs what is missing,
# builds, then runs the CTest suite headless and the sanitizer step (packaging/sanitize.sh).
# Extra arguments go to ctest and run just those tests, without the sanitizer step
# (e.g. `-L slow` for the slow full-size checks, `-R safetensors`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${ARCHIVAL_BUILD_DIR:-$ROOT/build}
"$ROOT/packaging/setup.sh"

export QT_QPA_PLATFORM=offscreen
export ARCHIVAL_FIXTURES=${ARCHIVAL_FIXTURES:-$ROOT/../shared/fixtures}
# Tests never touch the user's real settings, caches or keyring.
TEST_HOME=$(mktemp -d)
trap 'rm -rf "$TEST_HOME"' EXIT
export XDG_CONFIG_HOME=$TEST_HOME/config XDG_DATA_HOME=$TEST_HOME/data XDG_CACHE_HOME=$TEST_HOME/cache

if [ $# -gt 0 ]; then
    ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)" "$@"
    exit
fi
# The whole run (CI's): the suite, then the sanitizer step (packaging/sanitize.sh) even when
# the suite failed, so that one run reports both.
status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)" -LE slow || status=$?
"$ROOT/packaging/sanitize.sh" || status=$?
exit $status
