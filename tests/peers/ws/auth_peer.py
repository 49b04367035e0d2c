"""Token and origin rules of a live `archival-studio serve`: wrong token refused, missing
token off loopback refused, loopback without a token allowed only when configured so,
browser origins limited to the allow-list and the host's own page."""
import asyncio
import json
import os
import ssl
import subprocess
import tempfile
import urllib.request

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from host_peer import Checks, Serve, arguments, recv_until, run_peer

POLICY_VIOLATION = 1008


async def close_code_after_hello(url, token=None):
    """Says hello (with the token when given); the close code, or None when welcomed."""
    async with websockets.connect(url) as ws:
        hello = {"type": "hello", "protocol": 1, "role": "display"}
        if token is not None:
            hello["token"] = token
        await ws.send(json.dumps(hello))
        try:
            await recv_until(ws, lambda m: m.get("type") == "welcome", timeout=10)
            return None
        except ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else -1


async def refused_status(url, origin):
    try:
        async with websockets.connect(url, origin=origin) as ws:
            await ws.send(json.dumps({"type": "ping"}))
            await recv_until(ws, lambda m: m.get("type") == "pong", timeout=10)
            return None
    except InvalidStatus as e:
        return e.response.status_code


async def run(args, c):
    # Loopback, no token configured: clients need none.
    serve = Serve(args)
    try:
        c.check(await close_code_after_hello(serve.url) is None, "loopback without a token: allowed by default")
    finally:
        serve.stop()

    c.check("without TLS" not in serve.text(), "loopback: no clear-text warning")

    # Loopback with --require-token.
    serve = Serve(args, "--token", "loopback-s3cret-token", "--require-token")
    try:
        c.check(await close_code_after_hello(serve.url) == POLICY_VIOLATION, "missing token refused (1008)")
        c.check(await close_code_after_hello(serve.url, "guess") == POLICY_VIOLATION, "wrong token refused (1008)")
        c.check(await close_code_after_hello(serve.url, "loopback-s3cret-token") is None, "right token in hello accepted")
        async with websockets.connect(serve.url + "?token=loopback-s3cret-token") as ws:
            await ws.send("T3:a token in the URL")
            q = await recv_until(ws, lambda m: m.get("type") in ("queued", "error"))
            c.check(q["type"] == "queued", "legacy client with the token in the URL is served")
        async with websockets.connect(serve.url) as ws:
            await ws.send("T3:no token")
            try:
                await recv_until(ws, lambda m: False, timeout=10)
                code = None
            except ConnectionClosed as e:
                code = e.rcvd.code if e.rcvd else -1
            c.check(code == POLICY_VIOLATION, "a command before the token closes with 1008")
    finally:
        serve.stop()
    c.check("refused: wrong token" in serve.text() and "refused: missing token" in serve.text(),
            "refusals are logged")

    # Every interface with a token: a client without it is refused (reached over loopback).
    serve = Serve(args, "--token", "lan-token-0123456789", listen="0.0.0.0:0")
    try:
        url = "ws://127.0.0.1:%d/" % serve.port
        c.check(await close_code_after_hello(url) == POLICY_VIOLATION, "non-loopback bind: missing token refused")
        c.check(await close_code_after_hello(url, "lan-token-0123456789") is None, "non-loopback bind: right token accepted")
    finally:
        serve.stop()
    c.check("warning: listening on 0.0.0.0 without TLS: the access token travels in clear text" in serve.text(),
            "non-loopback bind without TLS: the log warns that the token travels in clear text")
    c.check("lan-token-0123456789" not in serve.text(), "the token never appears in the log")

    # Origins: the allow-list and the host's own display page; others get HTTP 403.
    serve = Serve(args, "--origin", "http://kiosk.example")
    try:
        c.check(await refused_status(serve.url, "http://evil.example") == 403, "foreign origin refused (403)")
        c.check(await refused_status(serve.url, "http://kiosk.example") is None, "allow-listed origin accepted")
        own = "http://127.0.0.1:%d" % serve.http_port
        c.check(await refused_status(serve.url, own) is None, "the host's own page origin accepted")
    finally:
        serve.stop()

    # Optional TLS: wss:// and https:// with a certificate given to serve.
    folder = tempfile.mkdtemp()
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    serve = Serve(args, "--tls-cert", cert, "--tls-key", key)
    try:
        context = ssl.create_default_context(cafile=cert)
        url = "wss://127.0.0.1:%d/" % serve.port
        async with websockets.connect(url, ssl=context) as ws:
            await ws.send(json.dumps({"type": "ping", "id": "tls"}))
            pong = await recv_until(ws, lambda m: m.get("type") == "pong")
            c.check(pong["request_id"] == "tls", "wss:// with the configured certificate")
        with urllib.request.urlopen("https://127.0.0.1:%d/api/v1/host" % serve.http_port,
                                    context=context, timeout=30) as response:
            c.check(json.loads(response.read())["tls"] is True, "https:// display page and API")
    finally:
        serve.stop()


if __name__ == "__main__":
    run_peer(run)
