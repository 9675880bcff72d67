"""run_sweep: determinism across executors, failures, resume, crash safety, manifest."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.experiments import (
    ResultStore,
    RunSpec,
    SweepResult,
    design,
    estimate_sweep,
    make_runs,
    read_failures,
    read_manifest,
    run_sweep,
)
from sim.experiments.records import RunFn, execute_chunk

from .kill_target import crash_test_runs
from .toy_model import BatchedToy, flaky_toy_run, malformed_toy_run, toy_run, toy_run_with_series, toy_run_with_timeseries

HERE = Path(__file__).resolve().parent


def _runs(replications: int = 6) -> list[RunSpec]:
    """Points x strategies x replications; one mode raises; nested params with a list."""
    points = design.cross(
        design.grid({"x": [-0.5, 0.0, 0.4, 0.8, 1.2], "mode": ["ok", "boom"]}),
        [{"strategy": {"name": s, "order": order}} for s, order in (("a", [1, 2]), ("b", [2, 1]))],
    )
    return make_runs(points, replications, master_seed=11, salt="test")


def _sweep(runs: list[RunSpec], out: Path, run_fn: RunFn = toy_run, **kwargs: Any) -> SweepResult:
    kwargs.setdefault("executor", "serial")
    kwargs.setdefault("progress", "quiet")
    return run_sweep(runs, run_fn, out, **kwargs)


def _table(path: Path) -> pa.Table:
    return pq.read_table(path)


def test_serial_processes_and_dask_give_identical_tables(tmp_path: Path) -> None:
    runs = _runs()
    model = toy_run_with_series
    reference = _sweep(runs, tmp_path / "serial", run_fn=model, chunk_size=7)
    processes = _sweep(runs, tmp_path / "processes", run_fn=model, executor="processes", workers=2, chunk_size=3)
    dask = _sweep(runs, tmp_path / "dask", run_fn=model, executor="dask", workers=2)
    serial_one_per_chunk = _sweep(runs, tmp_path / "serial1", run_fn=model, chunk_size=1)

    expected = _table(reference.runs_path)
    expected_series = _table(reference.timeseries_path)
    assert expected.num_rows == reference.n_succeeded == len(runs) // 2
    assert expected_series.num_rows > expected.num_rows
    for other in (processes, dask, serial_one_per_chunk):
        assert _table(other.runs_path).equals(expected)
        assert _table(other.timeseries_path).equals(expected_series)
        pd.testing.assert_frame_equal(other.read_runs(), reference.read_runs())
        assert other.n_failed == reference.n_failed == len(runs) // 2

    frame = reference.read_runs()
    assert list(frame.columns[:5]) == ["design_index", "replication", "seed", "run_key", "params_json"]
    assert frame["run_key"].is_unique
    assert frame[["design_index", "replication"]].apply(tuple, axis=1).is_monotonic_increasing
    assert {"param.x", "param.strategy.name", "param.strategy.order"} <= set(frame.columns)
    assert frame["time_to_event"].isna().any() and frame["time_to_event"].notna().any()


def test_outcome_types_do_not_depend_on_chunking(tmp_path: Path) -> None:
    """A chunk where an outcome is always None (null type) must still unify to float."""
    runs = _runs(replications=3)
    tables = [_table(_sweep(runs, tmp_path / f"c{size}", chunk_size=size).runs_path) for size in (1, 2, len(runs))]
    assert tables[0].schema.field("time_to_event").type == "double"
    assert tables[0].equals(tables[1]) and tables[0].equals(tables[2])


def test_timeseries_rows_belong_to_their_runs(tmp_path: Path) -> None:
    runs = make_runs(design.grid({"x": [0.0, 1.0, 2.0]}), 4, master_seed=3)
    serial = _sweep(runs, tmp_path / "serial", run_fn=toy_run_with_timeseries, chunk_size=5)
    series = pd.read_parquet(serial.timeseries_path)
    assert list(series.columns[:4]) == ["design_index", "replication", "run_key", "ts_row"]
    summary = serial.read_runs()
    assert len(series) == summary["steps"].sum()
    last = series.groupby("run_key").tail(1).set_index("run_key")["level"]
    assert (summary.set_index("run_key")["final_level"] == last).all()


def test_failures_are_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    runs = _runs(replications=2)
    result = _sweep(runs, tmp_path / "out", chunk_size=4)
    failing = [r for r in runs if r.params["mode"] == "boom"]
    assert result.n_failed == len(failing) and result.n_succeeded == len(runs) - len(failing)
    records = read_failures(result.out_dir)
    assert {r["run_key"] for r in records} == {r.key for r in failing}
    record = next(r for r in records if r["run_key"] == failing[0].key)
    assert record["params"] == failing[0].params
    assert record["seed"] == failing[0].seed
    assert record["error"].startswith("ValueError: boom")
    assert "Traceback" in record["traceback"] and "toy_model.py" in record["traceback"]


def test_retry_failed_reruns_only_the_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = make_runs(design.grid({"x": [-1.0, -0.5, 0.5, 1.0]}), 3, master_seed=1)
    out = tmp_path / "out"
    monkeypatch.setenv("TOY_FAIL_NEGATIVE", "1")
    first = _sweep(runs, out, run_fn=flaky_toy_run)
    assert (first.n_succeeded, first.n_failed) == (6, 6)

    resumed = _sweep(runs, out, run_fn=flaky_toy_run, resume=True)  # resume alone does not retry failures
    assert resumed.n_executed == 0 and resumed.n_failed == 6

    monkeypatch.delenv("TOY_FAIL_NEGATIVE")
    retried = _sweep(runs, out, run_fn=flaky_toy_run, retry_failed=True)
    assert (retried.n_executed, retried.n_succeeded, retried.n_failed) == (6, 12, 0)
    assert read_manifest(out)["sessions"][-1]["to_execute"] == 6

    clean = _sweep(runs, tmp_path / "clean", run_fn=toy_run)
    assert _table(retried.runs_path).equals(_table(clean.runs_path))


def test_existing_results_need_resume(tmp_path: Path) -> None:
    runs = _runs(replications=1)
    _sweep(runs, tmp_path / "out")
    with pytest.raises(FileExistsError):
        _sweep(runs, tmp_path / "out")


def test_resume_with_nothing_missing_executes_nothing(tmp_path: Path) -> None:
    runs = _runs(replications=2)
    first = _sweep(runs, tmp_path / "out")
    expected = _table(first.runs_path)
    again = _sweep(runs, tmp_path / "out", resume=True)
    assert again.n_executed == 0
    assert _table(again.runs_path).equals(expected)


def test_extending_the_design_runs_only_new_runs(tmp_path: Path) -> None:
    """More replications and a new point shift design indices; results are re-filed by key."""
    points = design.grid({"x": [0.0, 1.0]})
    _sweep(make_runs(points, 3, master_seed=2), tmp_path / "out")
    bigger_points = design.grid({"x": [-1.0, 0.0, 1.0]})  # new point first: old points move to index 1, 2
    bigger = make_runs(bigger_points, 5, master_seed=2)
    extended = _sweep(bigger, tmp_path / "out", resume=True)
    assert extended.n_executed == len(bigger) - 6
    fresh = _sweep(bigger, tmp_path / "fresh")
    assert _table(extended.runs_path).equals(_table(fresh.runs_path))


def test_runs_both_consolidated_and_in_a_shard_are_kept_once(tmp_path: Path) -> None:
    """A crash after consolidation but before the shards are deleted leaves runs in both places."""
    runs = _runs(replications=2)
    result = _sweep(runs, tmp_path / "out", chunk_size=5)
    expected = _table(result.runs_path)
    with ResultStore(tmp_path / "out") as store:
        store.write_chunk(execute_chunk(toy_run, runs[:5]))
    again = _sweep(runs, tmp_path / "out", resume=True)
    assert again.n_executed == 0
    assert _table(again.runs_path).equals(expected)
    assert not (tmp_path / "out" / "shards").exists()


def test_torn_failure_line_is_ignored_and_not_glued_to(tmp_path: Path) -> None:
    runs = _runs(replications=1)
    out = tmp_path / "out"
    first = _sweep(runs, out)
    with open(out / "failures.jsonl", "ab") as handle:
        handle.write(b'{"run_key": "torn')
    assert len(read_failures(out)) == first.n_failed
    bigger = _runs(replications=2)
    _sweep(bigger, out, resume=True)
    records = read_failures(out)
    assert len(records) == len(bigger) // 2
    assert (out / "failures.jsonl").read_bytes().endswith(b"\n")


def test_orphan_timeseries_shard_and_temp_files_are_removed(tmp_path: Path) -> None:
    runs = make_runs(design.grid({"x": [0.0, 1.0]}), 2, master_seed=3)
    out = tmp_path / "out"
    result = _sweep(runs, out, run_fn=toy_run_with_timeseries)
    expected = _table(result.timeseries_path)
    ts_dir, run_dir = out / "shards" / "timeseries", out / "shards" / "runs"
    ts_dir.mkdir(parents=True)
    run_dir.mkdir(parents=True)
    orphan = execute_chunk(toy_run_with_timeseries, runs[:1]).timeseries
    pq.write_table(orphan, ts_dir / "part-00000500.parquet")  # a crash before its runs shard was committed
    (run_dir / ".part-00000501.parquet.abc.tmp").write_bytes(b"half a file")
    with ResultStore(out):
        assert not (ts_dir / "part-00000500.parquet").exists()
        assert not list(run_dir.glob("*.tmp"))
    again = _sweep(runs, out, run_fn=toy_run_with_timeseries, resume=True)
    assert _table(again.timeseries_path).equals(expected)


def test_resume_after_sigkill_matches_uninterrupted_sweep(tmp_path: Path) -> None:
    runs = crash_test_runs()
    out = tmp_path / "killed"
    command = [sys.executable, str(HERE / "kill_target.py"), str(out)]
    process = subprocess.Popen(command, start_new_session=True)
    shard_dir = out / "shards" / "runs"
    deadline = time.monotonic() + 60
    try:
        while not (shard_dir.exists() and len(list(shard_dir.glob("part-*.parquet"))) >= 3):
            assert process.poll() is None, "sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no shards appeared"
            time.sleep(0.02)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the sweep and its pool workers
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert not (out / "runs.parquet").exists()
    committed = sum(pq.ParquetFile(p).metadata.num_rows for p in shard_dir.glob("part-*.parquet"))
    assert 0 < committed < len(runs)

    resumed_sweep = _sweep(runs, out, resume=True)  # the lock died with the killed process
    resumed = _table(resumed_sweep.runs_path)
    reference = _table(_sweep(runs, tmp_path / "reference").runs_path)
    assert resumed.num_rows == len(runs)
    assert resumed.column("run_key").to_pandas().is_unique
    assert resumed.equals(reference)
    sessions = read_manifest(out)["sessions"]
    assert [s["status"] for s in sessions] == ["running", "complete"]
    assert sessions[1]["to_execute"] <= len(runs) - committed


def test_manifest_records_metadata_environment_and_counts(tmp_path: Path) -> None:
    runs = _runs(replications=1)
    result = _sweep(runs, tmp_path / "out", metadata={"experiment": "toy", "scenario_hash": "abc"})
    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["metadata"] == {"experiment": "toy", "scenario_hash": "abc"}
    assert set(manifest["environment"]) >= {"python", "numpy", "pandas", "pyarrow"}
    assert "git_commit" in manifest
    half = len(runs) // 2
    assert manifest["counts"] == {"runs": len(runs), "succeeded": half, "failed": half, "pending": 0}
    session = manifest["sessions"][0]
    assert session["executor"] == "serial" and session["workers"] == 1 and session["status"] == "complete"
    assert session["started_at"] <= session["finished_at"]


def test_duplicate_runs_are_refused(tmp_path: Path) -> None:
    runs = make_runs([{"x": 1}, {"x": 1}], 1, master_seed=1)
    with pytest.raises(ValueError, match="duplicate keys"):
        _sweep(runs, tmp_path / "out")


def test_estimate_sweep_reports_size_and_time() -> None:
    runs = _runs(replications=4)
    estimate = estimate_sweep(runs, toy_run, workers=4, sample_size=5)
    assert (estimate.n_runs, estimate.n_points, estimate.n_replications) == (len(runs), 20, 4)
    assert estimate.timed_runs == 5 and estimate.seconds_per_run > 0
    assert estimate.wall_seconds == pytest.approx(len(runs) * estimate.seconds_per_run / 4)
    assert f"{len(runs)} runs (20 points x 4 replications)" in str(estimate)


def test_a_directory_is_locked_while_a_sweep_writes_it(tmp_path: Path) -> None:
    with ResultStore(tmp_path / "out"), pytest.raises(RuntimeError, match="another sweep"):
        _sweep(_runs(replications=1), tmp_path / "out")
    _sweep(_runs(replications=1), tmp_path / "out")  # released on exit


def test_malformed_outcomes_are_failures_not_crashes(tmp_path: Path) -> None:
    runs = make_runs(design.grid({"shape": ["list", "reserved", "ok"]}), 2, master_seed=1)
    result = _sweep(runs, tmp_path / "out", run_fn=malformed_toy_run)
    assert (result.n_succeeded, result.n_failed) == (2, 4)
    errors = sorted({record["error"] for record in read_failures(tmp_path / "out")})
    assert errors == [
        "TypeError: outcome 'trajectory' must be a scalar (float, int, str, bool or None), got list",
        "ValueError: outcome name 'seed' is reserved or not a string",
    ]
    assert result.read_runs()["value"].dtype == "float64"


def test_batched_model_gives_the_rows_of_run_by_run_and_pins_failures(tmp_path: Path) -> None:
    """A model with ``run_batch`` gets consecutive runs of a point together; the table is the
    one run-by-run calls give, and a failing run inside a batch fails alone."""
    runs = make_runs(design.grid({"x": [0.1, 0.7]}), 8, master_seed=5, salt="batch")
    bad_seed = runs[3].seed
    runs = make_runs([{"x": 0.1, "bad_seed": bad_seed}, {"x": 0.7, "bad_seed": bad_seed}], 8, master_seed=5,
                     salt="batch")
    BatchedToy.calls.clear()
    batched = _sweep(runs, tmp_path / "batched", run_fn=BatchedToy(), chunk_size=5)
    assert max(BatchedToy.calls) > 1, "the engine never used run_batch"
    alone = _sweep(runs, tmp_path / "alone", run_fn=lambda params, seed: BatchedToy()(params, seed), chunk_size=5)
    assert _table(batched.runs_path).equals(_table(alone.runs_path))
    assert sorted(f["replication"] for f in read_failures(batched.out_dir)) == [3, 3]


def test_a_failing_batch_is_reported_and_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Falling back to run-by-run is not silent: a warning line per failed batch and a count in the
    manifest. Chunks of 5 over 2 points x 8 replications: the batches holding replication 3 of each
    point (points 0 and 1) raise; the batch of point 1's first 5 runs returns one result too few."""
    bad_seed = make_runs([{}], 4, master_seed=5)[3].seed
    runs = make_runs([{"x": 0.1, "bad_seed": bad_seed}, {"x": 0.7, "bad_seed": bad_seed}], 8, master_seed=5)
    result = _sweep(runs, tmp_path / "raising", run_fn=BatchedToy(), chunk_size=5)
    warnings = capsys.readouterr().err.splitlines()
    assert warnings == [f"warning: a batch of 5 runs of design point {point} failed and was retried run by run: "
                        f"ValueError: bad seed {bad_seed}" for point in (0, 1)]
    assert read_manifest(result.out_dir)["sessions"][0]["batch_fallbacks"] == 2
    assert result.n_failed == 2  # only the two bad runs fail; their batch-mates succeed alone

    short = make_runs([{"x": 0.1, "drop_last": True}], 5, master_seed=5)
    result = _sweep(short, tmp_path / "short", run_fn=BatchedToy(), chunk_size=5)
    assert capsys.readouterr().err == ("warning: a batch of 5 runs of design point 0 failed and was retried run by "
                                       "run: run_batch returned 4 results for 5 runs\n")
    assert read_manifest(result.out_dir)["sessions"][0]["batch_fallbacks"] == 1 and result.n_succeeded == 5

    fine = make_runs([{"x": 0.1}], 5, master_seed=5)
    result = _sweep(fine, tmp_path / "fine", run_fn=BatchedToy(), chunk_size=5)
    assert capsys.readouterr().err == ""
    assert read_manifest(result.out_dir)["sessions"][0]["batch_fallbacks"] == 0
