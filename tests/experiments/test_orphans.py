"""Killing a sweep's parent leaves no worker behind (issue 14)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _children(pid: int) -> set[int]:
    """Direct children of a process, from /proc (Linux)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie has exited; only its entry is left


def test_killing_the_parent_ends_every_worker_within_seconds(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, str(HERE / "kill_target.py"), str(tmp_path / "out")],
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        shards = tmp_path / "out" / "shards" / "runs"
        while not (shards.exists() and list(shards.glob("part-*.parquet"))):  # workers are busy
            assert process.poll() is None and time.monotonic() < deadline, "the sweep never got going"
            time.sleep(0.02)
        children = _children(process.pid)
        assert len(children) >= 2, children  # two workers (and the resource tracker)
        os.kill(process.pid, signal.SIGKILL)  # the parent only, as an OOM killer or kill -9 would
        process.wait()
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in children if _alive(pid)], "workers outlived the sweep"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
