#!/usr/bin/env bash
# Builds the Debian package with cpack and checks it the way a user meets it:
#   - control metadata (dpkg-deb -f/-I): name, version, architecture, section, priority,
#     maintainer, description, maintainer scripts; every dependency is a Debian package that
#     is installed here (so apt can satisfy it); nothing depends on the build's libtorch
#   - contents (dpkg-deb -c): only files under /usr, owned by root; the program, the carried
#     libtorch, desktop file, metainfo, icons (SVG + every PNG size), man page, systemd units,
#     sysusers.d file, the compiled translations the build made
#   - dpkg -x into a throw-away root: every library of the installed program and of the carried
#     libraries resolves inside that root or in the system (never the build tree or the
#     virtual environment); `archival-studio --version` and `programs` run from there with a
#     clean environment (no LD_LIBRARY_PATH); the installed desktop file, metainfo and man page
#     pass their validators
# Prints the cpack time and the package size. The .deb is deleted afterwards unless
# ARCHIVAL_KEEP_PACKAGE is set (it is then left in BUILD_DIR/packaging-test/run.*/).
#
# usage: check_deb.sh BUILD_DIR SOURCE_DIR VERSION APP_ID "ICON_SIZES"
set -euo pipefail
BUILD=$(cd "$1" && pwd) SRC=$(cd "$2" && pwd) VERSION=$3 APPID=$4 ICON_SIZES=$5
# One folder per run, so that two test runs in the same build tree do not collide.
mkdir -p "$BUILD/packaging-test"
WORK=$(mktemp -d "$BUILD/packaging-test/run.XXXXXX")
ROOT=$(cd "$(mktemp -d "${TMPDIR:-/tmp}/archival-deb-root.XXXXXX")" && pwd -P)
cleanup() {
    rm -rf "$ROOT" "$WORK/_CPack_Packages"
    if [ -n "${ARCHIVAL_KEEP_PACKAGE:-}" ]; then
        echo "package kept in $WORK"
    else
        rm -rf "$WORK"
        rmdir "$BUILD/packaging-test" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap "exit 143" TERM INT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# --- build the package ------------------------------------------------------------------------
t0=$(date +%s)
if ! (cd "$BUILD" && cpack --config CPackConfig.cmake -B "$WORK") > "$WORK/cpack.log" 2>&1; then
    cat "$WORK/cpack.log" >&2
    die "cpack failed"
fi
t1=$(date +%s)
deb=$WORK/archival-studio_${VERSION}_amd64.deb
[ -f "$deb" ] || { cat "$WORK/cpack.log" >&2; ls -la "$WORK" >&2; die "cpack made no $(basename "$deb")"; }
rm -rf "$WORK/_CPack_Packages"   # the staged copy: as large as the package's contents
echo "cpack: $((t1 - t0)) s; $(basename "$deb"): $(( $(stat -c %s "$deb") / 1048576 )) MiB"

# --- control metadata -------------------------------------------------------------------------
dpkg-deb -I "$deb" > "$WORK/info.txt" || die "dpkg-deb -I failed"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = archival-studio ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$VERSION" ] || fail "Version: $(field Version), expected $VERSION"
[ "$(field Architecture)" = amd64 ] || fail "Architecture: $(field Architecture)"
[ "$(field Section)" = graphics ] || fail "Section: $(field Section)"
[ "$(field Priority)" = optional ] || fail "Priority: $(field Priority)"
field Maintainer | grep -Eq '^[^<>]+ <[^@<> ]+@[^@<> ]+>$' || fail "Maintainer: '$(field Maintainer)'"
description=$(field Description)
[ "$(printf '%s\n' "$description" | wc -l)" -ge 3 ] || fail "Description has no long text: $description"
dpkg-deb -e "$deb" "$WORK/control" || die "dpkg-deb -e failed"
for script in postinst postrm; do
    [ -x "$WORK/control/$script" ] || { fail "$script missing from the control archive (or not executable)"; continue; }
    sh -n "$WORK/control/$script" || fail "$script: shell syntax error"
done
depends=$(field Depends)
echo "Depends: $depends"
echo "Installed-Size: $(field Installed-Size) KiB"
for needed in libc6 libqt6core6 libqt6widgets6 qt6-qpa-plugins; do
    printf '%s\n' "$depends" | grep -Eq "(^|, )$needed( |,|$)" || fail "Depends lacks $needed"
done
# Every alternative group must be satisfiable on this machine: by an installed Debian package,
# or a virtual one an installed package provides (e.g. qt6-websockets-abi).
installed=$(dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Provides}\n' \
    | awk -F'|' '$1 ~ /^ii/ { print $2; n = split($3, p, ","); for (i = 1; i <= n; i++) print p[i] }' \
    | sed -E 's/^ *([^ (]+).*/\1/' | sort -u)
IFS=',' read -ra groups <<< "$depends"
for group in "${groups[@]}"; do
    ok=0
    IFS='|' read -ra alts <<< "$group"
    for alt in "${alts[@]}"; do
        name=$(printf '%s' "$alt" | sed -E 's/^ *([^ (]+).*/\1/')
        grep -qxF "$name" <<<"$installed" && ok=1
    done
    [ "$ok" = 1 ] || fail "dependency '$group' is not an installed (or provided) Debian package"
done
grep -qiE 'torch|cuda|cudnn|nvidia' <<<"$depends" && fail "Depends names libtorch/CUDA: $depends"
[ "$failures" -eq 0 ] && pass "control metadata"

# --- contents ---------------------------------------------------------------------------------
dpkg-deb -c "$deb" > "$WORK/contents.txt" || die "dpkg-deb -c failed"
awk '{print $6}' "$WORK/contents.txt" | sed 's#^\./#/#' > "$WORK/paths.txt"
outside=$(grep -Ev '^/$|^/usr/' "$WORK/paths.txt" || true)
[ -z "$outside" ] && pass "every file is under /usr" || fail "files outside /usr: $outside"
owners=$(awk '$2 != "root/root"' "$WORK/contents.txt")
[ -z "$owners" ] && pass "every file is owned by root" || fail "not owned by root/root: $owners"
expect=(
    /usr/bin/archival-studio
    /usr/lib/archival-studio/libtorch_cpu.so
    /usr/lib/archival-studio/libc10.so
    "/usr/share/applications/$APPID.desktop"
    "/usr/share/metainfo/$APPID.metainfo.xml"
    "/usr/share/icons/hicolor/scalable/apps/$APPID.svg"
    /usr/share/man/man1/archival-studio.1.gz
    /usr/lib/systemd/system/archival-studio.service
    "/usr/lib/systemd/system/archival-studio-worker@.service"
    /usr/lib/systemd/user/archival-studio.service
    /usr/lib/sysusers.d/archival-studio.conf
    /usr/share/doc/archival-studio/copyright
)
for size in $ICON_SIZES; do expect+=("/usr/share/icons/hicolor/${size}x${size}/apps/$APPID.png"); done
# The compiled translations the build made (the same rule as the install step).
while IFS= read -r qm; do
    [ -n "$qm" ] && expect+=("/usr/share/archival-studio/translations/$(basename "$qm")")
done < <(cd "$BUILD" && find . -name '*.qm' -not -path './_CPack_Packages/*' -not -path './tests/*' \
             -not -path './Testing/*' -not -path './packaging-test/*' -not -path '*/CMakeFiles/*')
for path in "${expect[@]}"; do
    grep -qxF "$path" "$WORK/paths.txt" || fail "missing from the package: $path"
done
grep -Eq '^/usr/share/doc/archival-studio/third-party/torch-[^/]+/LICENSE$' "$WORK/paths.txt" \
    || fail "the carried libtorch's licence is not in /usr/share/doc/archival-studio/third-party/"
grep -Eq '^/usr/share/doc/archival-studio/third-party/nvidia_cudnn_cu[0-9]+-[^/]+/.*License' "$WORK/paths.txt" \
    || fail "the carried cuDNN's licence is not in /usr/share/doc/archival-studio/third-party/"
carried=$(grep -c '^/usr/lib/archival-studio/.' "$WORK/paths.txt" || true)
echo "carried libraries: $carried"
[ "$failures" -eq 0 ] && pass "contents (${#expect[@]} expected paths present)"

# --- unpack and run ---------------------------------------------------------------------------
t2=$(date +%s)
dpkg -x "$deb" "$ROOT" || die "dpkg -x failed"
echo "dpkg -x: $(( $(date +%s) - t2 )) s"
[ -n "${ARCHIVAL_KEEP_PACKAGE:-}" ] || rm -f "$deb"   # frees its space before the checks below
program=$ROOT/usr/bin/archival-studio
readelf -d "$program" | grep -Eq 'R(UN)?PATH.*\[\$ORIGIN/\.\./lib/archival-studio\]' \
    || fail "installed program's RUNPATH is not \$ORIGIN/../lib/archival-studio: $(readelf -d "$program" | grep -E 'R(UN)?PATH')"

# A clean environment: nothing may come from the build tree or the virtual environment.
clean_env=(env -i "PATH=/usr/bin:/bin" "HOME=$ROOT/home" "XDG_CONFIG_HOME=$ROOT/home/config"
           "XDG_DATA_HOME=$ROOT/home/data" "XDG_CACHE_HOME=$ROOT/home/cache"
           "QT_QPA_PLATFORM=offscreen" "OMP_NUM_THREADS=1")
mkdir -p "$ROOT/home"
check_libs() {  # every dependency found, inside ROOT or in the system
    local file=$1 out bad
    out=$("${clean_env[@]}" ldd "$file" 2>&1) || { fail "ldd $file: $out"; return; }
    bad=$(printf '%s\n' "$out" | grep -E 'not found|=> .*('"$BUILD"'|'"$SRC"'|site-packages|\.venv)' || true)
    [ -z "$bad" ] || fail "$(basename "$file") resolves outside the package or the system: $bad"
}
check_libs "$program"
torch_cpu=$("${clean_env[@]}" ldd "$program" | sed -n 's/^\s*libtorch_cpu\.so => \(.*\) (0x[0-9a-f]*)$/\1/p')
[ -n "$torch_cpu" ] && [ "$(realpath "$torch_cpu")" = "$ROOT/usr/lib/archival-studio/libtorch_cpu.so" ] \
    || fail "libtorch_cpu.so does not come from the package: '$torch_cpu'"
for lib in "$ROOT"/usr/lib/archival-studio/*.so*; do check_libs "$lib"; done
[ "$failures" -eq 0 ] && pass "every library resolves inside the package or the system"

if version=$("${clean_env[@]}" "$program" --version 2>&1); then
    [ "$version" = "archival-studio $VERSION" ] && pass "installed --version: $version" \
        || fail "installed --version printed '$version'"
else
    fail "installed --version failed: $version"
fi
if programs=$("${clean_env[@]}" "$program" programs 2>&1); then
    for id in P0 P2 P3 P4; do
        grep -qw "$id" <<<"$programs" || fail "installed 'programs' does not list $id"
    done
    pass "installed 'programs' lists P0 P2 P3 P4"
else
    fail "installed 'programs' failed: $programs"
fi

# --- installed desktop integration files ------------------------------------------------------
out=$(desktop-file-validate "$ROOT/usr/share/applications/$APPID.desktop" 2>&1) && [ -z "$out" ] \
    && pass "desktop-file-validate (installed)" || fail "desktop-file-validate (installed): $out"
out=$(appstreamcli validate --no-net "$ROOT/usr/share/metainfo/$APPID.metainfo.xml" 2>&1) \
    && pass "appstreamcli validate (installed)" || fail "appstreamcli validate (installed): $out"
out=$(appstreamcli validate-tree --no-net "$ROOT" 2>&1) \
    && pass "appstreamcli validate-tree (installed root)" || fail "appstreamcli validate-tree: $out"
out=$(zcat "$ROOT/usr/share/man/man1/archival-studio.1.gz" | groff -man -ww -z 2>&1) && [ -z "$out" ] \
    && pass "man page (installed) renders without warnings" || fail "installed man page: $out"
for size in $ICON_SIZES; do
    png=$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/$APPID.png
    [ -f "$png" ] || continue
    dims=$(python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]) if d[:8] == b"\x89PNG\r\n\x1a\n" else "not a PNG")' "$png")
    [ "$dims" = "${size}x${size}" ] || fail "icon ${size}x${size} is $dims"
done
[ "$failures" -eq 0 ] && pass "icons: SVG and PNG $ICON_SIZES"
# The service user the postinst creates, from the packaged sysusers.d file.
if command -v systemd-sysusers >/dev/null && [ "$(id -u)" -eq 0 ]; then
    mkdir -p "$ROOT/etc"
    if out=$(systemd-sysusers --root="$ROOT" "$ROOT/usr/lib/sysusers.d/archival-studio.conf" 2>&1) \
        && grep -q '^archival-studio:x:[0-9]*:[0-9]*:[^:]*:/var/lib/archival-studio:' "$ROOT/etc/passwd"; then
        pass "sysusers.d creates the archival-studio user"
    else
        fail "sysusers.d file: $out"
    fi
else
    echo "note: systemd-sysusers not installed or not root, service user not checked"
fi

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "package checks passed"
