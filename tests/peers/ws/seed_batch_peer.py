"""The reference service's batch endpoints on a real `archival-studio serve` with the seed's
programs over the tiny models (tests/data/programs-seed-tiny.json), uploading to moto (IAM
auth on) with the R2 options: the answers' fields and types, the exact objects for set ids
0..n-1 (previews 1.jpg..N.jpg are JPEGs), meta.json's fields and types, P3's size per set id
as the reference draws it (ids 0-3), health / memory_stats / clear_cache, the display page
answering while a request waits, and a host killed mid-request that finishes the set after a
restart with each object stored once, with the bytes of the local files."""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import asyncio

import websockets

from host_peer import Serve, recv_until, run_peer

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
BUCKET = "seed-peer"
# P3's sizes in the programs file, in the reference's order; Python's random.seed(set_id) +
# random.choice picks indices 3, 1, 0, 1 for set ids 0-3 (the page's 576x1024, 600x800,
# 800x600, 600x800). Asked, then made (rounded down to SD 3's multiple of 16).
P3_ASKED = [(96, 160), (100, 128), (128, 100), (100, 128)]
P3_MADE = [(96, 160), (96, 128), (128, 96), (96, 128)]


def call(method, url, body=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


class Moto:
    def __init__(self, source_dir):
        script = os.path.join(source_dir, "tests", "peers", "s3", "moto_server.py")
        self.proc = subprocess.Popen([sys.executable, script, "--bucket", BUCKET], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        ready = json.loads(self.proc.stdout.readline())
        self.endpoint, self.key, self.secret = ready["endpoint"], ready["access_key_id"], ready["secret"]
        import boto3
        self.s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                               aws_access_key_id=self.key, aws_secret_access_key=self.secret)

    def objects(self, prefix):
        out = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for obj in page.get("Contents", []):
                if obj["Key"].startswith(prefix):
                    out[obj["Key"]] = obj["ETag"].strip('"')
        return out

    def get(self, key):
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def jpeg_size(data):
    """(width, height) from a baseline or progressive JPEG's frame header; None if not a JPEG."""
    if data[:3] != b"\xff\xd8\xff" or data[-2:] != b"\xff\xd9":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    return None


async def websocket_ping_seconds(url):
    """A controller's hello, then ping -> pong: how long the pong took."""
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "role": "controller", "name": "seed-peer"}))
        await recv_until(ws, lambda m: m.get("type") == "welcome", timeout=10)
        started = time.time()
        await ws.send(json.dumps({"type": "ping", "id": 7}))
        await recv_until(ws, lambda m: m.get("type") == "pong", timeout=10)
        return time.time() - started


def serve_with_r2(args, moto, queue):
    os.environ["ARCHIVAL_R2_SECRET"] = moto.secret
    return Serve(args, "--endpoint", moto.endpoint, "--bucket", BUCKET, "--access-key-id", moto.key,
                 "--batch-queue", queue)


def check_set_answer(c, a, action, set_id, program, previews, what):
    c.check(sorted(a) == sorted(["success", "action_id", "set_id", "program", "total_duration",
                                 "preview_urls", "final_url", "metadata_url", "error"]),
            "%s: the answer has the reference's fields (%s)" % (what, sorted(a)))
    base = "https://%s.r2.dev/actions/%s/sets/%d/" % (BUCKET, action, set_id)
    c.check(a.get("success") is True and a.get("error") is None, "%s: success (%s)" % (what, a.get("error")))
    c.check(a.get("action_id") == action and a.get("set_id") == set_id and isinstance(a.get("set_id"), int)
            and a.get("program") == program and isinstance(a.get("total_duration"), float),
            "%s: ids and types" % what)
    c.check(a.get("preview_urls") == [base + "%d.jpg" % s for s in range(1, previews + 1)],
            "%s: %d preview URLs" % (what, previews))
    c.check(a.get("final_url") == base + "final.png" and a.get("metadata_url") == base + "meta.json",
            "%s: final and metadata URLs" % what)


