"""The live dialect (/ws) from real headless Chromium (Debian's chromium + chromium-driver,
driven by Selenium), as the exhibition client's page receives it: the browser's own WebSocket,
every binary message wrapped as `new Blob([data], {type: 'image/jpeg'})` and decoded with
`createImageBitmap`. Every preview must decode. The page is served from its own origin, which
`serve --origin` allows; the last image it decoded is drawn on a canvas and written to
<out-dir>/host_live_dialect_browser.png."""
import http.server
import json
import os
import re
import threading
from urllib.parse import urlencode

from display_page_peer import browser, extra, wait_for
from host_peer import Serve, free_port, run_peer

PROGRESS = re.compile(r"^p:s=(\d+):t=(-?\d+)$")

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>live dialect</title></head>
<body style="margin:0;background:#000"><canvas id="shown" width="256" height="256"></canvas>
<script>
// What the exhibition client does with the live dialect, kept to what the test needs.
const params = new URLSearchParams(location.search);
const commands = JSON.parse(params.get('commands'));
const log = [];      // every message in order: text as it came, binaries as {index}
const decoded = [];  // per binary message: {ok, width, height} or {ok: false, error}
const pending = [];
let sent = 0;
window.liveResult = null;
const ws = new WebSocket(params.get('ws'));
ws.onopen = () => ws.send('ping');
ws.onmessage = (event) => {
  if (typeof event.data === 'string') {
    log.push(event.data);
    if (event.data === 'pong' || event.data === 'done' || event.data.startsWith('error:')) {
      if (sent < commands.length) { ws.send(commands[sent++]); return; }
      Promise.all(pending).then(() => { window.liveResult = {log, decoded}; });
    }
    return;
  }
  const index = decoded.length;
  decoded.push(null);
  log.push({binary: index});
  const blob = new Blob([event.data], {type: 'image/jpeg'});
  pending.push(createImageBitmap(blob).then((bitmap) => {
    decoded[index] = {ok: true, width: bitmap.width, height: bitmap.height};
    const canvas = document.getElementById('shown');
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  }, (error) => { decoded[index] = {ok: false, error: String(error)}; }));
};
ws.onerror = () => { window.liveResult = {log, decoded, socketError: true}; };
</script></body></html>
"""


class PageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def generations(log):
    """Splits the page's log (after pong) into generations ending in done or error:."""
    out, current = [], []
    for entry in log:
        if entry == "pong":
            continue
        current.append(entry)
        if isinstance(entry, str) and (entry == "done" or entry.startswith("error:")):
            out.append(current)
            current = []
    return out


def run(args, c):
    page_port = free_port()
    page_server = http.server.ThreadingHTTPServer(("127.0.0.1", page_port), PageHandler)
    threading.Thread(target=page_server.serve_forever, daemon=True).start()
    origin = "http://127.0.0.1:%d" % page_port
    serve = Serve(args, "--origin", origin)
    driver = browser(args)
    commands = ["a lighthouse in the rain", "P2:0.80", "P3"]
    try:
        query = urlencode({"ws": serve.url + "ws", "commands": json.dumps(commands)})
        driver.get("%s/?%s" % (origin, query))
        result = wait_for(driver, "return window.liveResult", 600)
        c.check(result is not None and not result.get("socketError"),
                "the page ran its commands over the browser's WebSocket")
        if not result:
            return
        log, decoded = result["log"], result["decoded"]
        c.check(log[:1] == ["pong"], "ping is answered pong (%s)" % log[:1])
        runs = generations(log)
        c.check(len(runs) == len(commands), "%d generations for %d commands" % (len(runs), len(commands)))
        for command, messages in zip(commands, runs):
            texts = [m for m in messages if isinstance(m, str)]
            binaries = [m["binary"] for m in messages if isinstance(m, dict)]
            c.check(texts[:1] == ["ready"] and texts[-1:] == ["done"],
                    "%s: ready ... done (%s)" % (command, texts[-1:]))
            lines = [PROGRESS.match(t) for t in texts[1:-1]]
            c.check(lines and all(lines) and [int(m.group(1)) for m in lines] == list(range(len(lines))),
                    "%s: %d progress lines numbered from 0" % (command, len(lines)))
            previews = [decoded[i] for i in binaries[:-1]]
            c.check(len(previews) >= 1 and all(p and p["ok"] for p in previews),
                    "%s: every preview decodes as image/jpeg in the browser (%d of %d)"
                    % (command, sum(1 for p in previews if p and p["ok"]), len(previews)))
            final = decoded[binaries[-1]] if binaries else None
            c.check(final is not None and final["ok"], "%s: the final image decodes too (%s)" % (command, final))
        shot = os.path.join(args.out_dir, "host_live_dialect_browser.png")
        driver.save_screenshot(shot)
        print("screenshot:", shot)
    finally:
        driver.quit()
        serve.stop()
        page_server.shutdown()


if __name__ == "__main__":
    run_peer(run, extra)
