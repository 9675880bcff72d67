"""`ssr-sim sweep --resume` finishes exactly the plan recorded in the folder, and leaves a finished
folder as it is; `--extend` is the explicit request for more replications."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments import read_manifest
from sim.experiments.store import ResultStore

from .test_sweep import TINY, experiment_file

SERIAL = ["--executor", "serial", "--quiet"]
RESULTS = {"comparisons.csv", "manifest.json", "runs.parquet", "summary.csv", "summary.md"}


def _sweep(*argv: str | Path) -> int:
    return main(["sweep", *map(str, argv), *SERIAL])


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and modification time."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def _runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet")


def test_resume_after_kill_finishes_the_recorded_plan_not_the_files(tmp_path):
    """Started with --replications 200 (the file says 3), killed with SIGKILL, resumed as the README
    shows (no --replications): 800 runs, those committed before the kill unchanged, the table of an
    uninterrupted sweep, and the manifest's plan and first session as they were."""
    path, out = experiment_file(tmp_path), tmp_path / "killed"
    command = [sys.executable, "-m", "sim", "sweep", str(path), "--replications", "200", "--out", str(out), *SERIAL]
    process = subprocess.Popen(command, start_new_session=True)
    shards = out / "shards" / "runs"
    deadline = time.monotonic() + 120
    try:
        while not (shards.is_dir() and list(shards.glob("part-*.parquet"))):
            assert process.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no shard appeared"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert not (out / "runs.parquet").exists()
    committed = pd.concat([pd.read_parquet(p) for p in shards.glob("part-*.parquet")])
    assert 0 < len(committed) < 800
    manifest_before = read_manifest(out)

    assert _sweep(path, "--resume", out) == 0
    resumed = _runs(out)
    assert len(resumed) == 800 and resumed["replication"].max() == 199
    assert _sweep(path, "--replications", "200", "--out", tmp_path / "whole") == 0
    pd.testing.assert_frame_equal(resumed, _runs(tmp_path / "whole"))
    kept = resumed.set_index("run_key").loc[committed["run_key"]].reset_index()
    pd.testing.assert_frame_equal(kept[committed.columns].reset_index(drop=True),
                                  committed.reset_index(drop=True), check_dtype=False)
    manifest = read_manifest(out)
    assert manifest["metadata"] == manifest_before["metadata"] and manifest["metadata"]["replications"] == 200
    assert manifest["sessions"][0] == manifest_before["sessions"][0]
    assert [s["status"] for s in manifest["sessions"]] == ["running", "complete"]
    assert manifest["sessions"][1]["to_execute"] == 800 - len(committed)
    assert {p.name for p in out.iterdir()} == RESULTS


def test_resume_of_a_finished_folder_changes_nothing(tmp_path, capsys):
    path, out = experiment_file(tmp_path), tmp_path / "done"
    assert _sweep(path, "--replications", "2", "--out", out) == 0
    before = _snapshot(out)
    assert {p.name for p in out.iterdir()} == RESULTS  # no shards, no lock

    assert main(["sweep", str(path), "--resume", str(out), "--executor", "serial"]) == 0
    assert "nothing to resume" in capsys.readouterr().out
    assert _sweep(path, "--replications", "2", "--resume", out) == 0  # the command line repeated: the same plan
    assert _snapshot(out) == before

    assert _sweep(path, "--replications", "5", "--resume", out) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--replications 5: the sweep in" in error
    assert "planned with 2 replications a point" in error and f"--extend {out} --replications N" in error
    assert _snapshot(out) == before


