#!/usr/bin/python3
"""Drives headless Chromium (through chromedriver's W3C WebDriver HTTP API, standard library only)
against the web gateway's page, for apps_test's WebGatewayTest.

  web_browser.py URL READY_FILE SCREENSHOT [--timeout S]
  web_browser.py URL --timing N      (the benchmark: N fresh loads, their navigation timings as JSON)

Loads URL at 1400x1000, waits until the page has drawn the regions and the warnings
(window.taifengUpdates >= 1), writes READY_FILE with the page's state, then waits (without
reloading) until the page shows a higher feed sequence number than at first, takes a screenshot
(PNG), then resizes the window to a phone's 400x850, switches the page to English and back to
Chinese, takes a second screenshot (SCREENSHOT with "-phone" before ".png") and prints the states
as JSON: loaded_at before and after (equal: no reload), seq, the warnings listed, the regions
painted, the headlines and the key, whether the storm's marker is inside the map's viewport, the
browser's console errors (SEVERE) and the page's navigation timing.
"""
import base64
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode())["value"]


STATE = """const inside = (e, box) => { if (!e || !box) return false; const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2; return x >= b.left && x <= b.right && y >= b.top && y <= b.bottom; };
  const visible = e => !!e && e.getClientRects().length > 0 && getComputedStyle(e).display !== 'none';
  const nav = performance.getEntriesByType('navigation')[0];
  const headline = document.querySelector('.headline');
  return {loaded_at: window.taifengLoadedAt || 0, updates: window.taifengUpdates || 0, seq: window.taifengSeq || 0,
  regions_drawn: !!window.taifengRegionsDrawn,
  warnings: Array.from(document.querySelectorAll('#warnings li')).map(li => li.dataset.identifier),
  painted: Array.from(document.querySelectorAll('#regions path')).filter(p => /sig-/.test(p.getAttribute('class'))).map(p => p.dataset.code),
  regions: document.querySelectorAll('#regions path').length,
  storm: document.getElementById('storm') ? document.getElementById('storm').textContent : '',
  storm_in_view: inside(document.querySelector('#track path.now'), document.getElementById('map')),
  headlines: Array.from(document.querySelectorAll('.headline')).map(h => ({jurisdiction: h.dataset.jurisdiction,
    signal: (h.querySelector('.hl-kind.first') || {dataset: {}}).dataset.signal || null,
    text: Array.from(h.querySelectorAll('.t')).filter(visible).map(t => t.textContent).join(' ')})),
  headline_top: headline ? Math.round(headline.getBoundingClientRect().top) : -1,
  headline_font_px: document.querySelector('.hl-kind.first .hl-signal .t') ? parseFloat(getComputedStyle(document.querySelector('.hl-kind.first .hl-signal')).fontSize) : 0,
  key: Array.from(document.querySelectorAll('#signal-key .key-row')).map(r => r.dataset.jurisdiction + '/' + r.dataset.kind + ':' +
    Array.from(r.querySelectorAll('.sw')).map(s => s.dataset.signal + '=' + getComputedStyle(s).backgroundColor).join(',')),
  lang: document.body.className,
  visible_en: Array.from(document.querySelectorAll('#warnings .card-head .t')).filter(visible).map(t => t.lang),
  width: window.innerWidth, height: window.innerHeight,
  timing: nav ? {request_to_dom_interactive_ms: nav.domInteractive - nav.requestStart, request_to_dom_complete_ms: nav.domComplete - nav.requestStart,
    response_ms: nav.responseEnd - nav.requestStart} : null,
  status: document.getElementById('status').textContent};"""


TIMING = """const nav = performance.getEntriesByType('navigation')[0];
  return nav && nav.domComplete > 0 && window.taifengRegionsDrawn ? {response_ms: nav.responseEnd - nav.requestStart,
    dom_interactive_ms: nav.domInteractive - nav.requestStart, dom_complete_ms: nav.domComplete - nav.requestStart,
    cards: document.querySelectorAll('#warnings li').length, headlines: document.querySelectorAll('.headline').length} : null;"""


@contextlib.contextmanager
def browser(profile, extra_args=()):
    """A headless Chromium session through chromedriver: yields (driver URL, session path)."""
    port = free_port()
    driver = subprocess.Popen(["chromedriver", "--port=%d" % port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    session = None
    try:
        for _ in range(200):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.05)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                     "--user-data-dir=" + profile] + list(extra_args)},
            "goog:loggingPrefs": {"browser": "ALL"}}}}
        session = call(base, "POST", "/session", caps)["sessionId"]
        yield base, "/session/" + session
    finally:
        if session:
            try:
                call(base, "DELETE", "/session/" + session)
            except OSError:
                pass
        driver.terminate()
        driver.wait()


