"""The access token's keychain life with `archival-studio serve` off loopback and no token
given: without a keychain it refuses to start (and says to pass --token); with one (a private
gnome-keyring in this D-Bus session: run under dbus-run-session) the first start makes a
token and stores it, the next start uses the same one, and clients need it."""
import asyncio
import json
import os
import subprocess
import tempfile

import websockets
from websockets.exceptions import ConnectionClosed

from host_peer import Checks, Serve, arguments, recv_until, run_peer


async def hello(url, token=None):
    async with websockets.connect(url) as ws:
        message = {"type": "hello", "protocol": 1, "role": "display"}
        if token:
            message["token"] = token
        await ws.send(json.dumps(message))
        try:
            await recv_until(ws, lambda m: m.get("type") == "welcome", timeout=10)
            return None
        except ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else -1


def run(args, c):
    # No keychain reachable: refused, with what to do instead.
    saved = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + os.path.join(tempfile.mkdtemp(), "no-bus")
    try:
        Serve(args, listen="0.0.0.0:0")
        c.check(False, "serve off loopback without a token or keychain must not start")
    except RuntimeError as e:
        c.check("--token" in str(e), "no keychain: serve refuses and asks for --token (%s)" % str(e).strip()[:160])
    finally:
        if saved is None:
            os.environ.pop("DBUS_SESSION_BUS_ADDRESS")
        else:
            os.environ["DBUS_SESSION_BUS_ADDRESS"] = saved

    # A private keyring in this session.
    home = tempfile.mkdtemp()
    env = dict(os.environ, HOME=home, XDG_DATA_HOME=os.path.join(home, "data"), XDG_RUNTIME_DIR=home)
    subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"], input=b"ci-pass",
                   env=env, check=True, capture_output=True)
    serve = Serve(args, listen="0.0.0.0:0")
    try:
        c.check("access token: new, stored in the keychain" in serve.text(), "first start: a new token, stored")
        url = "ws://127.0.0.1:%d/" % serve.port
        c.check(asyncio.run(hello(url)) == 1008, "a client without the token is refused")
    finally:
        serve.stop()
    stored = subprocess.run(["secret-tool", "lookup", "server", "archival-studio", "user", "host-access-token"],
                            capture_output=True, text=True).stdout.strip()
    c.check(len(stored) == 43, "the token is in the keychain")
    serve = Serve(args, listen="0.0.0.0:0")
    try:
        c.check("access token: the one in the keychain" in serve.text(), "next start: the same token")
        url = "ws://127.0.0.1:%d/" % serve.port
        c.check(asyncio.run(hello(url, stored)) is None, "a client with the stored token is welcomed")
        c.check(stored not in serve.text(), "the token never appears in the log")
    finally:
        serve.stop()


if __name__ == "__main__":
    run_peer(run)
