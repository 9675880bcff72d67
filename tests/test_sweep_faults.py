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


def _with_file_size_limit(limit: int):
    """A child whose files may not grow past ``limit`` bytes: a write beyond it fails with EFBIG,
    as one on a full disk fails with ENOSPC (Python ignores SIGXFSZ, so the write fails instead
    of the process dying). Root cannot be refused a read-only folder, but it can be refused this."""
    import resource

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return limit_files


def test_a_full_disk_stops_the_sweep_in_one_line_and_it_resumes_to_the_same_numbers(tmp_path: Path) -> None:
    experiment, out, reference = _experiment(tmp_path, 100), tmp_path / "out", tmp_path / "reference"
    stopped = subprocess.run([sys.executable, "-m", "sim", "sweep", str(experiment), "--out", str(out), "--quiet",
                              "--executor", "serial"], capture_output=True, text=True, timeout=300,
                             preexec_fn=_with_file_size_limit(150_000))
    lines = stopped.stderr.strip().splitlines()
    assert stopped.returncode == 2 and len(lines) == 1, stopped.stderr
    assert "File too large" in lines[0] and f"--resume {out}" in lines[0]
    assert not (out / "runs.parquet").exists()  # nothing half-written stands in for the results
    resumed = subprocess.run([sys.executable, "-m", "sim", "sweep", str(experiment), "--resume", str(out), "--quiet"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert main(["sweep", str(experiment), "--out", str(reference), "--quiet", "--executor", "serial"]) == 0
    runs, expected = (pd.read_parquet(folder / "runs.parquet").sort_values("run_key", ignore_index=True)
                      for folder in (out, reference))
    pd.testing.assert_frame_equal(runs, expected)


def test_a_run_that_cannot_write_its_results_keeps_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "sim", "run", "baseline", "--years", "2", "--out", str(out),
                           "--no-plot", "--quiet"], capture_output=True, text=True, timeout=120,
                          preexec_fn=_with_file_size_limit(5_000))
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: --out {out}: cannot write the results (") and "nothing was kept" in lines[0]
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its staging copy


def test_an_output_folder_that_cannot_be_made_is_one_line_before_any_work(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    experiment = _experiment(tmp_path, 1)
    for argv in (["run", "baseline", "--years", "1"], ["sweep", str(experiment), "--quiet"],
                 ["calibrate", "experiments/calibration.yaml", "--quiet"]):
        assert main([*argv, "--out", str(blocker / "out")]) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert error == [f"error: --out {blocker / 'out'}: {blocker} is a file, not a folder"], error
    if Path("/proc/self").is_dir():  # Linux's /proc refuses new folders, even to root
        assert main(["run", "baseline", "--years", "1", "--out", "/proc/ssr-sim-run"]) == 2
        assert capsys.readouterr().err.startswith("error: --out /proc/ssr-sim-run: cannot write there (")
