#!/usr/bin/env bash
# One command to run every test on a fresh Debian 12 machine: installs what is missing,
# builds, then runs the CTest suite headless. Extra arguments go to ctest
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

if [ $# -eq 0 ]; then set -- -LE slow; fi
ctest --test-dir "$BUILD_DIR" --output-on-failure --parallel "$(nproc)" "$@"
