"""Load: 50 displays attached to a live `archival-studio serve` while a tiny-model job streams
previews, plus one display that reads nothing until the end. Every display must receive every
preview and the final image; the slow one must not hold the others back (they all have the
final before it has read a byte), and it still gets the final, late. Reports the preview
fan-out latency (host send -> display receive) as median and p99, also in
<out-dir>/host_fanout_latency.json."""
import asyncio
import json
import os
import socket
import statistics
import struct
import time

import websockets

from host_peer import FINAL, FRAME_HEADER, PREVIEW, Checks, Serve, arguments, recv_until, run_peer

DISPLAYS = 50
PROGRAM = "T15"  # tiny SD 1.5, 20 steps: 20 previews


async def display(url, index, ready, results):
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "display", "name": "screen %d" % index}))
        await recv_until(ws, lambda m: m.get("type") == "welcome")
        ready.release()
        latencies, previews, progress_with_preview = [], 0, 0
        while True:
            raw = await asyncio.wait_for(ws.recv(), 300)
            now_us = time.time_ns() // 1000
            if isinstance(raw, bytes):
                kind, job, fmt, step, sent_at = FRAME_HEADER.unpack_from(raw)
                if kind == PREVIEW:
                    previews += 1
                    latencies.append((now_us - sent_at) / 1000.0)
                elif kind == FINAL:
                    results[index] = {"latencies": latencies, "previews": previews,
                                      "announced": progress_with_preview, "final_at": time.monotonic(),
                                      "final_bytes": len(raw) - FRAME_HEADER.size}
                    return
            else:
                event = json.loads(raw)
                if event.get("type") == "progress" and event.get("preview"):
                    progress_with_preview += 1


def read_frames(data):
    """Server-to-client WebSocket frames (unmasked) -> list of (opcode, payload).

    The bytes read so far may end anywhere in a frame, its extended length included: an
    incomplete last frame is left for the next read."""
    frames, i = [], 0
    while i + 2 <= len(data):
        b0, b1 = data[i], data[i + 1]
        length, j = b1 & 0x7F, i + 2
        extended = {126: ">H", 127: ">Q"}.get(length)
        if extended:
            if j + struct.calcsize(extended) > len(data):
                break
            length, j = struct.unpack_from(extended, data, j)[0], j + struct.calcsize(extended)
        if j + length > len(data):
            break
        frames.append((b0 & 0x0F, data[j:j + length]))
        i = j + length
    return frames


async def slow_display(port, handshake_done):
    """A display that completes the handshake, says hello, then does not read."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    key = "c2xvdy1yZWFkZXIta2V5MTI="
    await loop.sock_sendall(sock, ("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                                   "Sec-WebSocket-Version: 13\r\n\r\n" % (port, key)).encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += await loop.sock_recv(sock, 1)
    assert b" 101 " in response.split(b"\r\n")[0], response
    payload = json.dumps({"type": "hello", "protocol": 1, "role": "display", "name": "slow"}).encode()
    mask = os.urandom(4)
    masked = bytes(b ^ mask[k % 4] for k, b in enumerate(payload))
    await loop.sock_sendall(sock, bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    handshake_done.set()
    return sock


async def drain(sock, until_final_within):
    loop = asyncio.get_running_loop()
    data = b""
    deadline = loop.time() + until_final_within
    while loop.time() < deadline:
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 1 << 20), 5)
        except asyncio.TimeoutError:
            chunk = b""
        data += chunk
        frames = read_frames(data)
        if any(op == 2 and FRAME_HEADER.unpack_from(p)[0] == FINAL for op, p in frames):
            return frames
    return read_frames(data)


async def run(args, c):
    serve = Serve(args, "--limit", "max-clients=64")
    results = {}
    try:
        ready = asyncio.Semaphore(0)
        tasks = [asyncio.create_task(display(serve.url, i, ready, results)) for i in range(DISPLAYS)]
        for _ in range(DISPLAYS):
            await asyncio.wait_for(ready.acquire(), 60)
        slow_ready = asyncio.Event()
        slow = await slow_display(serve.port, slow_ready)
        await asyncio.sleep(0.2)  # the slow display's hello is processed
        async with websockets.connect(serve.url) as ctl:
            await ctl.send(json.dumps({"type": "hello", "protocol": 1, "role": "controller", "name": "load"}))
            await recv_until(ctl, lambda m: m.get("type") == "welcome")
            await ctl.send(json.dumps({"type": "generate", "program": PROGRAM, "prompt": "fifty screens", "seed": 5}))
            q = await recv_until(ctl, lambda m: m.get("type") in ("queued", "error"))
            c.check(q["type"] == "queued", "job queued")
            await asyncio.wait_for(asyncio.gather(*tasks), 300)
        slow_frames = await drain(slow, 120)
        slow.close()
    finally:
        serve.stop()

    c.check(len(results) == DISPLAYS, "all %d displays received the final image" % DISPLAYS)
    complete = [r for r in results.values() if r["previews"] == r["announced"] and r["previews"] > 0]
    c.check(len(complete) == DISPLAYS, "every display received every announced preview (%d of %d complete)"
            % (len(complete), DISPLAYS))
    sizes = {r["final_bytes"] for r in results.values()}
    c.check(len(sizes) == 1, "the same final for everyone (%s bytes)" % sizes)
    slow_previews = sum(1 for op, p in slow_frames if op == 2 and FRAME_HEADER.unpack_from(p)[0] == PREVIEW)
    slow_final = any(op == 2 and FRAME_HEADER.unpack_from(p)[0] == FINAL for op, p in slow_frames)
    c.check(slow_final, "the slow display still gets the final, late (%d previews reached it)" % slow_previews)
    dropped = "dropping its previews" in serve.text()

    latencies = sorted(l for r in results.values() for l in r["latencies"])
    if latencies:
        median = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
        report = {"displays": DISPLAYS, "program": PROGRAM, "previews_per_display": results[0]["previews"],
                  "samples": len(latencies), "median_ms": round(median, 2), "p99_ms": round(p99, 2),
                  "max_ms": round(latencies[-1], 2), "slow_reader_previews": slow_previews,
                  "slow_reader_previews_dropped_by_host": dropped}
        print("preview fan-out latency:", json.dumps(report))
        with open(os.path.join(args.out_dir, "host_fanout_latency.json"), "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    run_peer(run)
