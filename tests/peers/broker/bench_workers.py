#!/usr/bin/env python3
"""Throughput of `archival-studio worker`s sharing one Redis broker: sets per minute with 1
and with 2 workers (or the counts given), on loopback: a redis-server (AOF on) and moto's S3
server started here, the tiny fixture programs. Printed, never asserted.

    .venv/bin/python tests/peers/broker/bench_workers.py --binary build/app/archival-studio \
        [--sets 12] [--workers 1 2] [--program T15]

Each round queues SETS sets on a fresh action with `batch --broker`, times from the queueing
to the last set's "uploaded" in the broker, with the workers already started (their start-up
and model loading are outside the time), and stops them with SIGTERM.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUCKET = "archival-bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_command(port, *args):
    """One command over RESP; returns the raw answer (enough for HGET)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        wire = b"*%d\r\n" % len(args) + b"".join(
            b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
        s.sendall(wire)
        return s.recv(65536)


def hget(port, key, field):
    answer = redis_command(port, "HGET", key, field)
    if not answer.startswith(b"$") or answer.startswith(b"$-1"):
        return ""
    return answer.split(b"\r\n")[1].decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--sets", type=int, default=12)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--program", default="T15")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="archival-bench-")
    port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                              "--dir", work, "--appendonly", "yes", "--save", "",
                              "--logfile", "redis.log"])
    moto = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/peers/s3/moto_server.py"),
                             "--bucket", BUCKET], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    store = json.loads(moto.stdout.readline())
    for _ in range(50):
        try:
            if redis_command(port, "PING").startswith(b"+PONG"):
                break
        except OSError:
            time.sleep(0.1)
    env = dict(os.environ, HOME=work, XDG_CONFIG_HOME=work + "/config",
               XDG_DATA_HOME=work + "/data", ARCHIVAL_R2_SECRET=store["secret"],
               ARCHIVAL_BROKER_PASSWORD="", OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    env.setdefault("ARCHIVAL_FIXTURES", os.path.join(ROOT, "..", "shared", "fixtures"))
    url = f"redis://127.0.0.1:{port}/0"
    common = ["--programs", os.path.join(ROOT, "tests/data/programs-tiny.json"), "--device", "cpu"]
    destination = ["--endpoint", store["endpoint"], "--bucket", BUCKET,
                   "--access-key-id", store["access_key_id"]]
    results = []
    try:
        for count in args.workers:
            action = f"bench_{count}w"
            workers = [subprocess.Popen([args.binary, "worker", "--broker", url, "--name",
                                         f"{action}-{i}", "--queue", work + "/workers"]
                                        + destination + common, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                       for i in range(count)]
            # Warm: each worker loads the model with a set of its own first.
            warm = f"{action}_warm"
            subprocess.run([args.binary, "batch", "--broker", url, "--program", args.program,
                            "--prompt", "warm up", "--action-id", warm, "--sets", str(count)]
                           + common, env=env, check=True, stdout=subprocess.DEVNULL)
            while any(hget(port, f"archival:set:{warm}:{n}", "state") != "uploaded"
                      for n in range(count)):
                time.sleep(0.1)
            start = time.monotonic()
            subprocess.run([args.binary, "batch", "--broker", url, "--program", args.program,
                            "--prompt", "ai conference", "--action-id", action, "--sets",
                            str(args.sets)] + common, env=env, check=True,
                           stdout=subprocess.DEVNULL)
            while True:
                states = [hget(port, f"archival:set:{action}:{n}", "state")
                          for n in range(args.sets)]
                if "failed" in states:
                    raise SystemExit(f"a set failed: {states}")
                if all(s == "uploaded" for s in states):
                    break
                time.sleep(0.1)
            seconds = time.monotonic() - start
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                w.wait(timeout=120)
            results.append((count, seconds))
            print(f"{count} worker(s): {args.sets} sets of {args.program} in {seconds:.1f} s "
                  f"= {args.sets * 60 / seconds:.1f} sets/min", flush=True)
    finally:
        redis.terminate()
        moto.stdin.close()
        moto.wait(timeout=10)
        redis.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
