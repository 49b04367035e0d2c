"""Shared helpers for the exhibition host's peer tests: start `archival-studio serve`, speak
the protocol (PROTOCOL.md) with the `websockets` client, decode binary frames and PNGs."""
import argparse
import asyncio
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

FRAME_HEADER = struct.Struct(">IQIIQ")  # kind, job, format, step, sent-at (µs)
PREVIEW, FINAL = 1, 2
JPEG, PNG = 1, 2
LISTEN_LINE = re.compile(r"listening on wss?://[^:]+:(\d+)/(?:, display page at https?://[^:]+:(\d+)/)?")


def arguments(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--studio", required=True, help="the archival-studio executable")
    p.add_argument("--programs", required=True, help="programs file (tests/data/programs-tiny.json)")
    p.add_argument("--source-dir", required=True)
    p.add_argument("--out-dir", default=".")
    if extra:
        extra(p)
    return p.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """`archival-studio serve` in a private config home, with its log captured."""

    def __init__(self, args, *extra, listen="127.0.0.1:0", http_port="0"):
        env = dict(os.environ)
        env.setdefault("ARCHIVAL_FIXTURES", os.path.join(args.source_dir, "..", "shared", "fixtures"))
        self.home = tempfile.TemporaryDirectory()
        env["XDG_CONFIG_HOME"] = os.path.join(self.home.name, "config")
        env["XDG_DATA_HOME"] = os.path.join(self.home.name, "data")
        env["XDG_CACHE_HOME"] = os.path.join(self.home.name, "cache")
        env["QT_QPA_PLATFORM"] = "offscreen"
        cmd = [args.studio, "serve", "--listen", listen, "--http-port", http_port,
               "--programs", args.programs, "--device", "cpu", *extra]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)
        self.log = []
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("serve exited early:\n" + "".join(self.log))
            self.log.append(line)
            m = LISTEN_LINE.search(line)
            if m:
                self.port = int(m.group(1))
                self.http_port = int(m.group(2)) if m.group(2) else None
                break
        else:
            raise RuntimeError("serve did not start:\n" + "".join(self.log))
        self.url = "ws://127.0.0.1:%d/" % self.port

    def stop(self, timeout=60):
        """SIGTERM, then the rest of the log; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        out, _ = self.proc.communicate(timeout=timeout)
        self.log.append(out)
        return self.proc.returncode

    def text(self):
        return "".join(self.log)


def parse_frame(data):
    kind, job, fmt, step, sent_at = FRAME_HEADER.unpack_from(data)
    return {"kind": kind, "job": job, "format": fmt, "step": step, "sent_at_us": sent_at,
            "image": bytes(data[FRAME_HEADER.size:])}


async def recv_until(ws, predicate, timeout=60, sink=None):
    """Receives until predicate(message) is true; returns that message. Text frames come back
    parsed as dicts, binary frames as parse_frame() dicts with "binary": True."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise TimeoutError("no matching message in %s s" % timeout)
        raw = await asyncio.wait_for(ws.recv(), remaining)
        msg = dict(parse_frame(raw), binary=True) if isinstance(raw, bytes) else json.loads(raw)
        if sink is not None:
            sink.append(msg)
        if predicate(msg):
            return msg


def decode_png(data):
    """8-bit RGB / RGBA non-interlaced PNG -> (width, height, channels, rows of bytes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, ctype = struct.unpack_from(">I4s", data, pos)
        chunk = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif ctype == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    assert depth == 8 and interlace == 0 and color in (2, 6), header
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def pixel(png, x, y):
    width, height, channels, rows = png
    return tuple(rows[y][x * channels:x * channels + 3])


class Checks:
    """Counts checks and prints the closing 'N passed, N failed' line."""

    def __init__(self):
        self.passed, self.failed = 0, 0

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print("PASS", what)
        else:
            self.failed += 1
            print("FAIL", what)

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(0 if self.failed == 0 else 1)


def run_peer(run, extra=None):
    """The entry point of every peer: parse the arguments, run the checks (`run(args, checks)`,
    plain or a coroutine), exit non-zero when any failed."""
    args = arguments(extra)
    c = Checks()
    result = run(args, c)
    if asyncio.iscoroutine(result):
        asyncio.run(result)
    c.finish()
