"""The display page in real headless Chromium (Debian's chromium + chromium-driver, driven by
Selenium): it loads from a live `archival-studio serve`, receives a job's previews and final
image, cross-fades to the final (a screenshot, written to <out-dir>/host_display_final.png,
shows it), and reconnects by itself when the host restarts."""
import asyncio
import json
import os
import tempfile
import time

import websockets
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from host_peer import FINAL, Checks, Serve, arguments, decode_png, free_port, pixel, recv_until, run_peer

PROGRAM = "T15"


def wait_for(driver, script, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    return None


def browser(args):
    import shutil
    args.chromium = shutil.which(args.chromium) or args.chromium
    args.chromedriver = shutil.which(args.chromedriver) or args.chromedriver
    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1280,720",
                 "--hide-scrollbars", "--user-data-dir=" + tempfile.mkdtemp()]:
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(executable_path=args.chromedriver))


async def generate(url, prompt):
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "generate", "program": PROGRAM, "prompt": prompt, "seed": 11}))
        q = await recv_until(ws, lambda m: m.get("type") in ("queued", "error"))
        final = await recv_until(ws, lambda m: m.get("binary") and m["kind"] == FINAL, timeout=180)
        return q.get("job"), final["image"]


def compare_to_screenshot(final_png, shot_png):
    """Mean absolute difference between the final image and where the page shows it
    (object-fit: contain), sampled at the centre of each final pixel."""
    fw, fh = final_png[0], final_png[1]
    sw, sh = shot_png[0], shot_png[1]
    scale = min(sw / fw, sh / fh)
    ox, oy = (sw - fw * scale) / 2, (sh - fh * scale) / 2
    total, n = 0, 0
    for y in range(fh):
        for x in range(fw):
            expected = pixel(final_png, x, y)
            sx, sy = int(ox + (x + 0.5) * scale), int(oy + (y + 0.5) * scale)
            actual = pixel(shot_png, min(sx, sw - 1), min(sy, sh - 1))
            total += sum(abs(a - b) for a, b in zip(expected, actual)) / 3
            n += 1
    return total / n


def run(args, c):
    port, http_port = free_port(), free_port()
    serve = Serve(args, listen="127.0.0.1:%d" % port, http_port=str(http_port))
    driver = browser(args)
    try:
        driver.get("http://127.0.0.1:%d/?name=kiosk" % http_port)
        c.check(wait_for(driver, "return window.archivalDisplay && window.archivalDisplay.client") is not None,
                "the page connects back and is welcomed")
        job, final_bytes = asyncio.run(generate(serve.url, "a quiet harbour at dawn"))
        shown = wait_for(driver, "return window.archivalDisplay.lastFinalJob === %d" % job, 60)
        c.check(shown, "the page shows job %s's final image" % job)
        previews = driver.execute_script("return window.archivalDisplay.previewsShown")
        c.check(previews >= 1, "the page showed live previews (%d)" % previews)
        faded = wait_for(driver, """
            const finals = [...document.querySelectorAll('.final.visible')];
            const preview = document.getElementById('preview');
            return finals.length === 1 && getComputedStyle(finals[0]).opacity === '1'
                && getComputedStyle(preview).opacity === '0';""", 10)
        c.check(faded, "the cross-fade ended on the final image")
        shot_path = os.path.join(args.out_dir, "host_display_final.png")
        driver.save_screenshot(shot_path)
        with open(shot_path, "rb") as f:
            shot = decode_png(f.read())
        difference = compare_to_screenshot(decode_png(final_bytes), shot)
        c.check(difference < 20, "the screenshot shows the final image (mean difference %.1f of 255)" % difference)

        # The host restarts on the same ports: the page comes back by itself.
        serve.stop()
        wait_for(driver, "return window.archivalDisplay.connected === false", 20)
        serve = Serve(args, listen="127.0.0.1:%d" % port, http_port=str(http_port))
        c.check(wait_for(driver, "return window.archivalDisplay.connected && window.archivalDisplay.connections >= 2", 30),
                "the page reconnected after the host restarted")
    finally:
        driver.quit()
        serve.stop()


def extra(p):
    p.add_argument("--chromium", default="chromium", help="Debian's chromium")
    p.add_argument("--chromedriver", default="chromedriver", help="Debian's chromium-driver")


if __name__ == "__main__":
    run_peer(run, extra)
