#!/usr/bin/env bash
# Runs a test inside a private D-Bus session with its own unlocked gnome-keyring (secrets
# component) in a throw-away HOME, so QtKeychain talks to a real Secret Service and never to
# the user's keyring. Without the tools the test fails, naming what is missing: a skip would
# pass having checked nothing.
set -euo pipefail
missing=()
for tool in dbus-run-session gnome-keyring-daemon; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "FAIL: no private keyring for this test: missing ${missing[*]} (Debian: dbus gnome-keyring libsecret-1-0)" >&2
    exit 1
fi
KHOME=$(mktemp -d)
trap 'rm -rf "$KHOME"' EXIT
export HOME=$KHOME XDG_DATA_HOME=$KHOME/data XDG_CONFIG_HOME=$KHOME/config XDG_RUNTIME_DIR=$KHOME
chmod 700 "$KHOME"
dbus-run-session -- bash -c 'printf archival-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && "$@"' keyring "$@"
