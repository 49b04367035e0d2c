#!/usr/bin/env bash
# Installs everything the studio needs and builds it. Safe to run again: each step
# checks what is already there and only does the missing work.
#
#   packaging/setup.sh            install + configure + build (Release) into build/
#
# Environment:
#   ARCHIVAL_BUILD_DIR   build folder (default: build)
#   ARCHIVAL_VENV        Python virtual environment holding libtorch (default: .venv)
#   ARCHIVAL_BUILD_TYPE  CMake build type (default: Release)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${ARCHIVAL_BUILD_DIR:-$ROOT/build}
VENV=${ARCHIVAL_VENV:-$ROOT/.venv}
BUILD_TYPE=${ARCHIVAL_BUILD_TYPE:-Release}

log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_debian_packages() {
    local wanted=() missing=()
    mapfile -t wanted < <(grep -vE '^[[:space:]]*(#|$)' "$ROOT/packaging/debian-packages.txt")
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "Debian packages: all ${#wanted[@]} present"
        return
    fi
    log "Debian packages: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

install_python_packages() {
    local req="$ROOT/packaging/python-requirements.txt"
    local stamp="$VENV/.archival-requirements.sha256"
    local want
    want=$(sha256sum "$req" | cut -d' ' -f1)
    if [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        log "Python packages: up to date in $(basename "$VENV")"
        return
    fi
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    log "Python packages: installing from $(basename "$req") (libtorch is large; pip's cache makes reruns fast)"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
}

configure_and_build() {
    local torch_prefix
    torch_prefix=$("$VENV/bin/python" -W ignore -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
    if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
        log "Configuring $BUILD_TYPE build in $(basename "$BUILD_DIR")"
        cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja \
            -DCMAKE_BUILD_TYPE="$BUILD_TYPE" \
            -DCMAKE_PREFIX_PATH="$torch_prefix"
    fi
    log "Building"
    cmake --build "$BUILD_DIR" --parallel "$(nproc)"
}

install_debian_packages
install_python_packages
configure_and_build
