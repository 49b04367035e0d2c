"""A peer that behaves as the exhibition client (PyPI `websockets`, Pillow) against a live
`archival-studio serve` on the seed's six programs over the tiny models: the live dialect on
/ws (PROTOCOL.md, "Live dialect"). It says `ping` after connecting and waits for `pong`, sends
P0 prompts bare, `P2:0.80`, `P3` with nothing after it, and reads every binary message as a
JPEG until the final PNG; a client that leaves mid-generation cancels its job and the host
serves the next one."""
import asyncio
import io
import json
import re

import websockets
from PIL import Image

from host_peer import Serve, run_peer

PROGRESS = re.compile(r"^p:s=(\d+):t=(-?\d+)$")
# Each generation on the tiny models takes seconds; a model load, a little more.
GENERATION_TIMEOUT = 300


def image_format(data):
    """Pillow's name for the image in `data`, after decoding it whole; None when it is not one."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.format
    except Exception:  # noqa: BLE001 - any failure to decode is the answer
        return None


def png_metadata(data):
    with Image.open(io.BytesIO(data)) as image:
        return json.loads(image.text.get("archival-studio", "{}"))


async def receive_generation(ws, timeout=GENERATION_TIMEOUT):
    """Messages of one generation, in order, up to `done` or an `error:` line."""
    messages = []
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise TimeoutError("no done after %s s: %s" % (timeout, summary(messages)))
        message = await asyncio.wait_for(ws.recv(), remaining)
        messages.append(message)
        if isinstance(message, str) and (message == "done" or message.startswith("error:")):
            return messages


def summary(messages):
    return [m if isinstance(m, str) else "<%d bytes>" % len(m) for m in messages][:12]


def check_generation(c, what, messages, program=None, prompt_sent=None, steps=None):
    """The seed's order: ready, (p:s=<n>:t=<t> then one bare JPEG)..., one PNG, done."""
    texts = [m for m in messages if isinstance(m, str)]
    binaries = [m for m in messages if isinstance(m, bytes)]
    c.check(messages and messages[-1] == "done", "%s: ends with done (%s)" % (what, summary(messages[-3:])))
    c.check(messages and messages[0] == "ready", "%s: starts with ready" % what)
    lines = [PROGRESS.match(t) for t in texts[1:-1]]
    c.check(lines and all(lines), "%s: between ready and done only p:s= lines (%d)" % (what, len(lines)))
    if not lines or not all(lines):
        return None
    numbers = [int(m.group(1)) for m in lines]
    timesteps = [int(m.group(2)) for m in lines]
    c.check(numbers == list(range(len(numbers))), "%s: steps numbered from 0: %s" % (what, numbers))
    c.check(all(a >= b for a, b in zip(timesteps, timesteps[1:])) and timesteps[0] > timesteps[-1],
            "%s: t falls: %s" % (what, timesteps))
    if steps is not None:
        c.check(len(numbers) == steps, "%s: %d progress lines for %d steps" % (what, len(numbers), steps))
    # Every binary message before the last is a preview: it directly follows its step's line and
    # decodes on its own as a JPEG.
    previews = binaries[:-1]
    formats = [image_format(b) for b in previews]
    c.check(len(previews) >= 1 and all(f == "JPEG" for f in formats),
            "%s: %d previews, each a JPEG on its own: %s" % (what, len(previews), set(formats)))
    follow = all(isinstance(messages[i - 1], str) and PROGRESS.match(messages[i - 1])
                 for i, m in enumerate(messages[:-2]) if isinstance(m, bytes))
    c.check(follow, "%s: each preview follows its p:s= line" % what)
    c.check(len(binaries) >= 1 and image_format(binaries[-1]) == "PNG"
            and sum(1 for b in binaries if image_format(b) == "PNG") == 1
            and messages[-2] is binaries[-1], "%s: exactly one PNG, right before done" % what)
    metadata = png_metadata(binaries[-1]) if binaries else {}
    if program:
        c.check(metadata.get("program") == program, "%s: the final is %s's (%s)" % (what, program, metadata.get("program")))
    if prompt_sent:
        c.check(metadata.get("prompt_sent") == prompt_sent,
                "%s: prompt sent %r (%r)" % (what, prompt_sent, metadata.get("prompt_sent")))
    return metadata


