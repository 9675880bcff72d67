"""Progress of a sweep: a tqdm bar on a terminal, nothing elsewhere.

tqdm (installed with Mesa) draws the bar: runs done / total, rate and ETA, with the
failures so far as a postfix. Redrawing a line in place only makes sense on a terminal; in
logs (CI, batch jobs, ``nohup``) it would fill the file with carriage returns, so ``"auto"``
stays quiet there. Warnings (a batch retried run by run) are printed in every mode: quiet
silences progress, not problems.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from tqdm import tqdm


class ProgressReporter(Protocol):
    """Receives the sweep's progress; :func:`~sim.experiments.engine.run_sweep` calls these in order."""

    def start(self, total: int, already_done: int) -> None: ...

    def advance(self, succeeded: int, failed: int) -> None: ...

    def warn(self, message: str) -> None: ...

    def finish(self) -> None: ...


class QuietProgress:
    """Reports no progress (tests, logs, ``--quiet``); warnings still go to ``stream`` (stderr)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def start(self, total: int, already_done: int) -> None:
        return None

    def advance(self, succeeded: int, failed: int) -> None:
        return None

    def warn(self, message: str) -> None:
        print(message, file=self._stream if self._stream is not None else sys.stderr, flush=True)

    def finish(self) -> None:
        return None


class BarProgress:
    """A tqdm bar: ``sweep: 42%|████ | 420/1000 [00:34<00:47, 12.3run/s, 3 failed]``.

    The rate is the session's average (``smoothing=0``): results arrive a chunk at a time, in
    bursts, which would make a moving average and its ETA jump. Runs done in an earlier
    session count towards the total (``initial``) but not towards the rate, so a resumed sweep
    does not report them as instantaneous.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._bar: tqdm | None = None
        self._failed = 0

    def start(self, total: int, already_done: int) -> None:
        self._failed = 0
        self._bar = tqdm(total=total, initial=already_done, desc="sweep", unit="run", smoothing=0,
                         dynamic_ncols=True, file=self._stream if self._stream is not None else sys.stderr)

    def advance(self, succeeded: int, failed: int) -> None:
        assert self._bar is not None, "advance() before start()"
        if failed:
            self._failed += failed
            self._bar.set_postfix_str(f"{self._failed} failed", refresh=False)
        self._bar.update(succeeded + failed)

    def warn(self, message: str) -> None:
        """A line above the bar (tqdm clears and redraws the bar around it)."""
        tqdm.write(message, file=self._stream if self._stream is not None else sys.stderr)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()


def make_progress(progress: str | ProgressReporter, stream: TextIO | None = None) -> ProgressReporter:
    """``"auto"`` (a bar on a terminal, quiet otherwise), ``"bar"``, ``"quiet"``, or a reporter instance."""
    if not isinstance(progress, str):
        return progress
    stream = stream if stream is not None else sys.stderr
    if progress == "auto":
        progress = "bar" if stream.isatty() else "quiet"
    if progress == "bar":
        return BarProgress(stream)
    if progress == "quiet":
        return QuietProgress(stream)
    raise ValueError(f"unknown progress mode {progress!r}; expected 'auto', 'bar' or 'quiet'")
