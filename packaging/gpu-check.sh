#!/usr/bin/env bash
# The first run on a GPU machine, in one command: builds the engine-only tree (no Qt) against
# the machine's own Python torch, runs `archival-bench verify` on the CPU (fp32) and on CUDA
# (fp32, fp16, bf16), then the engine's bench beside diffusers in eager mode, and writes one
# table. On a machine without CUDA the GPU steps are reported as SKIPPED and the rest runs.
#
#   packaging/gpu-check.sh --prepare     here, where PyPI and the fixtures are: fills
#                                        .gpu-check/ (git-ignored) with the wheels the GPU
#                                        machine lacks and the fixture subset verify reads
#   packaging/gpu-check.sh [--out FILE]  anywhere: the check itself (table to FILE, default
#                                        build-engine/gpu-check.md; exit 1 when a step fails)
#
# The GPU machine reaches no package index and only about 64 MiB travel with the checkout:
# .gpu-check/ holds diffusers' wheel (+ importlib_metadata, which that machine lacks) and
# nlohmann-json's (the engine's JSON headers; that machine has no Debian package), and the
# golden files and model folders `archival-bench verify --list` names, component goldens
# first, then loops, then end-to-end ones, within a budget (GPU_CHECK_FIXTURE_MB, default
# 50), with the manifests' configs for the bench (--prepare prints the size and what it left
# out).
#
# Environment: PYTHON (default python3: the interpreter that holds torch), ARCHIVAL_FIXTURES
# (default .gpu-check/fixtures when prepared, else ../shared/fixtures), GPU_CHECK_BUILD
# (default build-engine), GPU_CHECK_CMAKE_ARGS (more configure arguments),
# GPU_CHECK_BUILD_TIMEOUT (seconds, default 360: the engine builds in 1-2 minutes on 16 cores;
# on 2 busy cores a first build takes far longer).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CARRY=$ROOT/.gpu-check
PYTHON=${PYTHON:-python3}
BUILD=${GPU_CHECK_BUILD:-$ROOT/build-engine}
# Versions the GPU machine's Python works with (its huggingface_hub is 1.x).
DIFFUSERS_VERSION=0.42.1
IMPORTLIB_METADATA_VERSION=8.7.0
NLOHMANN_JSON_VERSION=3.12.0
PY_TARGET=3.12
# 64 MiB travel in all: the checkout (~2 MB), the wheels (~6 MB), the fixtures within this.
FIXTURE_BUDGET_MB=${GPU_CHECK_FIXTURE_MB:-50}

log() { printf '[gpu-check] %s\n' "$*" >&2; }

