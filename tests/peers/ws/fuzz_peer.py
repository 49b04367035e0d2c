"""Seeded fuzz of a live `archival-studio serve`: thousands of malformed and mutated
messages. Each must be answered (an error or the message's normal answer) or, for the few
kinds PROTOCOL.md says close, closed with the documented code; the host must not crash, and
a well-behaved client must be served throughout."""
import asyncio
import collections
import json
import random

import websockets
from websockets.exceptions import ConnectionClosed

from host_peer import FINAL, Checks, Serve, arguments, recv_until, run_peer

ANSWERS = {"error", "welcome", "pong", "subscribed", "cancelling", "queued"}
ALLOWED_CLOSES = {1008, 1009, "1009 (reset while sending)", 4010}  # flood, too big, version
HARD_LIMIT = 1024 * 1024

VALID = [
    {"type": "hello", "protocol": 1, "role": "controller", "name": "fuzz"},
    {"type": "generate", "program": "T3", "prompt": "a lighthouse", "seed": 3, "id": "g"},
    {"type": "cancel", "job": "mine"},
    {"type": "cancel", "job": 1},
    {"type": "subscribe", "jobs": "mine", "previews": False},
    {"type": "ping", "id": 5},
]
ODD_VALUES = [None, True, False, 0, -1, 1.5, 1e308, -1e308, 2 ** 63, "", " ", "x" * 300, [], {},
              [1, [2, [3]]], {"a": {"b": None}}, "\u0000", "\ud7ff\ue000", "P0", "mine", "all"]


def mutate(rng):
    kind = rng.randrange(12)
    base = dict(rng.choice(VALID))
    if kind == 0:  # random printable noise
        return "".join(chr(rng.randrange(32, 127)) for _ in range(rng.randrange(0, 80)))
    if kind == 1:  # random unicode, control characters included
        return "".join(chr(rng.choice([rng.randrange(0, 32), rng.randrange(32, 0xD7FF),
                                       rng.randrange(0xE000, 0x10FFFF)])) for _ in range(rng.randrange(1, 40)))
    if kind == 2:  # truncated JSON
        text = json.dumps(base)
        return text[:rng.randrange(1, len(text))]
    if kind == 3:  # a field with a value of the wrong type
        key = rng.choice(list(base.keys()) + ["program", "prompt", "seed", "job", "jobs", "role", "token", "id"])
        base[key] = rng.choice(ODD_VALUES)
        return json.dumps(base)
    if kind == 4:  # fields dropped
        for key in rng.sample(list(base.keys()), rng.randrange(1, len(base) + 1)):
            base.pop(key)
        return json.dumps(base)
    if kind == 5:  # deep nesting
        depth = rng.randrange(10, 3000)
        return "[" * depth + "]" * rng.choice([depth, 0])
    if kind == 6 and rng.random() < 0.05:  # over the hard limit: closed with 1009
        return "T3:" + "z" * (1100 * 1024)
    if kind == 6:  # over the message size limit (but under the hard limit)
        return json.dumps({"type": "generate", "program": "T3", "prompt": "x" * rng.randrange(17000, 40000)})
    if kind == 7:  # legacy-looking commands
        return rng.choice(["", ":", "T3", "T3:", "T3: ", ":prompt", "NOPE:x", "T 3:x", "T3:" + "y" * 1200,
                           "T3:\n\n", "{T3:x", "T3:ok"])
    if kind == 8:  # JSON that is not an object
        return rng.choice(["[]", "null", "1", "\"str\"", "true", "{}", "[{\"type\":\"ping\"}]"])
    if kind == 9:  # bytes flipped in a valid message
        text = bytearray(json.dumps(base), "utf-8")
        for _ in range(rng.randrange(1, 4)):
            text[rng.randrange(len(text))] = rng.randrange(32, 127)
        return text.decode("utf-8", "replace")
    if kind == 10:  # binary frames
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
    base["type"] = rng.choice(["", "Hello", "GENERATE", "pingg", "cancel ", "x" * 100, "welcome", "error"])
    return json.dumps(base)


async def well_behaved(url, stop, stats):
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "controller", "name": "steady"}))
        await recv_until(ws, lambda m: m.get("type") == "welcome")
        n = 0
        while not stop.is_set():
            n += 1
            await ws.send(json.dumps({"type": "ping", "id": n}))
            await recv_until(ws, lambda m: m.get("type") == "pong" and m.get("request_id") == n, timeout=30)
            stats["pings"] += 1
            await asyncio.sleep(0.05)
        await ws.send(json.dumps({"type": "generate", "program": "T3", "prompt": "after the storm", "id": "end"}))
        q = await recv_until(ws, lambda m: m.get("type") in ("queued", "error"))
        final = await recv_until(ws, lambda m: m.get("binary") and m["kind"] == FINAL and m["job"] == q.get("job"),
                                 timeout=120)
        stats["final"] = len(final["image"])


async def run(args, c):
    serve = Serve(args, "--limit", "messages-per-second=100000", "--limit", "max-clients=16")
    rng = random.Random(args.seed)
    results = collections.Counter()
    closes = collections.Counter()
    unanswered = 0
    stop = asyncio.Event()
    stats = collections.Counter()
    try:
        steady = asyncio.create_task(well_behaved(serve.url, stop, stats))
        ws = await websockets.connect(serve.url, max_size=None)
        for i in range(args.count):
            message = mutate(rng)
            marker = "fz%d" % i
            try:
                await ws.send(message)
                await ws.send(json.dumps({"type": "ping", "id": marker}))
                seen = []
                await recv_until(ws, lambda m: m.get("type") == "pong" and m.get("request_id") == marker,
                                 timeout=30, sink=seen)
                answers = [m for m in seen[:-1] if m.get("type") in ANSWERS]
                if answers:
                    first = answers[0]
                    results[first["type"] + (":" + first["code"] if first["type"] == "error" else "")] += 1
                else:
                    unanswered += 1
                    print("unanswered:", repr(message)[:120])
            except ConnectionClosed as e:
                code = e.rcvd.code if e.rcvd else None
                if code is None and len(message) > HARD_LIMIT:
                    # The host closed (1009) while this client was still writing the frame:
                    # the reset can reach the client before the close frame does.
                    code = "1009 (reset while sending)"
                closes[code] += 1
                if code not in ALLOWED_CLOSES:
                    print("closed with", code, "after", repr(message)[:120])
                ws = await websockets.connect(serve.url, max_size=None)
        await ws.close()
        stop.set()
        await asyncio.wait_for(steady, 180)
        alive = serve.proc.poll() is None
    finally:
        code = serve.stop()
    print("answers:", dict(results.most_common()))
    print("closes:", dict(closes))
    c.check(alive, "the host is still running after %d fuzz messages" % args.count)
    c.check(unanswered == 0, "every message answered or closed (%d unanswered)" % unanswered)
    c.check(all(code in ALLOWED_CLOSES for code in closes), "closes only with documented codes %s" % dict(closes))
    c.check(sum(results.values()) + sum(closes.values()) == args.count, "every message accounted for")
    c.check(stats["pings"] > 0 and stats["final"] > 0,
            "the well-behaved client was served throughout (%d pings, final %d bytes)" % (stats["pings"], stats["final"]))
    c.check(code == 0, "serve stops cleanly (exit %s)" % code)


def extra(p):
    p.add_argument("--seed", type=int, default=20261201)
    p.add_argument("--count", type=int, default=3000)


if __name__ == "__main__":
    run_peer(run, extra)