def load_programs(path):
    with open(path) as f:
        return json.load(f)["programs"]


def expected_lines(program):
    """Progress lines the flow-matching family reports: one per step. (SD 1.5's PNDM reports
    one more, as the reference does: not counted here.)"""
    return program["steps"] if program.get("family") == "sd3" else None


def template(programs, pid, prompt):
    return programs[pid]["template"].replace("{prompt}", prompt)


async def exhibition_client(url, c, programs):
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send("ping")
        c.check(await asyncio.wait_for(ws.recv(), 8) == "pong", "ping is answered pong within 8 s")

        cases = [
            ("a quiet harbour at dawn", "P0", "a quiet harbour at dawn"),
            ("P0:machine learning summit", "P0", "machine learning summit"),
            ("P2:0.80", "P2", "epic poem of malaya"),
            ("P2B:0.5", "P2B", "epic poem of malaya"),
        ]
        for text, pid, prompt in cases:
            await ws.send(text)
            messages = await receive_generation(ws)
            metadata = check_generation(c, text, messages, pid, template(programs, pid, prompt),
                                        expected_lines(programs[pid]))
            if pid == "P2" and metadata:
                c.check(abs(metadata.get("strength", 0) - 0.8) < 1e-9, "P2:0.80 ran at strength 0.8")
            if pid == "P2B" and metadata:
                c.check(abs(metadata.get("strength", 0) - 0.5) < 1e-9, "P2B:0.5 ran at strength 0.5")

        # Three commands at once: none is refused, they run one after another in order.
        queued = [("P3", "P3", "chua mia tee painting"), ("P3B:a red boat", "P3B", "a red boat"),
                  ("P4:", "P4", "person")]
        for text, _, _ in queued:
            await ws.send(text)
        for text, pid, prompt in queued:
            messages = await receive_generation(ws)
            check_generation(c, text, messages, pid, template(programs, pid, prompt),
                             expected_lines(programs[pid]))

        await ws.send("P12:")
        c.check(await asyncio.wait_for(ws.recv(), 8) == "unknown command: P12:", "P12: is an unknown command")


async def leaving_client(url, c, programs, serve):
    # Leaves after the first step of a long generation: the host cancels it.
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send("P0:a long procession")
        first = await asyncio.wait_for(ws.recv(), GENERATION_TIMEOUT)
        c.check(first == "ready", "the leaving client's generation started (%r)" % first)
        line = await asyncio.wait_for(ws.recv(), GENERATION_TIMEOUT)
        c.check(isinstance(line, str) and line.startswith("p:s=0:"), "it saw step 0 (%r)" % line)
    # The next client is served.
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send("ping")
        answer = await asyncio.wait_for(ws.recv(), 8)
        c.check(answer == "pong", "the next client is answered pong (%r)" % (answer,))
        await ws.send("P4:leaning on a rail")
        messages = await receive_generation(ws)
        check_generation(c, "next client's P4", messages, "P4", template(programs, "P4", "leaning on a rail"))
    return loop.time() - started


async def run(args, c):
    programs = load_programs(args.programs)
    serve = Serve(args)
    url = serve.url + "ws"
    try:
        await exhibition_client(url, c, programs)
        seconds = await leaving_client(url, c, programs, serve)
        print("the next client's generation took %.1f s" % seconds)
    finally:
        serve.stop()
    log = serve.text()
    # The leaving client's job: submitted by the live dialect with its prompt, then cancelled.
    m = re.search(r"job (\d+) submitted by c\d+ \(live dialect\): P0 \"a long procession\"", log)
    c.check(m is not None, "the host logged the leaving client's job")
    if m:
        c.check(re.search(r"job %s cancelled" % m.group(1), log) is not None,
                "the leaving client's job %s was cancelled" % m.group(1))
        c.check(re.search(r"job %s completed" % m.group(1), log) is None,
                "and never completed")


if __name__ == "__main__":
    run_peer(run)
