#!/usr/bin/env bash
# Checks the desktop integration files in the source tree, without building a package:
# desktop-file-validate, appstreamcli validate, the metainfo's release against the project
# version, the man page (groff warnings, one section per command of `--help`), the systemd
# units (systemd-analyze verify, where systemd is installed) and the icon SVG.
#
# usage: check_desktop_files.sh SOURCE_DIR BUILT_PROGRAM VERSION APP_ID
set -euo pipefail
SRC=$1 PROGRAM=$2 VERSION=$3 APPID=$4
PKG=$SRC/packaging
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

# --- desktop file -----------------------------------------------------------------------------
desktop=$PKG/desktop/$APPID.desktop
if out=$(desktop-file-validate "$desktop" 2>&1) && [ -z "$out" ]; then
    pass "desktop-file-validate $APPID.desktop"
else
    fail "desktop-file-validate: $out"
fi
grep -qx "Icon=$APPID" "$desktop" || fail "desktop file: Icon is not $APPID"
grep -qx "Exec=archival-studio" "$desktop" || fail "desktop file: Exec is not archival-studio"

# --- AppStream metainfo -----------------------------------------------------------------------
metainfo=$PKG/desktop/$APPID.metainfo.xml
if out=$(appstreamcli validate --no-net "$metainfo" 2>&1); then
    pass "appstreamcli validate $APPID.metainfo.xml"
else
    fail "appstreamcli validate: $out"
fi
grep -q "<id>$APPID</id>" "$metainfo" || fail "metainfo: id is not $APPID"
grep -q "<launchable type=\"desktop-id\">$APPID.desktop</launchable>" "$metainfo" \
    || fail "metainfo: launchable is not $APPID.desktop"
# The newest release (the first one listed) is the version being built.
newest=$(grep -o '<release version="[^"]*"' "$metainfo" | head -1 | cut -d'"' -f2)
[ "$newest" = "$VERSION" ] && pass "metainfo's newest release is $VERSION" \
    || fail "metainfo's newest release is '$newest', the project is $VERSION: add a <release>"

# --- man page ---------------------------------------------------------------------------------
man=$PKG/man/archival-studio.1
if out=$(groff -man -ww -z "$man" 2>&1) && [ -z "$out" ]; then
    pass "groff -man -ww: no warnings"
else
    fail "man page warnings: $out"
fi
grep -q "^\.TH ARCHIVAL-STUDIO 1 .*\"Archival Studio $VERSION\"" "$man" \
    || fail "man page .TH does not name version $VERSION"
# Every command the program lists in --help has its own section, and the documented ones too.
help=$("$PROGRAM" --help)
commands=$(printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || fail "no commands found in 'archival-studio --help'"
for c in $commands generate serve batch programs; do
    grep -qx "\.SS $c" "$man" && pass "man page documents '$c'" || fail "man page has no section for '$c'"
done
# ...and every long option a command's own --help lists (besides the program's global ones)
# appears in that command's section.
long_options() { grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u; }
global_options=$(printf '%s\n' "$help" | long_options)
for c in $commands; do
    chelp=$("$PROGRAM" "$c" --help 2>/dev/null) || continue
    section=$(sed -n "/^\.SS $c\$/,/^\.S[SH] /p" "$man")
    for opt in $(printf '%s\n' "$chelp" | long_options); do
        grep -qx -- "$opt" <<<"$global_options" && continue
        [ "$opt" = --help ] && continue
        escaped=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
        grep -q -- "$escaped" <<<"$section" \
            && pass "man page documents '$c $opt'" || fail "man page section '$c' lacks $opt"
    done
done

# --- systemd units ----------------------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # verify wants the program to exist: point ExecStart at a stand-in.
    printf '#!/bin/sh\n' > "$tmp/archival-studio" && chmod +x "$tmp/archival-studio"
    mkdir -p "$tmp/system" "$tmp/user" "$tmp/run" && chmod 700 "$tmp/run"
    sed "s#/usr/bin/archival-studio#$tmp/archival-studio#" \
        "$PKG/systemd/system/archival-studio.service" > "$tmp/system/archival-studio.service"
    sed "s#/usr/bin/archival-studio#$tmp/archival-studio#" \
        "$PKG/systemd/user/archival-studio.service" > "$tmp/user/archival-studio.service"
    if out=$(systemd-analyze verify --man=no "$tmp/system/archival-studio.service" 2>&1) && [ -z "$out" ]; then
        pass "systemd-analyze verify (system unit)"
    else
        fail "system unit: $out"
    fi
    # The worker template, as an instance (a template alone cannot be verified).
    sed "s#/usr/bin/archival-studio#$tmp/archival-studio#" \
        "$PKG/systemd/system/archival-studio-worker@.service" \
        > "$tmp/system/archival-studio-worker@gpu0.service"
    if out=$(systemd-analyze verify --man=no "$tmp/system/archival-studio-worker@gpu0.service" 2>&1) \
        && [ -z "$out" ]; then
        pass "systemd-analyze verify (worker template unit)"
    else
        fail "worker unit: $out"
    fi
    if out=$(XDG_RUNTIME_DIR=$tmp/run systemd-analyze --user verify --man=no \
                 "$tmp/user/archival-studio.service" 2>&1) && [ -z "$out" ]; then
        pass "systemd-analyze verify (user unit)"
    else
        fail "user unit: $out"
    fi
else
    echo "note: systemd-analyze not installed, units not verified"
fi
for unit in "$PKG/systemd/system/archival-studio.service" "$PKG/systemd/user/archival-studio.service"; do
    grep -q '^ExecStart=/usr/bin/archival-studio serve --token-file ' "$unit" \
        || fail "$unit: ExecStart does not run 'archival-studio serve --token-file'"
    grep -qx 'Restart=on-failure' "$unit" || fail "$unit: no Restart=on-failure"
done
grep -qx 'User=archival-studio' "$PKG/systemd/system/archival-studio.service" \
    || fail "system unit: not run as the archival-studio user"
worker_unit="$PKG/systemd/system/archival-studio-worker@.service"
grep -q '^ExecStart=/usr/bin/archival-studio worker --name %i ' "$worker_unit" \
    || fail "worker unit: ExecStart does not run 'archival-studio worker --name %i'"
grep -qx 'User=archival-studio' "$worker_unit" || fail "worker unit: not run as the archival-studio user"
grep -qx 'Restart=on-failure' "$worker_unit" || fail "worker unit: no Restart=on-failure"
grep -q '^u archival-studio ' "$PKG/systemd/archival-studio.sysusers" \
    || fail "sysusers.d file does not create the archival-studio user"

for script in postinst postrm; do
    sh -n "$PKG/debian/$script" && pass "$script: shell syntax" || fail "$script: shell syntax error"
done

# --- icon -------------------------------------------------------------------------------------
svg=$SRC/resources/icons/archival-studio.svg
if python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); sys.exit(r.tag != "{http://www.w3.org/2000/svg}svg" or r.get("viewBox") != "0 0 128 128")' "$svg"; then
    pass "icon SVG parses, square viewBox"
else
    fail "icon SVG is not a square SVG document"
fi

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
