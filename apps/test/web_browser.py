#!/usr/bin/python3
"""Drives headless Chromium (through chromedriver's W3C WebDriver HTTP API, standard library only)
against the web gateway's page, for apps_test's WebGatewayTest.

  web_browser.py URL READY_FILE SCREENSHOT [--timeout S]

Loads URL, waits until the page has drawn the regions and the warnings (window.taifengUpdates >= 1),
writes READY_FILE with the page's state, then waits (without reloading) until the page shows a
higher feed sequence number than at first, takes a screenshot (PNG) and prints the final state as
JSON: loaded_at before and after (equal: no reload), seq, the warnings listed, the regions painted.
"""
import base64
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


STATE = """return {loaded_at: window.taifengLoadedAt || 0, updates: window.taifengUpdates || 0, seq: window.taifengSeq || 0,
  warnings: Array.from(document.querySelectorAll('#warnings li')).map(li => li.dataset.identifier),
  painted: Array.from(document.querySelectorAll('#regions path')).filter(p => /s-|f-/.test(p.getAttribute('class'))).map(p => p.dataset.code),
  regions: document.querySelectorAll('#regions path').length,
  storm: document.getElementById('storm') ? document.getElementById('storm').textContent : '',
  status: document.getElementById('status').textContent};"""


def main():
    url, ready_file, screenshot = sys.argv[1], sys.argv[2], sys.argv[3]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--timeout" else 60.0
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
                     "--user-data-dir=" + os.path.dirname(os.path.abspath(ready_file)) + "/chromium-profile"]}}}}
        session = call(base, "POST", "/session", caps)["sessionId"]
        s = "/session/" + session
        call(base, "POST", s + "/url", {"url": url})
        deadline = time.time() + timeout
        first = None
        while time.time() < deadline:
            first = call(base, "POST", s + "/execute/sync", {"script": STATE, "args": []})
            if first["updates"] >= 1 and first["regions"] > 0:
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
        print(json.dumps({"first": first, "last": last}))
    finally:
        if session:
            try:
                call(base, "DELETE", "/session/" + session)
            except OSError:
                pass
        driver.terminate()
        driver.wait()


if __name__ == "__main__":
    main()
