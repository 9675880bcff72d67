"""The app in a real browser: Playwright driving Debian's Chromium against `ssr-sim app` on 127.0.0.1.

Skipped, with the reason, where /usr/bin/chromium or Playwright is missing. One server and one
browser serve the module; every wait is bounded, and the server is stopped at the end. Each
test saves a screenshot under test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
WAIT_MS = 20_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                     "(apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the 'browser' extra (playwright)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python -m sim app` in a subprocess; yields its URL and log file."""
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


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), timeout=30_000,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


class Watched:
    """A page with every request, failed response and console error it produced."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page(viewport={"width": 1500, "height": 1050})
        self.page.set_default_timeout(WAIT_MS)
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("response", lambda r: r.status >= 400 and self.failures.append(f"{r.status} {r.url}"))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.goto(url)

    def text(self, selector: str) -> str:
        return self.page.locator(selector).first.inner_text()

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@pytest.fixture
def explore(server, browser):
    watched = Watched(browser, server[0])
    watched.page.locator(".ssr-network").first.wait_for()
    yield watched
    watched.page.close()


def test_page_loads_offline_without_console_errors(server, explore):
    explore.page.locator(".ssr-indicators").first.wait_for()
    explore.page.wait_for_timeout(1000)
    explore.screenshot("app-explore-loaded.png")
    outside = {url for url in explore.requests
               if urlparse(url).scheme not in ("data", "blob") and urlparse(url).hostname not in LOCAL_HOSTS}
    assert not outside, f"requests left the machine: {sorted(outside)}"
    assert not explore.failures and not explore.console_errors, (explore.failures, explore.console_errors)
    assert "Could not load URL" not in server[1].read_text()   # the asset proxy never went to a CDN


def test_step_advances_time_and_the_charts_change(explore):
    status, chart = ".ssr-run-status", ".ssr-indicators"
    assert explore.text(status).startswith("Month 0 ")
    before = explore.page.locator(chart).first.get_attribute("src")
    for month in (1, 2):
        explore.page.get_by_role("button", name="Step", exact=True).click()
        explore.page.locator(status, has_text=f"Month {month} ").wait_for()
    sync_api.expect(explore.page.locator(chart).first).not_to_have_attribute("src", before or "")
    explore.screenshot("app-explore-stepped.png")
    assert not explore.console_errors


def test_a_lever_slider_changes_the_model(explore):
    before = explore.text(".ssr-run-status")
    will = re.search(r"political will ([0-9.]+)", before).group(1)
    slider = explore.page.locator(".v-input", has_text="Political will (ministries)").get_by_role("slider")
    slider.focus()
    for _ in range(6):
        slider.press("ArrowRight")
    explore.page.get_by_role("button", name="Reset", exact=True).click()
    explore.page.locator(".ssr-run-status", has_text=re.compile(r"political will (?!" + will + r")")).wait_for()
    assert explore.text(".ssr-run-status").startswith("Month 0 ")
    assert not explore.console_errors


def test_a_missing_scenario_file_shows_the_error_not_a_traceback(explore):
    field = explore.page.get_by_label("… or a scenario file (path)")
    field.fill("no/such/scenario.yaml")
    field.press("Enter")
    sync_api.expect(explore.page.locator(".ssr-error")).to_contain_text("file not found")
    assert "Traceback" not in explore.page.locator("body").inner_text()


def test_a_full_workshop_ends_with_the_percentile_screen(server, browser):
    watched = Watched(browser, server[0] + "workshop")
    page = watched.page
    try:
        for label, presses in (("Turns", ["Home", "ArrowRight", "ArrowRight"]), ("Seeds to compare on", ["Home"])):
            slider = page.locator(".v-input", has_text=label).get_by_role("slider")
            slider.focus()
            for key in presses:
                slider.press(key)
        page.get_by_role("button", name="Start workshop").click()
        page.locator(".ssr-turn-card", has_text="Turn 1 of 4").wait_for()
        page.locator(".ssr-choice-2").click()
        page.get_by_role("option", name="Train the army").click()
        for turn in range(1, 5):
            page.locator(".ssr-turn-card", has_text=f"Turn {turn} of 4").wait_for()
            page.locator(".ssr-decide").click()
        page.get_by_text(re.compile(r"Your path: .*percentile of de facto progress")).wait_for(timeout=60_000)
        sync_api.expect(page.get_by_text("Download the decision log (CSV)")).to_be_visible()
        sync_api.expect(page.get_by_text("Train the army").first).to_be_visible()
        watched.screenshot("app-workshop-outcome.png")
        assert not watched.console_errors
    finally:
        page.close()
