"""An independent client (PyPI `websockets`) runs the host's protocol against a live
`archival-studio serve` on the tiny programs: legacy command, JSON generate, progress,
preview frames, final PNG, cancel, typed errors."""
import asyncio
import json

import websockets

from host_peer import FINAL, JPEG, PNG, PREVIEW, Checks, Serve, arguments, decode_png, recv_until, run_peer

PROGRAM = "T3"  # tiny SD3, 4 steps


async def run(args, c):
    serve = Serve(args)
    try:
        async with websockets.connect(serve.url) as legacy, websockets.connect(serve.url) as ctl:
            # The exhibition's plain-text command, unchanged.
            await legacy.send("%s:machine learning summit" % PROGRAM)
            queued = await recv_until(legacy, lambda m: m.get("type") in ("queued", "error"))
            c.check(queued["type"] == "queued" and queued["program"] == PROGRAM
                    and queued["prompt"] == "machine learning summit", "legacy command queued: %s" % queued)
            seen = []
            final = await recv_until(legacy, lambda m: m.get("binary") and m["kind"] == FINAL, sink=seen)
            types = [m.get("type") for m in seen if not m.get("binary")]
            c.check("started" in types, "legacy client sees started")
            progress = [m for m in seen if m.get("type") == "progress"]
            c.check(len(progress) >= 1 and progress[-1]["step"] == progress[-1]["total"],
                    "progress up to the last step: %s" % [p["step"] for p in progress])
            previews = [m for m in seen if m.get("binary") and m["kind"] == PREVIEW]
            c.check(len(previews) >= 1 and all(p["format"] == JPEG and p["job"] == queued["job"]
                                               and p["image"][:2] == b"\xff\xd8" for p in previews),
                    "JPEG preview frames carry the job id (%d)" % len(previews))
            completed = [m for m in seen if m.get("type") == "completed"]
            c.check(len(completed) == 1 and completed[0]["format"] == "png", "completed event")
            png = decode_png(final["image"])
            c.check(final["format"] == PNG and final["job"] == queued["job"]
                    and (png[0], png[1]) == (completed[0]["width"], completed[0]["height"])
                    and len(final["image"]) == completed[0]["bytes"],
                    "final PNG %dx%d as announced" % (png[0], png[1]))
            c.check(completed[0]["metadata"].get("promptTyped", completed[0]["metadata"].get("prompt_typed"))
                    is not None or len(completed[0]["metadata"]) > 0, "completed carries metadata")

            # JSON: hello, generate with seed and request id, then cancel.
            await ctl.send(json.dumps({"type": "hello", "protocol": 1, "role": "controller", "name": "peer"}))
            welcome = await recv_until(ctl, lambda m: m.get("type") == "welcome")
            ids = [p["id"] for p in welcome["programs"]]
            c.check(welcome["protocol"] == 1 and PROGRAM in ids, "welcome lists programs %s" % ids)
            await ctl.send(json.dumps({"type": "generate", "program": PROGRAM, "prompt": "a harbour",
                                       "seed": 7, "id": "g1"}))
            q = await recv_until(ctl, lambda m: m.get("type") in ("queued", "error"))
            c.check(q["type"] == "queued" and q.get("request_id") == "g1", "JSON generate queued with request id")
            done = await recv_until(ctl, lambda m: m.get("type") == "completed" and m["job"] == q["job"])
            c.check(done.get("request_id") == "g1" and done["metadata"].get("seed") in ("7", 7),
                    "completed answers the request, seed 7")

            await ctl.send(json.dumps({"type": "generate", "program": "T15", "prompt": "long one", "id": "g2"}))
            q2 = await recv_until(ctl, lambda m: m.get("type") == "queued")
            await ctl.send(json.dumps({"type": "cancel", "job": q2["job"], "id": "x"}))
            ack = await recv_until(ctl, lambda m: m.get("type") in ("cancelling", "error"))
            c.check(ack["type"] == "cancelling" and ack["jobs"] == [q2["job"]], "cancel acknowledged")
            gone = await recv_until(ctl, lambda m: m.get("type") in ("cancelled", "completed") and m.get("job") == q2["job"])
            c.check(gone["type"] == "cancelled", "job cancelled")

            # Typed errors; the connection stays up.
            cases = [
                ("{\"type\": \"generate\"", "invalid_json"),
                (json.dumps({"type": "generate", "program": "NOPE", "prompt": "x"}), "unknown_program"),
                (json.dumps({"type": "generate", "program": PROGRAM, "prompt": "  "}), "empty_prompt"),
                (json.dumps({"type": "generate", "program": PROGRAM, "prompt": ["x"]}), "invalid_field"),
                (json.dumps({"type": "cancel", "job": 987654}), "unknown_job"),
                (json.dumps({"type": "teleport"}), "unknown_type"),
                ("no command here", "invalid_message"),
                (b"\x00\x01binary", "binary_not_accepted"),
            ]
            for message, code in cases:
                await ctl.send(message)
                err = await recv_until(ctl, lambda m: m.get("type") == "error")
                c.check(err["code"] == code, "%r -> %s (got %s)" % (message[:30], code, err["code"]))
            await ctl.send(json.dumps({"type": "ping", "id": 1}))
            pong = await recv_until(ctl, lambda m: m.get("type") == "pong")
            c.check(pong["request_id"] == 1, "still connected after the errors")
    finally:
        code = serve.stop()
        c.check(code == 0, "serve stops cleanly on SIGTERM (exit %s)" % code)
        log = serve.text()
        c.check("client c1 connected" in log and "completed" in log and "stopped" in log,
                "serve logs one line per event")
        if c.failed:
            print(log)


if __name__ == "__main__":
    run_peer(run)
