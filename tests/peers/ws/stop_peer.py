"""`archival-studio serve` stops cleanly on SIGTERM: by default the running job is cancelled
(its watchers get `cancelled`, then the host closes); with --on-stop finish it runs to the end first (its watchers
get the final image). Either way the exit code is 0 and the log says what happened."""
import asyncio
import json

import websockets
from websockets.exceptions import ConnectionClosed

from host_peer import FINAL, Checks, Serve, arguments, recv_until, run_peer


async def job_then_sigterm(serve):
    """Starts a 20-step job, sends SIGTERM after its first step; the job's last event."""
    async with websockets.connect(serve.url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "generate", "program": "T15", "prompt": "last light"}))
        await recv_until(ws, lambda m: m.get("type") == "progress", timeout=120)
        serve.proc.terminate()
        try:
            last = await recv_until(ws, lambda m: m.get("type") == "cancelled" or
                                    (m.get("binary") and m["kind"] == FINAL), timeout=120)
            return "final" if last.get("binary") else "cancelled"
        except ConnectionClosed:
            return "closed"


def run(args, c):
    serve = Serve(args)
    try:
        outcome = asyncio.run(job_then_sigterm(serve))
        serve.proc.wait(120)  # one SIGTERM only: the second would find the default handler
    finally:
        code = serve.stop()
    c.check(code == 0, "default stop: exit 0")
    c.check(outcome == "cancelled" and "cancelling 1 job(s)" in serve.text(),
            "default stop: the running job is cancelled (%s)" % outcome)

    serve = Serve(args, "--on-stop", "finish")
    try:
        outcome = asyncio.run(job_then_sigterm(serve))
        serve.proc.wait(120)  # one SIGTERM only: the second would find the default handler
    finally:
        code = serve.stop()
    c.check(code == 0, "--on-stop finish: exit 0")
    c.check(outcome == "final" and "finishing 1 job(s) first" in serve.text(),
            "--on-stop finish: the job ends with its final image first (%s)" % outcome)


if __name__ == "__main__":
    run_peer(run)
