"""Starting `ssr-sim app` and Debian's Chromium: shared by the app tests (conftest.py, test_browser.py)
and benchmarks/bench_app_play.py, so the benchmark measures the server the tests drive."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVER_START_SECONDS = 60


class ServerDidNotStart(RuntimeError):
    """The app server exited, or did not answer within SERVER_START_SECONDS; the message holds its log."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def app_server_process(log: Path) -> Iterator[str]:
    """`python -m sim app --no-browser` in a subprocess on a free port of 127.0.0.1, its output in ``log``;
    yields its URL once it answers, and stops it on exit."""
    port = free_port()
    # Without pytest's variable, as in real use (Solara skips some checks under pytest).
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port), "--no-browser"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart(f"the app server did not start:\n{log.read_text()}") from None
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def launch_chromium(playwright):
    """Debian's Chromium, headless, through a running ``sync_playwright()``."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), timeout=30_000, args=CHROMIUM_ARGS)
