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


def wait_until_working(process: subprocess.Popen, out: Path, timeout: float = 60) -> None:
    """Return once the sweep writing ``out`` has committed a shard (its workers are busy)."""
    deadline = time.monotonic() + timeout
    shards = out / "shards" / "runs"
    while not (shards.exists() and list(shards.glob("part-*.parquet"))):
        assert process.poll() is None and time.monotonic() < deadline, "the sweep never got going"
        time.sleep(0.02)


def _command(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")


def pool_workers(pid: int) -> list[int]:
    """A sweep's pool worker processes: the children of its fork server (the sweep's child that
    forks them), not multiprocessing's resource tracker."""
    return [worker for child in _children(pid) if "forkserver" in _command(child) for worker in _children(child)]


def kill_a_worker(command: list[str], out: Path, timeout: float = 60) -> tuple[int, str]:
    """Start a sweep writing ``out``, kill one of its pool workers once they are busy, and return
    the sweep's exit status and stderr (its process group is killed whatever happens)."""
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_working(process, out, timeout)
        os.kill(pool_workers(process.pid)[0], signal.SIGKILL)
        _, stderr = process.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return process.returncode, stderr


def test_killing_the_parent_ends_every_worker_within_seconds(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, str(HERE / "kill_target.py"), str(tmp_path / "out")],
                               start_new_session=True)
    try:
        wait_until_working(process, tmp_path / "out")
        workers = pool_workers(process.pid)
        assert len(workers) == 2, workers
        children = [*workers, *_children(process.pid)]  # and the fork server and resource tracker
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


def test_a_killed_worker_stops_the_sweep_with_a_message_and_the_folder_resumes(tmp_path: Path) -> None:
    from sim.experiments import read_manifest, run_sweep

    from .kill_target import crash_test_runs
    from .toy_model import slow_toy_run

    out = tmp_path / "out"
    status, stderr = kill_a_worker([sys.executable, str(HERE / "kill_target.py"), str(out)], out)
    assert status != 0
    assert stderr.strip().splitlines()[-1].startswith("sim.experiments.executors.WorkerLost: a worker process died")
    resumed = run_sweep(crash_test_runs(), slow_toy_run, out, executor="serial", resume=True, progress="quiet")
    assert resumed.n_succeeded == len(crash_test_runs()) and resumed.n_failed == 0
    assert read_manifest(out)["sessions"][-1]["status"] == "complete"
