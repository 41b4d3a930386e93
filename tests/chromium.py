"""Headless Chromium driven over the DevTools protocol on a pipe, for tests of report.html.

Why the protocol: console messages, page exceptions and blocked or failed loads reach a
client as DevTools events (``Runtime.consoleAPICalled``, ``Runtime.exceptionThrown``,
``Log.entryAdded``), with their level; the ``--enable-logging=stderr`` log has no stable
format across Chromium's headless modes. Why the pipe (``--remote-debugging-pipe``): no
port to pick and no websocket client to write or install. Messages are JSON separated by
NUL bytes; Chromium reads commands on fd 3 and writes answers and events on fd 4.

Run as a script it takes the screenshot of a report for the docs:
``python -m tests.chromium REPORT.html OUT.png [WIDTH [HEIGHT]]`` (HEIGHT crops the page).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

CHROMIUM = Path(os.environ.get("LUKHAS_CHROMIUM", "/usr/bin/chromium"))
TIMEOUT = 60.0
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--remote-debugging-pipe")  # fmt: skip


_TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


def _above_4(fd: int) -> int:
    """``fd`` moved to a number above 4, so moving it to 3 or 4 cannot clobber the other."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 5)
    os.close(fd)
    return moved


class Chromium:
    """One headless browser; :meth:`open` loads a page in a fresh tab and collects its errors."""

    def __init__(self, binary: Path = CHROMIUM) -> None:
        self.profile = tempfile.TemporaryDirectory(prefix="lukhas-chromium-")
        to_browser, self._commands = os.pipe()
        self._events, from_browser = os.pipe()
        to_browser, from_browser = _above_4(to_browser), _above_4(from_browser)
        # A small Python moves the pipe ends to fds 3 and 4, then becomes chromium (exec):
        # no preexec_fn, which is unsafe in a process with threads (pytest-xdist workers).
        self.process = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(to_browser), str(from_browser),
             str(binary), *FLAGS, f"--user-data-dir={self.profile.name}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_browser, from_browser),
        )  # fmt: skip
        os.close(to_browser)
        os.close(from_browser)
        self._next_id = 0
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.events: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buffer = b""
        with os.fdopen(self._events, "rb", buffering=0) as stream:
            while chunk := stream.read(1 << 16):
                buffer += chunk
                *messages, buffer = buffer.split(b"\0")
                for message in messages:
                    self._inbox.put(json.loads(message))
        self._inbox.put(None)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._take()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        while True:
            event = self._take()
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def _take(self) -> dict[str, Any]:
        message = self._inbox.get(timeout=TIMEOUT)
        if message is None:
            raise RuntimeError(f"chromium closed the DevTools pipe (exit {self.process.poll()})")
        return message

    def open(self, path: Path, width: int = 1200, height: int = 900) -> Page:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session)
        page = Page(self, session)
        page.resize(width, height)
        self.call("Page.navigate", session, url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired", session)
        page.evaluate("new Promise(r => requestAnimationFrame(() => r(true)))")  # laid out
        return page

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, queue.Empty):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        self.profile.cleanup()


class Page:
    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser, self.session = browser, session

    def evaluate(self, expression: str) -> Any:
        answer = self.browser.call("Runtime.evaluate", self.session, expression=expression,
                                   returnByValue=True, awaitPromise=True)  # fmt: skip
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def resize(self, width: int, height: int, media: str = "") -> None:
        self.browser.call("Emulation.setDeviceMetricsOverride", self.session, width=width,
                          height=height, deviceScaleFactor=1, mobile=width < 600)  # fmt: skip
        self.browser.call("Emulation.setEmulatedMedia", self.session, media=media)

    def problems(self) -> list[str]:
        """Console messages, uncaught exceptions and browser log errors or warnings."""
        found = []
        for event in self.browser.events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            if event.get("method") == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                found.append(f"console.{params['type']}: {text}")
            elif event.get("method") == "Runtime.exceptionThrown":
                found.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif event.get("method") == "Log.entryAdded":
                entry = params["entry"]
                if entry["level"] in ("error", "warning"):
                    found.append(f"{entry['source']} {entry['level']}: {entry['text']}")
        return found

    def screenshot(self, max_height: float | None = None) -> bytes:
        """The whole page as PNG, or its top ``max_height`` CSS pixels."""
        size = self.browser.call("Page.getLayoutMetrics", self.session)["cssContentSize"]
        height = min(size["height"], max_height or size["height"])
        clip = {"x": 0, "y": 0, "width": size["width"], "height": height, "scale": 1}
        shot = self.browser.call("Page.captureScreenshot", self.session, format="png",
                                 clip=clip, captureBeyondViewport=True)  # fmt: skip
        return base64.b64decode(shot["data"])

    def pdf(self) -> bytes:
        return base64.b64decode(self.browser.call("Page.printToPDF", self.session)["data"])


def main(argv: list[str]) -> int:
    report, out = Path(argv[0]), Path(argv[1])
    width = int(argv[2]) if len(argv) > 2 else 1000
    height = float(argv[3]) if len(argv) > 3 else None
    browser = Chromium()
    try:
        page = browser.open(report, width=width, height=800)
        out.write_bytes(page.screenshot(height))
        for problem in page.problems():
            print(problem, file=sys.stderr)
    finally:
        browser.close()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
