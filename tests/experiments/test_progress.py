"""Progress: what the tqdm bar shows (done/total, rate, ETA, failures), and when nothing is shown."""

from __future__ import annotations

import io

import pytest

from sim.experiments.progress import BarProgress, QuietProgress, make_progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """tqdm reads the time through ``tqdm.std.time``; a fake one makes rate and ETA exact."""
    fake = FakeClock()
    monkeypatch.setattr("tqdm.std.time", fake)
    return fake


def _last_frame(text: str) -> str:
    """The bar as last drawn (tqdm redraws one line with carriage returns), spaces collapsed."""
    return " ".join(text.rstrip("\n").split("\r")[-1].split())


def test_bar_shows_done_total_rate_and_eta(clock: FakeClock) -> None:
    stream = io.StringIO()
    progress = BarProgress(stream)
    progress.start(total=100, already_done=0)
    for _ in range(50):
        clock.now += 0.5
        progress.advance(succeeded=1, failed=0)
    frame = _last_frame(stream.getvalue())
    assert frame.startswith("sweep: 50%") and "50/100 [00:25<00:25, 2.00run/s]" in frame, frame
    for _ in range(50):
        clock.now += 0.5
        progress.advance(succeeded=1, failed=0)
    progress.finish()
    text = stream.getvalue()
    assert text.endswith("\n") and text.count("\n") == 1  # one line, redrawn in place
    assert "100/100 [00:50<00:00, 2.00run/s]" in _last_frame(text)


def test_resumed_runs_count_as_done_but_not_in_the_rate(clock: FakeClock) -> None:
    stream = io.StringIO()
    progress = BarProgress(stream)
    progress.start(total=100, already_done=60)
    clock.now += 10
    progress.advance(succeeded=10, failed=0)
    progress.finish()
    assert "70/100 [00:10<00:30, 1.00run/s]" in _last_frame(stream.getvalue())


def test_failures_are_shown_beside_the_rate(clock: FakeClock) -> None:
    stream = io.StringIO()
    progress = BarProgress(stream)
    progress.start(total=10, already_done=0)
    for _ in range(2):
        clock.now += 1
        progress.advance(succeeded=1, failed=2)
    progress.finish()
    assert "6/10 [00:02<00:01, 3.00run/s, 4 failed]" in _last_frame(stream.getvalue())


def test_a_warning_goes_above_the_bar(clock: FakeClock) -> None:
    stream = io.StringIO()
    progress = BarProgress(stream)
    progress.start(total=4, already_done=0)
    progress.warn("warning: something")
    clock.now += 1
    progress.advance(succeeded=4, failed=0)
    progress.finish()
    lines = [_last_frame(line) for line in stream.getvalue().split("\n") if line]
    assert lines[0] == "warning: something" and "4/4" in lines[-1]


def test_auto_is_a_bar_on_a_terminal_and_quiet_in_logs(capsys: pytest.CaptureFixture[str]) -> None:
    assert isinstance(make_progress("auto", FakeTerminal()), BarProgress)
    log = io.StringIO()
    quiet = make_progress("auto", log)
    assert isinstance(quiet, QuietProgress)
    quiet.start(total=3, already_done=0)
    quiet.advance(succeeded=3, failed=0)
    quiet.finish()
    assert log.getvalue() == ""
    quiet.warn("warning: shown even when quiet")
    assert log.getvalue() == "warning: shown even when quiet\n"
    assert isinstance(make_progress("bar", io.StringIO()), BarProgress)
    custom = QuietProgress()
    assert make_progress(custom) is custom
    with pytest.raises(ValueError, match="unknown progress mode 'lines'"):
        make_progress("lines")
