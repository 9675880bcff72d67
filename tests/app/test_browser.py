"""The app in a real browser: Playwright driving Debian's Chromium against `ssr-sim app` on 127.0.0.1.

Skipped, with the reason, where /usr/bin/chromium or Playwright is missing. One server
(``app_server`` in conftest.py) and one browser serve the module; every wait is bounded, and the
server is stopped at the end. Each test saves a screenshot under test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from sim.app.scenario_picker import SCENARIO_PATH_LABEL

from .app_process import CHROMIUM, launch_chromium

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
WAIT_MS = 20_000
#: How soon a refused path or upload must be answered. A refusal must not wait on the file (a FIFO
#: blocks forever, /dev/zero never ends, the YAML bomb expands to 10^10 values), and 5 s tells an
#: answer from any of those even on a loaded machine; a 1-second bound failed at 1.09 s with a
#: calibration on both cores. How fast the app answers is measured, not asserted.
ANSWER_SECONDS = 5.0
SCREEN = {"width": 1440, "height": 1000}   # a facilitator's laptop
MESA_LEFTOVERS = ("Page 0", "PAGE 0", "Use Threads", "Play Interval", "Render Interval", "Information", "Step:")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("app_server"),   # one worker starts the app's server and Chromium once
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium "
                                                     "(apt-get install -y chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the 'browser' extra (playwright)")
# Assertions wait as long as any other step: a loaded CI machine can take more than Playwright's
# default 5 s to build a run from an upload while another tab steps.
sync_api.expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


class Watched:
    """A page with every request, failed response and console error it produced."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page(viewport=SCREEN, accept_downloads=True)
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

    def screenshot(self, name: str, full_page: bool = True) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)

    def sliders_without_their_value(self) -> list[str]:
        """Each slider whose label still does not end with the value it is set to (as rounded there)
        after WAIT_MS: the label follows the slider after a round trip to the server, so a label
        that lags on a loaded machine is waited for and only one that never catches up is reported."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while (missing := self._labels_not_showing_their_slider()) and time.monotonic() < deadline:
            self.page.wait_for_timeout(200)
        return missing

    def _labels_not_showing_their_slider(self) -> list[str]:
        missing = []
        for slider in self.page.get_by_role("slider").all():
            value = float(slider.get_attribute("aria-valuenow"))
            label = slider.locator("xpath=ancestor::div[contains(@class, 'v-input')][1]").locator(".v-label").inner_text()
            shown = re.search(r"(-?[0-9.]+)( ms)?$", label.strip())
            decimals = len(shown.group(1).partition(".")[2]) if shown else 0
            if not shown or abs(float(shown.group(1)) - value) > 0.5 * 10 ** -decimals:
                missing.append(f"{label!r} at {value}")
        return missing


def box(locator):
    """The element's bounding box on the page, as (left, top, right, bottom)."""
    found = locator.bounding_box()
    return found["x"], found["y"], found["x"] + found["width"], found["y"] + found["height"]


