"""What a sweep leaves behind: a finished directory holds its results only (no shards, no lock),
made with the user's umask; it is extended from runs.parquet alone, never shrunk, and a resume
with nothing to do writes nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from sim.experiments import ResultStore, design, make_runs, read_manifest, run_sweep
from sim.experiments import store as store_module

from .toy_model import toy_run, toy_run_with_timeseries

SERIES_POINTS = design.grid({"x": [-0.5, 0.4, 1.2]})
FAILING_POINTS = design.grid({"x": [-0.5, 0.4, 1.2], "mode": ["ok", "boom"]})  # "boom" runs fail


def _sweep(replications: int, out: Path, run_fn: Any = toy_run_with_timeseries, points: Any = SERIES_POINTS,
           **kwargs: Any):
    runs = make_runs(points, replications, master_seed=4)
    return run_sweep(runs, run_fn, out, executor="serial", progress="quiet", **kwargs)


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and modification time."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


def test_a_finished_directory_holds_its_results_only_with_the_users_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        _sweep(2, tmp_path / "out", toy_run, FAILING_POINTS)
        _sweep(2, tmp_path / "series", chunk_size=1)
    finally:
        os.umask(previous)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["failures.jsonl", "manifest.json", "runs.parquet"]
    assert sorted(p.name for p in (tmp_path / "series").iterdir()) == ["manifest.json", "runs.parquet",
                                                                       "timeseries.parquet"]
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "out" / "runs.parquet").stat().st_mode & 0o777 == 0o640


def test_an_interrupted_directory_keeps_its_shards_until_resumed(tmp_path: Path) -> None:
    calls = {"n": 0}

    def interrupted_after_two_chunks(params, seed):
        calls["n"] += 1
        if calls["n"] > 2:
            raise KeyboardInterrupt
        return toy_run_with_timeseries(params, seed)

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        _sweep(3, out, run_fn=interrupted_after_two_chunks, chunk_size=1)
    assert len(list((out / "shards" / "runs").glob("part-*.parquet"))) == 2
    assert not (out / "runs.parquet").exists() and not (out / ".lock").exists()
    assert read_manifest(out)["sessions"][-1]["status"] == "interrupted"

    resumed = _sweep(3, out, resume=True, chunk_size=4)
    assert resumed.n_executed == 9 - 2
    assert not (out / "shards").exists() and not (out / ".lock").exists()
    reference = _sweep(3, tmp_path / "reference")
    assert pq.read_table(resumed.runs_path).equals(pq.read_table(reference.runs_path))
    assert pq.read_table(resumed.timeseries_path).equals(pq.read_table(reference.timeseries_path))


def test_a_finished_directory_is_extended_from_its_runs_file(tmp_path: Path) -> None:
    """Shards are gone after consolidation: the runs consolidated before are merged with the new ones."""
    out = tmp_path / "out"
    first = _sweep(2, out)
    before = first.read_runs()
    extended = _sweep(5, out, resume=True)
    assert extended.n_executed == 3 * 3
    assert not (out / "shards").exists()
    fresh = _sweep(5, tmp_path / "fresh")
    assert pq.read_table(extended.runs_path).equals(pq.read_table(fresh.runs_path))
    assert pq.read_table(extended.timeseries_path).equals(pq.read_table(fresh.timeseries_path))
    kept = extended.read_runs().set_index("run_key").loc[before["run_key"]].reset_index()
    assert kept[before.columns].equals(before)


def test_resume_with_nothing_to_do_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _sweep(2, out, toy_run, FAILING_POINTS)
    before = _snapshot(out)
    again = _sweep(2, out, toy_run, FAILING_POINTS, resume=True)
    assert again.n_executed == 0 and (again.n_succeeded, again.n_failed) == (6, 6)
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["failures.jsonl", "manifest.json", "runs.parquet"]


def test_new_metadata_is_recorded_even_with_no_run_to_do(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _sweep(2, out, metadata={"plan": 1})
    _sweep(2, out, resume=True, metadata={"plan": 2})
    manifest = read_manifest(out)
    assert manifest["metadata"] == {"plan": 2}
    assert [s["to_execute"] for s in manifest["sessions"]] == [6, 0]


def test_runs_that_would_drop_stored_results_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _sweep(3, out)
    before = _snapshot(out)
    with pytest.raises(ValueError, match="holds 3 stored runs that these runs leave out"):
        _sweep(2, out, resume=True)
    assert _snapshot(out) == before


def test_a_lock_on_a_file_deleted_meanwhile_is_taken_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The holder deletes .lock on leaving; a sweep that locked the old file just then must not
    write beside one that locks the new file."""
    flock = store_module.fcntl.flock
    raced = []

    def flock_after_the_holder_left(handle, operation):
        flock(handle, operation)
        if not raced:  # the previous holder deleted the file between our open and our flock
            raced.append(True)
            os.unlink(tmp_path / "out" / ".lock")

    monkeypatch.setattr(store_module.fcntl, "flock", flock_after_the_holder_left)
    with ResultStore(tmp_path / "out"):
        assert raced
        with pytest.raises(RuntimeError, match="another sweep is writing"), ResultStore(tmp_path / "out"):
            pass
    assert not (tmp_path / "out" / ".lock").exists()
