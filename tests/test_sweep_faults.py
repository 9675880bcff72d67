"""Faults during a sweep from the command line (issue 14): one line, exit 2, the folder resumable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.experiments.store import ResultStore

from .experiments.test_orphans import kill_a_worker

TINY = """name: faults
scenarios: [baseline]
strategies: [adaptive, status_quo]
design: {kind: grid, values: {actors.ministry.political_will: [0.3, 0.5, 0.7]}}
replications: %d
master_seed: 3
"""


def _experiment(tmp_path: Path, replications: int) -> Path:
    path = tmp_path / "faults.yaml"
    path.write_text(TINY % replications, encoding="utf-8")
    return path


def test_a_locked_folder_is_one_line(tmp_path: Path, capsys) -> None:
    experiment, out = _experiment(tmp_path, 1), tmp_path / "out"
    assert main(["sweep", str(experiment), "--out", str(out), "--quiet", "--executor", "serial"]) == 0
    with ResultStore(out):  # another sweep holds the folder
        status = main(["sweep", str(experiment), "--extend", str(out), "--replications", "2", "--quiet",
                       "--executor", "serial"])
    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(error) == 1 and "another sweep is writing to" in error[0], error


def test_a_killed_worker_is_one_line_and_the_sweep_resumes(tmp_path: Path) -> None:
    experiment, out = _experiment(tmp_path, 300), tmp_path / "out"
    status, stderr = kill_a_worker([sys.executable, "-m", "sim", "sweep", str(experiment), "--out", str(out),
                                    "--workers", "2", "--quiet"], out, timeout=120)
    lines = stderr.strip().splitlines()
    assert status == 2 and len(lines) == 1, stderr
    assert "a worker process died" in lines[0] and f"--resume {out}" in lines[0]
    resumed = subprocess.run([sys.executable, "-m", "sim", "sweep", str(experiment), "--resume", str(out), "--quiet"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 3 * 2 * 300 and runs["run_key"].is_unique