def test_extend_is_the_explicit_request_for_more_replications(tmp_path, capsys):
    path, out = experiment_file(tmp_path), tmp_path / "grown"
    assert _sweep(path, "--replications", "2", "--out", out) == 0
    first = _runs(out)
    assert _sweep(path, "--extend", out) == 0  # to the file's 3
    assert _sweep(path, "--extend", out, "--replications", "5") == 0
    grown = _runs(out)
    assert _sweep(path, "--replications", "5", "--out", tmp_path / "fresh") == 0
    pd.testing.assert_frame_equal(grown, _runs(tmp_path / "fresh"))
    pd.testing.assert_frame_equal(grown[grown["replication"] < 2].reset_index(drop=True), first)
    metadata = read_manifest(out)["metadata"]
    assert metadata["replications"] == 5 and metadata["earlier_plans"] == [2, 3]
    assert [s["to_execute"] for s in read_manifest(out)["sessions"]] == [8, 4, 8]
    assert {p.name for p in out.iterdir()} == RESULTS

    before = _snapshot(out)
    for argv, message in ((["--replications", "4"], "it already holds 5 replications a point, more than 4"),
                          (["--replications", "5"], "its plan is already 5 replications a point: nothing to extend")):
        assert _sweep(path, "--extend", out, *argv) == 2
        assert f"error: --extend {out}: {message}" in capsys.readouterr().err
    assert _snapshot(out) == before


@pytest.mark.parametrize("argv, message", [
    (["--resume", "{out}", "--extend", "{out}"], "give one of --out DIR, --resume DIR and --extend DIR"),
    (["--extend", "{out}/nowhere"], "--extend {out}/nowhere: not a sweep results folder (no manifest.json)"),
    (["--retry-failed"], "--retry-failed needs --resume DIR or --extend DIR"),
])
def test_bad_resume_and_extend_flags(tmp_path, capsys, argv, message):
    out = tmp_path / "done"
    assert _sweep(experiment_file(tmp_path), "--replications", "1", "--out", out) == 0
    assert _sweep(experiment_file(tmp_path), *[a.format(out=out) for a in argv]) == 2
    assert message.format(out=out) in capsys.readouterr().err


def test_a_changed_experiment_cannot_resume_or_extend_a_sweep(tmp_path, capsys):
    out = tmp_path / "done"
    assert _sweep(experiment_file(tmp_path), "--replications", "1", "--out", out) == 0
    before = _snapshot(out)
    changed = experiment_file(tmp_path, TINY.replace("master_seed: 1", "master_seed: 2"))
    for flag in ("--resume", "--extend"):
        assert _sweep(changed, flag, out) == 2
        assert f"{flag} {out}: {changed} does not describe the sweep in {out}" in capsys.readouterr().err
    assert _snapshot(out) == before
    assert _sweep(experiment_file(tmp_path, TINY.replace("replications: 3", "replications: 4")), "--resume", out) == 0
    assert _snapshot(out) == before  # the file's replications do not matter to a resume


PRECISION = TINY.replace("replications: 3", "replications: {target_half_width: 0.001, initial: 2, step: 2, max: 6}")


def test_resume_of_a_precision_target_continues_from_its_recorded_stage(tmp_path, monkeypatch, capsys):
    """The target is out of reach, so the second stage goes to the cap (6 replications a point).
    Interrupted in it, the sweep resumes that stage (not the first, as the file would say) and ends
    as an uninterrupted sweep does, with the same manifest metadata."""
    path, out = experiment_file(tmp_path, PRECISION), tmp_path / "staged"
    write_chunk, written = ResultStore.write_chunk, []

    def interrupted_in_the_second_stage(store, outcome):
        if read_manifest(store.out_dir)["metadata"]["stage_replications"] == 6:
            if written:
                raise KeyboardInterrupt
            written.append(outcome)
        write_chunk(store, outcome)

    monkeypatch.setattr(ResultStore, "write_chunk", interrupted_in_the_second_stage)
    assert _sweep(path, "--out", out) == 130
    monkeypatch.undo()
    assert read_manifest(out)["metadata"]["stage_replications"] == 6
    assert [s["status"] for s in read_manifest(out)["sessions"]] == ["complete", "interrupted"]
    assert (out / "shards").is_dir() and not (out / ".lock").exists()

    assert _sweep(path, "--resume", out) == 0
    assert _sweep(path, "--out", tmp_path / "whole") == 0
    pd.testing.assert_frame_equal(_runs(out), _runs(tmp_path / "whole"))
    assert _runs(out)["replication"].max() == 5
    assert read_manifest(out)["metadata"] == read_manifest(tmp_path / "whole")["metadata"]
    assert read_manifest(out)["metadata"]["stage_replications"] == 6
    before = _snapshot(out)
    assert _sweep(path, "--resume", out) == 0
    assert _snapshot(out) == before
