"""Mode B over HTTP, with an independent client (the standard library's urllib): POST, GET
and DELETE /api/v1/batch against a live `archival-studio serve --batch-queue DIR` on the tiny
programs; typed errors with HTTP status codes; the host's token rules; the request checks
against a hostile page (text/plain, rebound Host, foreign Origin) and oversized input."""
import json
import tempfile
import time
import urllib.error
import urllib.request

from host_peer import Checks, Serve, arguments, run_peer


def call(method, url, body=None, token=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def run(args, c):
    queue = tempfile.mkdtemp()
    serve = Serve(args, "--batch-queue", queue)
    base = "http://127.0.0.1:%d/api/v1/batch" % serve.http_port
    try:
        status, body = call("POST", base, {"program": "T3", "prompt": "harbour lights", "action_id": "act-1",
                                           "sets": 2, "parallel": False})
        c.check(status == 201 and body["action_id"] == "act-1" and len(body["sets"]) == 2,
                "POST queues the sets: %s %s" % (status, body))
        ids = [s["id"] for s in body.get("sets", [])]
        c.check(all(s["keys"] and s["keys"][0].startswith("actions/act-1/sets/") for s in body.get("sets", [])),
                "each set names its object keys")
        deadline, states = time.time() + 180, []
        while time.time() < deadline:
            status, body = call("GET", base + "/act-1")
            states = [s["state"] for s in body["sets"]]
            if all(state in ("generated", "uploaded", "failed") for state in states):
                break
            time.sleep(0.5)
        c.check(status == 200 and [s["id"] for s in body["sets"]] == ids and states == ["generated", "generated"],
                "GET reports each set's state: %s" % states)

        status, body = call("POST", base, {"program": "T15", "prompt": "many", "action_id": "act-2", "sets": 6})
        c.check(status == 201 and len(body["sets"]) == 6, "a second action queued")
        status, body = call("DELETE", base + "/act-2")
        c.check(status == 200 and len(body["cancelled"]) >= 1, "DELETE cancels what has not run (%s)"
                % len(body.get("cancelled", [])))
        time.sleep(1)
        status, body = call("GET", base + "/act-2")
        c.check(status == 200 and all(s["state"] in ("failed", "generated") for s in body["sets"])
                and any(s["error"] and s["error"]["code"] == "Interrupted" for s in body["sets"]),
                "cancelled sets are failed 'Interrupted'")

        for payload, want_status, want_code in [
            (b"{not json", 400, "invalid_json"),
            ({"prompt": "x", "action_id": "a"}, 400, "invalid_field"),
            ({"program": "T3", "prompt": " ", "action_id": "a"}, 400, "invalid_field"),
            ({"program": "T3", "prompt": "x", "action_id": "bad id/.."}, 400, "invalid_field"),
            ({"program": "T3", "prompt": "x", "action_id": "a", "sets": 0}, 400, "invalid_field"),
            ({"program": "T3", "prompt": "x", "action_id": "a", "parallel": "yes"}, 400, "invalid_field"),
            ({"program": "NOPE", "prompt": "x", "action_id": "a"}, 422, "InvalidRequest"),
        ]:
            status, body = call("POST", base, payload)
            c.check(status == want_status and body["error"]["code"] == want_code,
                    "POST %r -> %d %s (got %d %s)" % (payload if isinstance(payload, bytes) else list(payload.items())[:2],
                                                      want_status, want_code, status, body))
        status, body = call("GET", base + "/no-such-action")
        c.check(status == 404 and body["error"]["code"] == "unknown_action", "GET of an unknown action is 404")
        status, body = call("DELETE", base + "/no-such-action")
        c.check(status == 404, "DELETE of an unknown action is 404")
    finally:
        serve.stop()

    serve = Serve(args, "--batch-queue", tempfile.mkdtemp(), "--token", "batch-api-token-0123", "--require-token")
    base = "http://127.0.0.1:%d/api/v1/batch" % serve.http_port
    try:
        status, body = call("GET", base + "/x")
        c.check(status == 401 and body["error"]["code"] == "unauthorized", "no token: 401")
        status, body = call("GET", base + "/x", token="wrong")
        c.check(status == 401, "wrong token: 401")
        status, body = call("GET", base + "/x", token="batch-api-token-0123")
        c.check(status == 404, "right token (Bearer): served")
        status, body = call("GET", base + "/x?token=batch-api-token-0123")
        c.check(status == 404, "right token (query): served")
    finally:
        serve.stop()

    # What a hostile page could send through the curator's browser, and oversized input.
    serve = Serve(args, "--batch-queue", tempfile.mkdtemp(), "--allowed-host", "studio.example",
                  "--limit", "max-body-bytes=2048")
    base = "http://127.0.0.1:%d/api/v1/batch" % serve.http_port
    work = {"program": "T3", "prompt": "x", "action_id": "page-1"}
    try:
        status, body = call("POST", base, work, headers={"Content-Type": "text/plain"})
        c.check(status == 415 and body["error"]["code"] == "unsupported_media_type",
                "a cross-site text/plain POST: 415 (got %d %s)" % (status, body))
        status, body = call("GET", base + "/x", headers={"Host": "evil.example:%d" % serve.http_port})
        c.check(status == 421 and body["error"]["code"] == "host_not_allowed",
                "a rebound Host: 421 (got %d %s)" % (status, body))
        status, body = call("GET", base + "/x", headers={"Host": "studio.example"})
        c.check(status == 404, "an --allowed-host name: served (got %d)" % status)
        status, body = call("GET", base + "/x", headers={"Origin": "http://evil.example"})
        c.check(status == 403 and body["error"]["code"] == "origin_not_allowed",
                "a foreign Origin: 403 (got %d %s)" % (status, body))
        status, body = call("POST", base, dict(work, prompt="a" * 3000))
        c.check(status == 413 and body["error"]["code"] == "body_too_large",
                "a body over --limit max-body-bytes: 413 (got %d %s)" % (status, body))
        status, body = call("POST", base, dict(work, prompt="a" * 1001))
        c.check(status == 400 and body["error"]["code"] == "prompt_too_long",
                "a prompt over max-prompt-chars: 400 (got %d %s)" % (status, body))
        status, body = call("GET", base + "/page-1")
        c.check(status == 404, "nothing of the refused requests was queued (got %d)" % status)
    finally:
        serve.stop()


if __name__ == "__main__":
    run_peer(run)
