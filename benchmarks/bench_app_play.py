"""How fast the workshop app plays, measured in Chromium: simulated months per second, and the final comparison.

Starts `ssr-sim app --no-browser` on a free port (the same helper the browser tests use), opens
Explore mode in headless Chromium (Playwright), presses Play and reads the month shown in the
run status after a fixed wall time: in one tab, then in four tabs playing at once (each tab its
own run on the one server). Then times the workshop's final comparison: in the browser, a
two-turn workshop (the fewest allowed) from its last *Decide* to the outcome screen on a fresh server (the comparison runs
started with the workshop, the run to the horizon and the outcome screen), and in Python,
``comparison_runs`` with its cache empty. Prints the figures and their ratios to the targets
(10 months/s in one tab, 4 per tab in four, comparison under 3 s), and while tabs play, the CPU
time the server process and Chromium's processes spent per simulated month (read from /proc:
they share the machine's cores, so that is where a month's time goes); asserts nothing.

    python benchmarks/bench_app_play.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.app.app_process import app_server_process, launch_chromium  # noqa: E402

TARGET_ONE_TAB, TARGET_PER_TAB_OF_FOUR, TARGET_COMPARISON_SECONDS = 10.0, 4.0, 3.0
WAIT_MS = 60_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) so far of this process's descendants, summed by kind: "server" (the app
    server), "chromium" (all of the browser's processes) and "other" (Playwright's driver)."""
    parents, times, kinds = {}, {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:   # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        name, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        kinds[pid] = "server" if " sim app " in command else "chromium" if "chrom" in name else "other"
    totals = {"server": 0.0, "chromium": 0.0, "other": 0.0}
    for pid, seconds in times.items():
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, os.getpid()):
            ancestor = parents.get(ancestor)
        if ancestor == os.getpid():
            totals[kinds[pid]] += seconds
    return totals


def shown_month(page: Page) -> int:
    """The month in the run status line ("Month 12 (year 1.0) · …")."""
    return int(re.match(r"Month (\d+) ", page.locator(".ssr-run-status").first.inner_text()).group(1))


def play_rates(browser, url: str, tabs: int, seconds: float) -> tuple[list[float], dict[str, float]]:
    """Simulated months per wall-clock second in each of ``tabs`` tabs playing at once for ``seconds``,
    and the CPU milliseconds per simulated month (all tabs' months) of the server, Chromium and the rest."""
    pages = [browser.new_page(viewport={"width": 1440, "height": 1000}) for _ in range(tabs)]
    try:
        for page in pages:
            page.set_default_timeout(WAIT_MS)
            page.goto(url)
            page.locator(".ssr-network").first.wait_for()
        started = []
        for page in pages:
            page.get_by_role("button", name="▶", exact=True).click()
            started.append((time.monotonic(), shown_month(page)))
        cpu_before = cpu_seconds()
        time.sleep(seconds)
        cpu_after = cpu_seconds()
        months = [shown_month(page) - month for page, (_at, month) in zip(pages, started)]
        rates = [played / (time.monotonic() - at) for played, (at, _month) in zip(months, started)]
        for page in pages:   # paused, so a closed tab's run does not go on stepping on the server
            page.get_by_role("button", name="❚❚", exact=True).click()
        per_month = {kind: 1000 * (cpu_after[kind] - cpu_before[kind]) / max(sum(months), 1) for kind in cpu_after}
        return rates, per_month
    finally:
        for page in pages:
            page.close()


def cpu_line(per_month: dict[str, float]) -> str:
    return ("CPU per simulated month: " + ", ".join(f"{kind} {ms:.0f} ms" for kind, ms in per_month.items()))


def browser_comparison_seconds(browser, url: str) -> float:
    """Wall time from a two-turn workshop's last Decide to its outcome screen (default scenario, seeds and comparison)."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.set_default_timeout(WAIT_MS)
        page.goto(url + "workshop")
        page.locator(".ssr-setup-card").wait_for()
        turns = page.locator(".v-input", has_text="Turns").get_by_role("slider")
        turns.focus()
        turns.press("Home")
        page.get_by_role("button", name="Start workshop").click()
        page.locator(".ssr-turn-card", has_text="Turn 1 of 2").wait_for()
        page.locator(".ssr-decide").click()
        page.locator(".ssr-turn-card", has_text="Turn 2 of 2").wait_for()
        started = time.monotonic()
        page.locator(".ssr-decide").click()
        page.get_by_text(re.compile(r"Your path: .*percentile of de facto progress")).wait_for(timeout=WAIT_MS)
        return time.monotonic() - started
    finally:
        page.close()


def python_comparison_seconds() -> float:
    """``comparison_runs`` on the workshop's default scenario and seeds, its cache empty."""
    from sim.app import workshop
    from sim.app.setup import load_base_scenario
    from sim.app.workshop_page import WorkshopSettings

    settings = WorkshopSettings()
    scenario = load_base_scenario(settings.scenario)
    seeds = list(range(settings.seed, settings.seed + settings.comparison_seeds))
    workshop._COMPARISONS.clear()
    started = time.perf_counter()
    workshop.comparison_runs(scenario, seeds)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="wall time each Play measurement lasts")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            with app_server_process(Path(folder) / "server.log") as url:
                (one,), cpu_one = play_rates(browser, url, 1, args.seconds)
                print(f"Play, one tab:   {one:5.1f} simulated months/s  ({one / TARGET_ONE_TAB:.2f}x the target of "
                      f"{TARGET_ONE_TAB:g}); {cpu_line(cpu_one)}", flush=True)
                four, cpu_four = play_rates(browser, url, 4, args.seconds)
            with app_server_process(Path(folder) / "server-fresh.log") as url:
                in_browser = browser_comparison_seconds(browser, url)
        finally:
            browser.close()
    in_python = python_comparison_seconds()
    print(f"Play, four tabs: {min(four):5.1f}-{max(four):.1f} months/s per tab, mean {sum(four) / 4:.1f}  "
          f"({min(four) / TARGET_PER_TAB_OF_FOUR:.2f}x the target of {TARGET_PER_TAB_OF_FOUR:g} for the slowest tab); "
          f"{cpu_line(cpu_four)}")
    print(f"Workshop comparison: {in_python:.2f} s in Python (comparison_runs, cache empty); "
          f"{in_browser:.2f} s in the browser from Decide to the outcome screen "
          f"({TARGET_COMPARISON_SECONDS / in_browser:.2f}x faster than the target of {TARGET_COMPARISON_SECONDS:g} s)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
