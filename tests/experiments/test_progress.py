"""Progress reporters: what they print, and when."""

from __future__ import annotations

import io

from sim.experiments.progress import BarProgress, LineProgress, QuietProgress, make_progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_lines_every_ten_percent_with_rate_and_eta() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = LineProgress(stream, clock)
    progress.start(total=100, already_done=0)
    for _ in range(100):
        clock.now += 0.5
        progress.advance(succeeded=1, failed=0)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # start + every 10 %
    assert lines[5] == "sweep: 50/100 (50.0%) | 2.0 runs/s | ETA 00:25"
    assert lines[-1].startswith("sweep: 100/100 (100.0%)")


def test_lines_also_every_30_seconds() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = LineProgress(stream, clock)
    progress.start(total=1000, already_done=0)
    for _ in range(4):
        clock.now += 31
        progress.advance(succeeded=1, failed=1)
    assert len(stream.getvalue().splitlines()) == 5
    assert "8/1000 (0.8%) 4 failed" in stream.getvalue()


def test_resumed_runs_count_as_done_but_not_in_the_rate() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = LineProgress(stream, clock)
    progress.start(total=100, already_done=60)
    clock.now = 10
    for _ in range(10):
        progress.advance(succeeded=1, failed=0)
    assert "70/100 (70.0%) | 1.0 runs/s | ETA 00:30" in stream.getvalue()


def test_bar_redraws_one_line() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = BarProgress(stream, clock)
    progress.start(total=4, already_done=0)
    for _ in range(4):
        clock.now += 1
        progress.advance(succeeded=1, failed=0)
    progress.finish()
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.count("\r") >= 2
    assert "[########################] 4/4 (100.0%)" in text


def test_make_progress_modes() -> None:
    assert isinstance(make_progress("auto", io.StringIO()), LineProgress)  # not a TTY
    assert isinstance(make_progress("bar", io.StringIO()), BarProgress)
    quiet = make_progress("quiet")
    assert isinstance(quiet, QuietProgress)
    custom = QuietProgress()
    assert make_progress(custom) is custom
