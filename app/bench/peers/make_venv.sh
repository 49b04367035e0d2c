#!/usr/bin/env bash
# Makes the peers' own virtual environment (never the studio's .venv): pinned torch, diffusers,
# transformers and OpenVINO from PyPI, for app/bench/compare.py and
# tests/peers/bf16/measure_bf16_peer.py. Safe to run again: does nothing when the pinned set is
# already installed.
#
#   app/bench/peers/make_venv.sh            -> prints the venv's python on its last line
#
# Environment:
#   ARCHIVAL_PEER_VENV   where to make it (default: .peer-venv in the repository, git-ignored)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VENV=${ARCHIVAL_PEER_VENV:-$ROOT/.peer-venv}
REQ="$ROOT/app/bench/peers/requirements.txt"
STAMP="$VENV/.archival-peer-requirements.sha256"

log() { printf '[peer-venv] %s\n' "$*" >&2; }

want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    log "up to date: $VENV"
else
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    log "installing $(basename "$REQ") into $VENV (torch is large; pip's cache makes reruns fast)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ"
    # The stamp is written only after pip succeeded: an interrupted install is redone.
    echo "$want" > "$STAMP"
fi
echo "$VENV/bin/python"