def check_meta(c, meta, action, set_id, program, size, steps, what):
    c.check(sorted(meta) == sorted(["cue_id", "set_id", "total_steps", "durations", "total_duration",
                                    "generated_at", "model_config", "preview_urls", "final_url",
                                    "upload_errors", "archival_studio"]),
            "%s: meta.json has the reference's fields and one more (%s)" % (what, sorted(meta)))
    c.check(meta.get("cue_id") == action and meta.get("set_id") == set_id and isinstance(meta.get("total_steps"), int),
            "%s: cue_id, set_id, total_steps" % what)
    durations = meta.get("durations", {})
    c.check(isinstance(durations, dict) and len(durations) == meta.get("total_steps")
            and all(isinstance(v, float) for v in durations.values()),
            "%s: a duration per step (%d)" % (what, len(durations)))
    c.check(isinstance(meta.get("total_duration"), float) and TIMESTAMP.match(meta.get("generated_at", "")),
            "%s: total_duration and generated_at" % what)
    config = meta.get("model_config", {})
    c.check(config.get("program") == program and isinstance(config.get("prompt"), str)
            and config.get("num_inference_steps") == steps and isinstance(config.get("guidance_scale"), float)
            and (config.get("width"), config.get("height")) == size,
            "%s: model_config %s" % (what, config))
    previews = meta.get("preview_urls", [])
    c.check(all(sorted(p) == ["duration", "step", "url"] and isinstance(p["step"], int)
                and isinstance(p["duration"], float) for p in previews)
            and [p["step"] for p in previews] == list(range(1, len(previews) + 1)),
            "%s: preview_urls [{step, url, duration}] from 1" % what)
    c.check(meta.get("upload_errors") == [] and meta.get("final_url", "").endswith("/final.png"),
            "%s: final_url and upload_errors" % what)