def intersect(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture
def explore(app_server, browser):
    watched = Watched(browser, app_server[0])
    watched.page.locator(".ssr-network").first.wait_for()
    yield watched
    watched.page.close()


def test_page_loads_offline_without_console_errors(app_server, explore):
    explore.page.locator(".ssr-indicators").first.wait_for()
    explore.page.wait_for_timeout(1000)
    explore.screenshot("app-explore-loaded.png")
    outside = {url for url in explore.requests
               if urlparse(url).scheme not in ("data", "blob") and urlparse(url).hostname not in LOCAL_HOSTS}
    assert not outside, f"requests left the machine: {sorted(outside)}"
    assert not explore.failures and not explore.console_errors, (explore.failures, explore.console_errors)
    assert "Could not load URL" not in app_server[1].read_text()   # the asset proxy never went to a CDN


def test_step_advances_time_and_the_charts_change(explore):
    status, chart = ".ssr-run-status", ".ssr-indicators"
    sync_api.expect(explore.page.locator(status).first).to_have_text(re.compile(r"^Month 0 "))
    before = explore.page.locator(chart).first.get_attribute("src")
    for month in (1, 2):
        explore.page.get_by_role("button", name="Step", exact=True).click()
        explore.page.locator(status, has_text=f"Month {month} ").wait_for()
    sync_api.expect(explore.page.locator(chart).first).not_to_have_attribute("src", before or "")
    explore.screenshot("app-explore-stepped.png")
    assert not explore.console_errors


def test_explore_sliders_show_their_values_and_no_mesa_leftovers_show(explore):
    explore.page.get_by_role("slider").nth(7).wait_for(state="attached")   # at least two run settings and six levers
    assert not explore.sliders_without_their_value()
    body = explore.page.locator("body").inner_text()
    assert not [word for word in MESA_LEFTOVERS if word in body]
    explore.page.wait_for_timeout(500)
    explore.screenshot("app-explore.png", full_page=False)


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


DROP_ZONE = ".ssr-{kind}-upload .solara-file-drop"


def drop_file(page, kind: str, path: Path) -> None:
    """Drop a file from disk on the scenario or strategy drop zone.

    Playwright cannot drag from the desktop, so the file is chosen in a file input the test adds
    and dropped with a DataTransfer holding it. A synthetic DataTransfer has no file-system entries,
    so ``webkitGetAsEntry``, which Solara's drop zone asks for, is made to return the dropped file
    itself, as it does for a real drop; the rest (sizes, chunked transfer to the server) is Solara's own."""
    page.evaluate("""() => {
        if (document.getElementById('ssr-test-file')) return;
        const input = Object.assign(document.createElement('input'), {type: 'file', id: 'ssr-test-file'});
        input.style.display = 'none';
        document.body.appendChild(input);
        DataTransferItem.prototype.webkitGetAsEntry = function () {
            const file = this.getAsFile();
            return {isFile: true, file: (resolve) => resolve(file)};
        };
    }""")
    page.set_input_files("#ssr-test-file", str(path))
    page.evaluate("""(zone) => {
        const transfer = new DataTransfer();
        transfer.items.add(document.getElementById('ssr-test-file').files[0]);
        document.querySelector(zone).dispatchEvent(
            new DragEvent('drop', {dataTransfer: transfer, bubbles: true, cancelable: true}));
    }""", DROP_ZONE.format(kind=kind))


def month(page) -> int:
    return int(re.match(r"Month (\d+) ", page.locator(".ssr-run-status").first.inner_text()).group(1))


def test_bad_paths_and_uploads_each_get_a_message_promptly_while_another_tab_keeps_stepping(
        app_server, browser, tmp_path):
    fifo, big, bomb, own = tmp_path / "pipe.yaml", tmp_path / "big.yaml", tmp_path / "bomb.yaml", tmp_path / "own.yaml"
    os.mkfifo(fifo)
    big.write_bytes(b"# padding\n" * 600_000)   # 6 MB
    bomb.write_text("\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
                               + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]))
    own.write_text("extends: donor_surge.yaml\nname: our_own_country\nstrategy: adaptive\n")
    stepping, submitting = Watched(browser, app_server[0]), Watched(browser, app_server[0])
    try:
        for watched in (stepping, submitting):
            watched.page.locator(".ssr-network").first.wait_for()
        stepping.page.get_by_role("button", name="▶", exact=True).click()
        page, last_month = submitting.page, month(stepping.page)
        path_box = page.get_by_label(SCENARIO_PATH_LABEL)
        error = page.locator(".ssr-error")

        def answered_promptly(submit, message: str) -> None:
            nonlocal last_month
            started = time.monotonic()
            submit()
            sync_api.expect(error).to_contain_text(message, timeout=WAIT_MS)
            assert time.monotonic() - started < ANSWER_SECONDS, (message, time.monotonic() - started)
            assert "post_conflict · strategy security_first" in submitting.text(".ssr-run-name")
            sync_api.expect(stepping.page.locator(".ssr-run-status")).not_to_have_text(
                re.compile(rf"^Month {last_month} "), timeout=2_000)   # the other tab is still stepping
            last_month = month(stepping.page)

        for entry in ("/etc/passwd", "../../../../../../etc/passwd", "/dev/zero", str(fifo)):
            path_box.fill(entry)
            # Wait for this entry's message: the previous entry's says the same after its path.
            answered_promptly(lambda: path_box.press("Enter"), entry[:20])
            assert "is not an allowed scenario: choose a shipped one" in error.inner_text()
        answered_promptly(lambda: drop_file(page, "scenario", big),
                                 "upload 'big.yaml': 6,000,000 bytes; a file may hold at most 5,000,000 bytes")
        answered_promptly(lambda: drop_file(page, "scenario", bomb),
                                 "upload 'bomb.yaml': refused: its aliases expand to more than 1,000,000 values")
        submitting.screenshot("app-explore-refused-upload.png", full_page=False)
        drop_file(page, "scenario", own)
        sync_api.expect(page.locator(".ssr-run-name")).to_have_text("our_own_country · strategy adaptive")
        sync_api.expect(error).to_have_count(0)
        assert month(stepping.page) > last_month
        assert "Traceback" not in page.locator("body").inner_text()
        assert not submitting.console_errors and not stepping.console_errors
    finally:
        stepping.page.close()
        submitting.page.close()


