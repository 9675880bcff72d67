"""The app's server, launched once for the tests that talk to it over HTTP or drive it in a browser."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`python -m sim app` in a subprocess on 127.0.0.1; yields its URL and log file, and stops it at the end."""
    port, log = free_port(), tmp_path_factory.mktemp("app") / "server.log"
    # Without pytest's variable, as in real use (Solara skips some checks under pytest).
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port), "--no-browser"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app server did not start:\n{log.read_text()}")
                time.sleep(0.3)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