def run(args, c):
    moto = Moto(args.source_dir)
    queue = tempfile.mkdtemp()
    serve = serve_with_r2(args, moto, queue)
    base = "http://127.0.0.1:%d" % serve.http_port
    try:
        status, health = call("GET", base + "/health")
        c.check(status == 200 and health.get("status") == "healthy" and isinstance(health.get("service"), str)
                and isinstance(health.get("version"), str) and TIMESTAMP.match(health.get("timestamp", "")),
                "health: %s" % health)

        # P3 sets 0-3 in one request, previews uploaded; the display page answers meanwhile.
        result = {}
        thread = threading.Thread(target=lambda: result.update(answer=call(
            "POST", base + "/generate_multiple_sets",
            {"action_id": "seed-p3", "program": "P3", "prompt": "harbour", "num_sets": 4})))
        started = time.time()
        thread.start()
        time.sleep(0.5)
        page_started = time.time()
        with urllib.request.urlopen(base + "/", timeout=10) as page:
            page_ok = page.status == 200
        page_seconds = time.time() - page_started
        c.check(thread.is_alive() and page_ok and page_seconds < 2.0,
                "the display page answers in %.2f s while the sets generate" % page_seconds)
        ping_seconds = asyncio.run(websocket_ping_seconds(serve.url))
        c.check(thread.is_alive() and ping_seconds < 2.0,
                "a WebSocket ping is answered in %.2f s while the sets generate" % ping_seconds)
        thread.join(900)
        status, answer = result.get("answer", (0, {}))
        c.check(status == 200 and answer.get("success") is True and answer.get("total_sets") == 4
                and answer.get("successful_sets") == 4 and isinstance(answer.get("total_duration"), float),
                "generate_multiple_sets answered after %.1f s: %s" % (time.time() - started,
                                                                     {k: answer.get(k) for k in ("success", "total_sets", "successful_sets")}))
        sets = answer.get("sets", [])
        expected = set()
        for set_id in range(4):
            a = sets[set_id] if set_id < len(sets) else {}
            meta = json.loads(moto.get("actions/seed-p3/sets/%d/meta.json" % set_id))
            steps = meta.get("total_steps", 0)
            check_set_answer(c, a, "seed-p3", set_id, "P3", steps, "P3 set %d" % set_id)
            check_meta(c, meta, "seed-p3", set_id, "P3", P3_MADE[set_id], 20, "P3 set %d" % set_id)
            image = meta["archival_studio"]["images"][0]["metadata"]
            c.check((image.get("requested_width"), image.get("requested_height")) == P3_ASKED[set_id],
                    "P3 set %d: size asked %s (the reference's draw)" % (set_id, P3_ASKED[set_id]))
            folder = "actions/seed-p3/sets/%d/" % set_id
            expected |= {folder + "%d.jpg" % s for s in range(1, steps + 1)} | {folder + "final.png", folder + "meta.json"}
            sizes = {jpeg_size(moto.get(folder + "%d.jpg" % s)) for s in range(1, steps + 1)}
            c.check(steps >= 1 and None not in sizes, "P3 set %d: %d previews, each a JPEG" % (set_id, steps))
        c.check(set(moto.objects("actions/seed-p3/")) == expected,
                "the bucket holds exactly the four sets' objects (%d)" % len(expected))

        # P2 is image-to-image from its own source image: a batch set needs a prompt alone; the
        # request's strength and override_prompt reach the job.
        status, answer = call("POST", base + "/generate_single_set",
                              {"action_id": "seed-p2", "set_id": 0, "program": "P2", "prompt": "x",
                               "override_prompt": "epic poem of malaya, as sent", "strength": 0.5,
                               "upload_previews": False})
        c.check(status == 200 and answer.get("success") is True and answer.get("preview_urls") == [],
                "P2 from its own source image: %s %s" % (status, answer.get("error")))
        if status == 200 and answer.get("success"):
            meta = json.loads(moto.get("actions/seed-p2/sets/0/meta.json"))
            image = meta["archival_studio"]["images"][0]["metadata"]
            c.check(meta["model_config"]["prompt"] == "epic poem of malaya, as sent"
                    and image.get("strength") == 0.5 and image.get("init_image") == "malaya.png",
                    "P2: override_prompt as sent, strength 0.5, malaya.png (%s)"
                    % {k: image.get(k) for k in ("strength", "init_image")})

        status, memory = call("GET", base + "/memory_stats")
        stats = memory.get("memory_stats", {})
        c.check(status == 200 and all(isinstance(stats.get(k), (int, float)) for k in ("allocated", "reserved", "max_allocated"))
                and isinstance(stats.get("cached_pipelines"), int) and stats["cached_pipelines"] >= 1,
                "memory_stats after a generation: %s" % {k: stats.get(k) for k in ("allocated", "cached_pipelines", "device")})
        status, cleared = call("POST", base + "/clear_cache", {})
        c.check(status == 200 and cleared.get("status") == "success" and cleared.get("cached_pipelines") == 0,
                "clear_cache drops the pipelines not in use: %s" % cleared)

        # Killed mid-request: the set finishes after a restart; the same request is answered.
        body = {"action_id": "seed-killed", "set_id": 0, "program": "P0", "prompt": "dusk"}
        thread = threading.Thread(target=lambda: call("POST", base + "/generate_single_set", body, timeout=60))
        thread.daemon = True
        thread.start()
        record = os.path.join(queue, "seed-killed", "P0", "set_000", "record.json")
        deadline = time.time() + 120
        state = None
        while time.time() < deadline:
            try:
                with open(record) as f:
                    state = json.load(f)["state"]
            except (OSError, ValueError, KeyError):
                state = None
            if state == "generating":
                break
            time.sleep(0.05)
        serve.proc.send_signal(signal.SIGKILL)
        serve.proc.wait(30)
        c.check(state == "generating", "killed while the set was generating")
        serve = serve_with_r2(args, moto, queue)
        base = "http://127.0.0.1:%d" % serve.http_port
        status, answer = call("POST", base + "/generate_single_set", body)
        c.check(status == 200, "the request sent again after the restart: %s" % status)
        meta = json.loads(moto.get("actions/seed-killed/sets/0/meta.json"))
        check_set_answer(c, answer, "seed-killed", 0, "P0", meta.get("total_steps", 0), "restarted set")
        stored = moto.objects("actions/seed-killed/")
        local = os.path.join(queue, "seed-killed", "P0", "set_000")
        same = all(hashlib.md5(open(os.path.join(local, key.rsplit("/", 1)[1]), "rb").read()).hexdigest() == etag
                   for key, etag in stored.items())
        c.check(len(stored) == meta.get("total_steps", 0) + 2 and same,
                "each object stored once, with the local file's bytes (%d objects)" % len(stored))
    finally:
        code = serve.stop()
        moto.stop()
        if c.failed:
            print(serve.text())
    c.check(code == 0, "serve stopped cleanly (%s)" % code)


if __name__ == "__main__":
    run_peer(run)