prepare() {
    local fixtures=${ARCHIVAL_FIXTURES:-$ROOT/../shared/fixtures}
    local bench=${ARCHIVAL_BENCH:-$ROOT/build/app/bench/archival-bench}
    [ -x "$bench" ] || { log "build archival-bench first (packaging/setup.sh)"; return 1; }
    rm -rf "$CARRY" && mkdir -p "$CARRY/wheels" "$CARRY/fixtures/manifests"
    log "wheels for Python $PY_TARGET into .gpu-check/wheels"
    "$PYTHON" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        --python-version "$PY_TARGET" --implementation cp --platform manylinux2014_x86_64 \
        -d "$CARRY/wheels" "diffusers==$DIFFUSERS_VERSION" \
        "importlib_metadata==$IMPORTLIB_METADATA_VERSION" \
        "nlohmann-json==$NLOHMANN_JSON_VERSION" || return 1
    # The fixture subset: what verify reads, golden by golden (component goldens first, then
    # loops, then end-to-end ones), as long as it fits the budget.
    log "fixture subset: what verify reads from $fixtures, within $FIXTURE_BUDGET_MB MB"
    local kind used=0 size line golden skipped=()
    local -A taken=()
    for kind in component loop end-to-end; do
        while read -r -a line; do
            [ "${line[0]}" = "$kind" ] || continue
            size=0
            for rel in "${line[@]:1}"; do
                [ -n "${taken[$rel]:-}" ] || size=$((size + $(du -sbL "$fixtures/$rel" | cut -f1)))
            done
            golden=${line[1]}
            if [ $((used + size)) -gt $((FIXTURE_BUDGET_MB * 1000000)) ]; then
                skipped+=("${golden#golden/}")
                continue
            fi
            used=$((used + size))
            for rel in "${line[@]:1}"; do
                [ -n "${taken[$rel]:-}" ] && continue
                taken[$rel]=1
                mkdir -p "$CARRY/fixtures/$(dirname "$rel")"
                cp -rL "$fixtures/$rel" "$CARRY/fixtures/$rel" || return 1
            done
        done < <("$bench" verify --fixtures "$fixtures" --list)
    done
    [ ${#skipped[@]} -eq 0 ] || log "left out (over the budget): ${skipped[*]}"
    cp "$fixtures"/manifests/*.config.json "$CARRY/fixtures/manifests/"
    cp "$fixtures"/README*.md "$CARRY/fixtures/" 2>/dev/null
    log "prepared: $(du -sh "$CARRY" | cut -f1) in .gpu-check ($(du -sh "$CARRY/fixtures" |
        cut -f1) fixtures, $(du -sh "$CARRY/wheels" | cut -f1) wheels)"
}

OUT_FILE=$BUILD/gpu-check.md
case "${1:-}" in
    --prepare) prepare; exit $? ;;
    --out) OUT_FILE=${2:?--out needs a file}; shift 2 ;;
    "") ;;
    *) sed -n '2,/^set /p' "$0" | sed '$d'; exit 2 ;;
esac

if [ -z "${ARCHIVAL_FIXTURES:-}" ]; then
    if [ -d "$CARRY/fixtures/golden" ]; then ARCHIVAL_FIXTURES=$CARRY/fixtures
    else ARCHIVAL_FIXTURES=$ROOT/../shared/fixtures; fi
fi
mkdir -p "$BUILD" "$(dirname "$OUT_FILE")"
LOGS=$BUILD/gpu-check-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
START=$(date +%s)
FAILED=0
ROWS=()
row() { ROWS+=("| $1 | $2 | $3 |"); log "$1: $2"; }
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

# --- the machine ---------------------------------------------------------------------------
HAS_CUDA=$("$PYTHON" -c 'import torch; print(int(torch.cuda.is_available()))' 2>/dev/null || echo 0)
TORCH_INFO=$("$PYTHON" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)' \
    2>/dev/null || echo "no torch in $PYTHON")
GPU_NAME=$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version \
    --format=csv,noheader 2>/dev/null | head -1)
CPU_NAME=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)

# --- build: engine only, against this machine's torch ----------------------------------------
step=$(date +%s)
TORCH_PREFIX=$("$PYTHON" -W ignore -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')
# nlohmann-json's headers from the carried wheel when there is one (the same path on every
# machine), else from the system.
JSON_ARGS=()
wheel=$(ls "$CARRY"/wheels/nlohmann_json-*.whl 2>/dev/null | head -1)
if [ -n "$wheel" ] && "$PYTHON" -m zipfile -e "$wheel" "$BUILD/nlohmann-json"; then
    JSON_ARGS=(-DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON
        -DARCHIVAL_NLOHMANN_INCLUDE="$BUILD/nlohmann-json/nlohmann_json/include")
fi
# More configure arguments, e.g. -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON to build as a
# machine without SentencePiece would.
read -r -a EXTRA_ARGS <<<"${GPU_CHECK_CMAKE_ARGS:-}"
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
if cmake -S "$ROOT" -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=Release \
        -DARCHIVAL_ENGINE_ONLY=ON -DARCHIVAL_BUILD_TESTS=OFF \
        -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" "${JSON_ARGS[@]}" "${EXTRA_ARGS[@]}" \
        >"$LOGS/configure.log" 2>&1 &&
    timeout "${GPU_CHECK_BUILD_TIMEOUT:-360}" cmake --build "$BUILD" --target archival-bench --parallel "$(nproc)" \
        >"$LOGS/build.log" 2>&1; then
    note=$(grep -h "SentencePiece not found" "$LOGS/configure.log" >/dev/null &&
        echo " (without SentencePiece: T5 tokenization off)")
    row "build engine-only tree" "ok$note" "$(elapsed "$step")"
else
    row "build engine-only tree" "FAILED: see $(basename "$LOGS")/configure.log, build.log" \
        "$(elapsed "$step")"
    tail -n 30 "$LOGS/configure.log" "$LOGS/build.log" >&2
    FAILED=1
fi
BENCH=$BUILD/app/bench/archival-bench

# --- verify --------------------------------------------------------------------------------
verify() {  # device dtype
    local step name=verify-$1-$2 summary
    step=$(date +%s)
    if [ ! -x "$BENCH" ]; then row "verify $1 $2" "not run: no archival-bench" "-"; return; fi
    timeout 120 "$BENCH" verify --fixtures "$ARCHIVAL_FIXTURES" --device "$1" --dtype "$2" \
        --threads "$3" >"$LOGS/$name.log" 2>&1
    local rc=$?
    summary=$(grep -E '^verify .* passed' "$LOGS/$name.log" | tail -1)
    [ -n "$summary" ] || summary="no summary: $(tail -1 "$LOGS/$name.log")"
    if [ $rc -eq 0 ]; then row "verify $1 $2" "PASS: ${summary#*: }" "$(elapsed "$step")"
    else
        row "verify $1 $2" "FAIL (exit $rc): ${summary#*: }; $(grep -c '^FAILED:' \
            "$LOGS/$name.log") failed, see $name.log" "$(elapsed "$step")"
        FAILED=1
    fi
}
verify cpu fp32 "$(nproc)"
for dtype in fp32 fp16 bf16; do
    if [ "$HAS_CUDA" = 1 ]; then verify cuda "$dtype" 1
    else row "verify cuda $dtype" "SKIPPED (no CUDA device)" "-"; fi
done

# --- bench beside diffusers in eager mode ----------------------------------------------------
BENCH_ROWS=()
seconds_of() {  # label-regex log
    sed -n "s/^$1[[:space:]]*\([0-9.][0-9.]*\) s.*/\1/p" "$2" | head -1
}
compare() {  # what engine-log diffusers-log label-regex
    local e d ratio
    e=$(seconds_of "$4" "$2")
    d=$(seconds_of "$4" "$3")
    ratio=$([ -n "$e" ] && [ -n "$d" ] && awk -v e="$e" -v d="$d" 'BEGIN{printf "%.2f", e/d}')
    BENCH_ROWS+=("| $1 | ${e:--} s | ${d:--} s | ${ratio:--} |")
}
if [ "$HAS_CUDA" = 1 ]; then
    SITE=$BUILD/site
    if ls "$CARRY"/wheels/*.whl >/dev/null 2>&1; then
        "$PYTHON" -m pip install -q --disable-pip-version-check --no-index --no-deps \
            --no-compile --target "$SITE" "$CARRY"/wheels/diffusers-*.whl \
            "$CARRY"/wheels/importlib_metadata-*.whl >"$LOGS/pip.log" 2>&1
    fi
    export PYTHONPATH=$SITE${PYTHONPATH:+:$PYTHONPATH}
    MANIFESTS=$ARCHIVAL_FIXTURES/manifests
    bench_pair() {  # name engine-args... -- diffusers-args...
        local name=$1 step rc=0
        shift
        local engine_args=() peer_args=()
        while [ "$1" != -- ]; do engine_args+=("$1"); shift; done
        shift
        peer_args=("$@")
        step=$(date +%s)
        timeout 150 "$BENCH" "${engine_args[@]}" >"$LOGS/$name-engine.log" 2>&1 || rc=1
        timeout 150 "$PYTHON" "$ROOT/app/bench/diffusers_eager.py" "${peer_args[@]}" \
            --manifests "$MANIFESTS" >"$LOGS/$name-diffusers.log" 2>&1 || rc=$((rc + 2))
        case $rc in
            0) row "bench $name" "ok" "$(elapsed "$step")" ;;
            1) row "bench $name" "FAILED: engine, see $name-engine.log" "$(elapsed "$step")" ;;
            2) row "bench $name" "FAILED: diffusers, see $name-diffusers.log" "$(elapsed "$step")" ;;
            *) row "bench $name" "FAILED: both, see $name-*.log" "$(elapsed "$step")" ;;
        esac
        [ $rc -eq 0 ] || FAILED=1
    }
    bench_pair sd15-512-fp16 sd15 --device cuda --dtype fp16 --width 512 --height 512 --steps 4 \
        -- sd15 --device cuda --dtype fp16 --width 512 --height 512 --steps 4
    compare "SD 1.5 UNet step with CFG, 512², fp16" "$LOGS/sd15-512-fp16-engine.log" \
        "$LOGS/sd15-512-fp16-diffusers.log" "UNet step with CFG"
    compare "SD 1.5 VAE decode, 512², fp16" "$LOGS/sd15-512-fp16-engine.log" \
        "$LOGS/sd15-512-fp16-diffusers.log" "VAE decode"
    bench_pair sd35-1024-bf16 sd35 --device cuda --dtype bf16 --width 1024 --height 1024 \
        --steps 4 --layers 2 -- sd35 --device cuda --dtype bf16 --width 1024 --height 1024 \
        --steps 4 --layers 2
    compare "SD 3.5 Large MMDiT step with CFG, 2 layers, 1024², bf16" \
        "$LOGS/sd35-1024-bf16-engine.log" "$LOGS/sd35-1024-bf16-diffusers.log" \
        "MMDiT step with CFG ( *[0-9]* layers)"
    compare "SD 3.5 VAE decode, 1024², bf16" "$LOGS/sd35-1024-bf16-engine.log" \
        "$LOGS/sd35-1024-bf16-diffusers.log" "VAE decode"
else
    row "bench sd15 beside diffusers (CUDA)" "SKIPPED (no CUDA device)" "-"
    row "bench sd35 beside diffusers (CUDA)" "SKIPPED (no CUDA device)" "-"
fi

# --- the table -------------------------------------------------------------------------------
{
    echo "# gpu-check $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- GPU: ${GPU_NAME:-none}"
    echo "- CPU: ${CPU_NAME:-unknown}, $(nproc) threads"
    echo "- torch: $TORCH_INFO ($PYTHON)"
    echo "- fixtures: $ARCHIVAL_FIXTURES"
    echo
    echo "| step | result | time |"
    echo "| --- | --- | --- |"
    printf '%s\n' "${ROWS[@]}"
    if [ ${#BENCH_ROWS[@]} -gt 0 ]; then
        echo
        echo "| stage (batch 1, x2 with CFG, best of 4) | engine | diffusers eager | engine / diffusers |"
        echo "| --- | --- | --- | --- |"
        printf '%s\n' "${BENCH_ROWS[@]}"
    fi
    echo
    echo "Total $(elapsed "$START"). Logs: $LOGS"
} >"$OUT_FILE"
cat "$OUT_FILE"
exit $FAILED