def pick(page, choice: str, option: str) -> None:
    page.locator(choice).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_full_workshop_shows_values_and_the_goal_and_ends_on_an_uncluttered_outcome_screen(app_server, browser):
    watched = Watched(browser, app_server[0] + "workshop")
    page = watched.page
    try:
        page.locator(".ssr-setup-card").wait_for()
        assert page.get_by_role("slider").count() == 3 and not watched.sliders_without_their_value()
        for label, presses in (("Turns", ["Home", "ArrowRight", "ArrowRight"]), ("Seeds to compare on", ["Home"])):
            slider = page.locator(".v-input", has_text=label).get_by_role("slider")
            slider.focus()
            for key in presses:
                slider.press(key)
        sync_api.expect(page.locator(".v-input", has_text="Turns")).to_contain_text("Turns: 4")
        assert not watched.sliders_without_their_value()
        page.get_by_label("Team name (names the decision log)").fill("Blue table")
        watched.screenshot("app-workshop-setup.png", full_page=False)
        page.get_by_role("button", name="Start workshop").click()
        page.locator(".ssr-turn-card", has_text="Turn 1 of 4").wait_for()
        pick(page, ".ssr-choice-2", "Train the army")
        for turn in range(1, 5):
            page.locator(".ssr-turn-card", has_text=f"Turn {turn} of 4").wait_for()
            goal = page.locator(".ssr-goal")
            sync_api.expect(goal).to_be_visible()
            sync_api.expect(goal).to_contain_text("at or above 0.6")
            assert box(goal)[3] <= SCREEN["height"], "the goal is below the fold"
            if turn == 3:   # the first pillar is at full effort after two turns of funding it
                page.locator(".ssr-decide").click()
                sync_api.expect(page.locator(".ssr-error")).to_contain_text("would change nothing")
                watched.screenshot("app-workshop-refused.png", full_page=False)
            if turn >= 3:
                pick(page, ".ssr-choice-1", "Back civil society")
            if turn == 2:
                watched.screenshot("app-workshop-turn.png", full_page=False)
            page.locator(".ssr-decide").click()
        page.get_by_text(re.compile(r"Your path: .*percentile of de facto progress")).wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        watched.screenshot("app-workshop.png", full_page=False)

        download_button = page.get_by_role("button", name="Download the decision log (CSV)")
        new_button = page.get_by_role("button", name="New workshop")
        table, decisions = page.locator(".ssr-strategy-table"), page.locator(".ssr-outcome .ssr-decisions")
        boxes = {"download": box(download_button), "new workshop": box(new_button), "table": box(table),
                 "decisions": box(decisions), "headline": box(page.locator(".ssr-outcome-headline"))}
        assert page.get_by_text("This website runs on").count() == 0, "Solara's banner is back over the page"
        names = list(boxes)
        overlapping = [(a, b) for i, a in enumerate(names) for b in names[i + 1:] if intersect(boxes[a], boxes[b])]
        assert not overlapping, boxes
        assert max(boxes["download"][3], boxes["new workshop"][3]) <= SCREEN["height"], "buttons below the fold"
        assert page.evaluate("window.scrollY") == 0

        headers, first_row = table.locator("th").all(), table.locator("tbody tr").first.locator("td").all()
        assert len(headers) == len(first_row) == 4
        for header, cell in list(zip(headers, first_row))[1:]:   # numbers: right edges line up
            assert abs(box(header)[2] - box(cell)[2]) < 1.5, (header.inner_text(), cell.inner_text())
        assert abs(box(headers[0])[0] - box(first_row[0])[0]) < 1.5   # names: left edges line up

        sync_api.expect(decisions.get_by_text("Train the army").first).to_be_visible()
        with page.expect_download() as download:
            download_button.click()
        saved = download.value
        assert re.fullmatch(r"decision_log_Blue-table_\d{4}-\d{2}-\d{2}_\d{4}\.csv", saved.suggested_filename)
        log = Path(saved.path()).read_text(encoding="utf-8").splitlines()
        assert log[0].startswith("team,scenario,seed,") and log[1].startswith("Blue table,")
        assert not watched.console_errors
    finally:
        page.close()
