#!/usr/bin/env bash
# One command to run the studio on a fresh Debian 12 machine: installs what is missing,
# builds, then starts archival-studio (arguments are passed through, e.g. `programs`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/packaging/setup.sh"
exec "${ARCHIVAL_BUILD_DIR:-$ROOT/build}/app/archival-studio" "$@"
