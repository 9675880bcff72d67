"""Progress reporting for long sweeps, without a tqdm dependency.

On a terminal a single status line is redrawn in place (``\\r``); in logs
(CI, batch jobs, ``nohup``) redrawing produces garbage, so plain lines are
printed every 10 % of the work or every 30 s, whichever comes first.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Protocol, TextIO


class ProgressReporter(Protocol):
    """Receives the sweep's progress; :func:`~sim.experiments.engine.run_sweep` calls these in order."""

    def start(self, total: int, already_done: int) -> None: ...

    def advance(self, succeeded: int, failed: int) -> None: ...

    def finish(self) -> None: ...


class QuietProgress:
    """Reports nothing (tests, or callers that report on their own)."""

    def start(self, total: int, already_done: int) -> None:
        return None

    def advance(self, succeeded: int, failed: int) -> None:
        return None

    def finish(self) -> None:
        return None


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


class _StatusProgress:
    """Counts runs and formats ``done/total, failures, rate, ETA``; subclasses decide when to print.

    The rate counts only runs executed in this session, so a resumed sweep
    does not report the earlier sessions' work as instantaneous.
    """

    def __init__(self, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self.total = 0
        self.done = 0
        self.failed = 0
        self._executed = 0
        self._started = 0.0

    def start(self, total: int, already_done: int) -> None:
        self.total, self.done, self.failed, self._executed = total, already_done, 0, 0
        self._started = self._clock()
        self._on_start()

    def advance(self, succeeded: int, failed: int) -> None:
        self.done += succeeded + failed
        self.failed += failed
        self._executed += succeeded + failed
        self._on_advance()

    def finish(self) -> None:
        self._on_finish()

    def status(self) -> str:
        """E.g. ``"420/1000 (42.0%) 3 failed | 12.3 runs/s | ETA 00:47"``."""
        elapsed = self._clock() - self._started
        rate = self._executed / elapsed if elapsed > 0 else 0.0
        percent = 100.0 * self.done / self.total if self.total else 100.0
        eta = _duration((self.total - self.done) / rate) if rate > 0 else "?"
        failed = f" {self.failed} failed" if self.failed else ""
        return f"{self.done}/{self.total} ({percent:.1f}%){failed} | {rate:.1f} runs/s | ETA {eta}"

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

    def _on_start(self) -> None: ...

    def _on_advance(self) -> None: ...

    def _on_finish(self) -> None: ...


class BarProgress(_StatusProgress):
    """One line redrawn with ``\\r`` at most 10 times a second (for terminals)."""

    _REDRAW_SECONDS = 0.1

    def _on_start(self) -> None:
        self._last_draw = float("-inf")
        self._draw()

    def _on_advance(self) -> None:
        if self._clock() - self._last_draw >= self._REDRAW_SECONDS or self.done == self.total:
            self._draw()

    def _on_finish(self) -> None:
        self._draw()
        self._write("\n")

    def _draw(self) -> None:
        self._last_draw = self._clock()
        width = 24
        filled = int(width * self.done / self.total) if self.total else width
        self._write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.status()}\x1b[K")


class LineProgress(_StatusProgress):
    """A plain line every ``every_fraction`` of the work or every ``every_seconds`` (for logs)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
        every_fraction: float = 0.1,
        every_seconds: float = 30.0,
    ) -> None:
        super().__init__(stream, clock)
        self._every_fraction = every_fraction
        self._every_seconds = every_seconds

    def _on_start(self) -> None:
        self._print()

    def _on_advance(self) -> None:
        step = max(1, int(self.total * self._every_fraction))
        crossed_step = self.done // step > self._last_done // step
        if crossed_step or self._clock() - self._last_print >= self._every_seconds:
            self._print()

    def _on_finish(self) -> None:
        if self.done != self._last_done:
            self._print()

    def _print(self) -> None:
        self._last_print, self._last_done = self._clock(), self.done
        self._write(f"sweep: {self.status()}\n")


def make_progress(progress: str | ProgressReporter, stream: TextIO | None = None) -> ProgressReporter:
    """``"auto"`` (bar on a TTY, lines otherwise), ``"bar"``, ``"lines"``, ``"quiet"``, or a reporter instance."""
    if not isinstance(progress, str):
        return progress
    stream = stream if stream is not None else sys.stderr
    if progress == "auto":
        progress = "bar" if stream.isatty() else "lines"
    if progress == "bar":
        return BarProgress(stream)
    if progress == "lines":
        return LineProgress(stream)
    if progress == "quiet":
        return QuietProgress()
    raise ValueError(f"unknown progress mode {progress!r}; expected 'auto', 'bar', 'lines' or 'quiet'")
