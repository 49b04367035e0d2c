#!/usr/bin/env bash
# The engine beside diffusers and OpenVINO on this CPU, one markdown table (app/bench/compare.py):
# makes the peers' environment when needed, then runs the comparison with it.
#
#   app/bench/compare.sh [compare.py options]      e.g. --threads 2 --lock /path/to/build.lock
#
# Environment:
#   ARCHIVAL_FIXTURES    the fixtures folder (its manifests/ hold the reference configs)
#   ARCHIVAL_BUILD_DIR   where archival-bench was built (default: build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${ARCHIVAL_BUILD_DIR:-$ROOT/build}
PYTHON=$("$ROOT/app/bench/peers/make_venv.sh" | tail -n 1)
exec "$PYTHON" "$ROOT/app/bench/compare.py" --bench "$BUILD_DIR/app/bench/archival-bench" "$@"
