"""``ssr-sim calibrate``: usage errors exit 2 with one line naming the flag or file and field;
the dry run states the cost; a run writes its folder, and --resume continues it."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

from .conftest import tiny_calibration


def _error_line(capsys) -> str:
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("flags, expected", [
    (["--out", "A", "--resume", "B"], "give one of --out DIR and --resume DIR"),
    (["--workers", "2", "--address", "tcp://x:1"], "give one of --workers N"),
    (["--workers", "0"], "--workers: must be at least 1"),
    (["--workers", "two"], "--workers: expected a whole number"),
])
def test_contradictory_or_bad_flags_exit_2_with_one_line(tiny_calibration_file, capsys, flags, expected):
    assert main(["calibrate", str(tiny_calibration_file), *flags]) == 2
    assert expected in _error_line(capsys)


def test_a_bad_file_exits_2_naming_file_and_field(tmp_path, tiny_files, capsys):
    path = tiny_calibration(tmp_path, tiny_files, predictive_draws=1)
    assert main(["calibrate", str(path), "--dry-run"]) == 2
    line = _error_line(capsys)
    assert str(path) in line and "predictive_draws = 1 is out of range" in line


def test_resume_refuses_a_folder_that_is_not_this_calibration(tmp_path, tiny_calibration_file, tiny_files, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["calibrate", str(tiny_calibration_file), "--resume", str(empty)]) == 2
    assert f"--resume {empty}: not a calibration folder" in _error_line(capsys)
    out = tmp_path / "out"
    assert main(["calibrate", str(tiny_calibration_file), "--out", str(out), "--quiet",
                 ]) == 0 and (out / "summary.json").is_file()
    changed = tiny_calibration(tmp_path, tiny_files, name="other.yaml", seed=12)
    assert main(["calibrate", str(changed), "--resume", str(out)]) == 2
    assert "was calibrated from different files (calibration changed since)" in _error_line(capsys)
    assert main(["calibrate", str(tiny_calibration_file), "--out", str(out)]) == 2
    assert "exists and is not empty" in _error_line(capsys)


def test_the_dry_run_prints_the_cost_and_writes_nothing(tiny_calibration_file, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", str(tiny_calibration_file), "--dry-run", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "s an evaluation (median)" in out and "expected: 12 evaluations in 2 generation(s)" in out
    assert "at most: 60 evaluations" in out and not (tmp_path / "results").exists()


def _generations(db: Path) -> int:
    try:
        with sqlite3.connect(db) as connection:
            return connection.execute("select count(*) from populations where t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_9_then_resume_keeps_the_finished_generations(tmp_path, tiny_files):
    """The command killed (SIGKILL) once generation 0 is stored is resumed with --resume: the
    stored generation is kept as it was and the run finishes with both generations."""
    path = tiny_calibration(tmp_path, tiny_files, abc={"max_generations": 3, "max_evaluations": 200})
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "calibrate", str(path), "--quiet"]
    process = subprocess.Popen([*command, "--out", str(out)], start_new_session=True)
    deadline = time.monotonic() + 120
    while _generations(out / "history.db") < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    stored = _generations(out / "history.db")
    assert stored >= 1
    with sqlite3.connect(out / "history.db") as connection:
        before = connection.execute("select id, nr_samples, epsilon from populations where t = 0").fetchall()
    assert subprocess.run([*command, "--resume", str(out)], timeout=300).returncode == 0
    with sqlite3.connect(out / "history.db") as connection:
        assert connection.execute("select id, nr_samples, epsilon from populations where t = 0").fetchall() == before
    summary = json.loads((out / "summary.json").read_text())
    assert summary["generations"] == 3


def test_a_calibration_runs_on_a_dask_cluster(tiny_calibration_file, tmp_path):
    """--address: pyabc's DaskDistributedSampler (and the predictive draws) on a local cluster."""
    import dask
    from distributed import LocalCluster

    out = tmp_path / "out"
    # A worker process imports the model; on a loaded machine that can outlast Dask's 30 s default.
    with dask.config.set({"distributed.comm.timeouts.connect": "120s"}), \
            LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        assert main(["calibrate", str(tiny_calibration_file), "--address", cluster.scheduler_address,
                     "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["generations"] == 2 and summary["address"] == cluster.scheduler_address
    assert (out / "posterior_predictive.csv").is_file()


@pytest.mark.parametrize("where", ["workers", "dask"])
def test_a_batched_calibration_runs_on_forked_workers_and_on_a_dask_cluster(tmp_path, tiny_files, where):
    """particles_per_batch 2 (sim/calibration/sampler.py) on two forked processes, and on a Dask
    cluster (pyabc's batch_size set to match): every generation stored, the outputs written."""
    import dask
    from distributed import LocalCluster

    path = tiny_calibration(tmp_path, tiny_files, abc={"particles_per_batch": 2})
    out = tmp_path / "out"
    if where == "workers":
        assert main(["calibrate", str(path), "--workers", "2", "--out", str(out), "--quiet"]) == 0
    else:
        with dask.config.set({"distributed.comm.timeouts.connect": "120s"}), \
                LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            assert main(["calibrate", str(path), "--address", cluster.scheduler_address, "--out", str(out),
                         "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["generations"] == 2
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert posterior.groupby("generation").size().tolist() == [4, 4]
    assert (out / "posterior_predictive.csv").is_file()