def timing(url, loads):
    """Loads URL `loads` times in one headless Chromium (the cache off) and prints the timings."""
    import tempfile
    profile = tempfile.mkdtemp(prefix="taifeng-chromium-")
    try:
        with browser(profile, ["--disk-cache-size=1"]) as (base, s):
            call(base, "POST", s + "/goog/cdp/execute", {"cmd": "Network.setCacheDisabled", "params": {"cacheDisabled": True}})
            out = []
            for _ in range(loads):
                call(base, "POST", s + "/url", {"url": "about:blank"})
                call(base, "POST", s + "/url", {"url": url})
                t = None
                for _ in range(400):
                    t = call(base, "POST", s + "/execute/sync", {"script": TIMING, "args": []})
                    if t:
                        break
                    time.sleep(0.025)
                out.append(t)
            # An update in the page: fetch /api/warnings and /panel, swap the panel, redraw the map.
            refresh = call(base, "POST", s + "/execute/async", {"script": """const done = arguments[arguments.length - 1];
              const ms = []; let chain = Promise.resolve();
              for (let i = 0; i < 100; i++) chain = chain.then(() => { const t0 = performance.now();
                return window.taifengRefresh().then(() => { ms.push(performance.now() - t0); }); });
              chain.then(() => done(ms), e => done(String(e)));""", "args": []})
            print(json.dumps({"loads": out, "update_ms": refresh}))
    finally:
        subprocess.call(["rm", "-rf", profile])


def main():
    if len(sys.argv) == 4 and sys.argv[2] == "--timing":
        timing(sys.argv[1], int(sys.argv[3]))
        return
    url, ready_file, screenshot = sys.argv[1], sys.argv[2], sys.argv[3]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--timeout" else 60.0
    with browser(os.path.dirname(os.path.abspath(ready_file)) + "/chromium-profile") as (base, s):
        call(base, "POST", s + "/url", {"url": url})
        deadline = time.time() + timeout
        first = None
        while time.time() < deadline:
            first = call(base, "POST", s + "/execute/sync", {"script": STATE, "args": []})
            if first["updates"] >= 1 and first["regions"] > 0 and first["regions_drawn"]:
                break
            time.sleep(0.1)
        with open(ready_file + ".tmp", "w") as f:
            json.dump(first, f)
        os.rename(ready_file + ".tmp", ready_file)
        last = first
        while time.time() < deadline:
            last = call(base, "POST", s + "/execute/sync", {"script": STATE, "args": []})
            if last["seq"] > first["seq"]:
                break
            time.sleep(0.05)
        time.sleep(0.3)  # let the map finish painting for the screenshot
        last = call(base, "POST", s + "/execute/sync", {"script": STATE, "args": []})
        png = base64.b64decode(call(base, "GET", s + "/screenshot"))
        with open(screenshot, "wb") as f:
            f.write(png)
        # A phone: 400 x 850, English then Chinese again (the switch, without a reload).
        call(base, "POST", s + "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": 400, "height": 850, "deviceScaleFactor": 1, "mobile": True}})
        time.sleep(0.3)
        call(base, "POST", s + "/execute/sync", {"script": "document.getElementById('lang-en').click(); return 0;", "args": []})
        english = call(base, "POST", s + "/execute/sync", {"script": STATE, "args": []})
        call(base, "POST", s + "/execute/sync", {"script": "document.getElementById('lang-zh').click(); return 0;", "args": []})
        time.sleep(0.5)
        phone = call(base, "POST", s + "/execute/sync", {"script": STATE, "args": []})
        png = base64.b64decode(call(base, "GET", s + "/screenshot"))
        with open(screenshot[:-4] + "-phone.png" if screenshot.endswith(".png") else screenshot + "-phone", "wb") as f:
            f.write(png)
        logs = call(base, "POST", s + "/se/log", {"type": "browser"})
        errors = [e["message"] for e in logs if e.get("level") == "SEVERE"]
        print(json.dumps({"first": first, "last": last, "english": english, "phone": phone, "console_errors": errors}))


if __name__ == "__main__":
    main()
