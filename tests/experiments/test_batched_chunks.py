"""The batched protocol across design points (issue 15): a chunk's runs of many points go to
``run_batch`` in one call; a failure is retried point by point, then run by run."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.experiments import design, make_runs, read_failures, read_manifest, run_sweep

from .toy_model import BatchedToy, toy_run


def test_a_chunk_of_many_points_is_one_call_with_the_rows_of_run_by_run(tmp_path: Path) -> None:
    runs = make_runs(design.grid({"x": [0.1, 0.3, 0.5, 0.7, 0.9]}), 2, master_seed=4)
    BatchedToy.calls.clear()
    batched = run_sweep(runs, BatchedToy(), tmp_path / "batched", executor="serial", chunk_size=10, progress="quiet")
    assert BatchedToy.calls == [10], "one call for the whole chunk of five points"
    alone = run_sweep(runs, toy_run, tmp_path / "alone", executor="serial", chunk_size=10, progress="quiet")
    assert batched.read_runs().equals(alone.read_runs())


def test_a_failing_mixed_batch_is_retried_point_by_point_then_run_by_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_seed = make_runs([{}], 3, master_seed=6)[2].seed
    runs = make_runs([{"x": 0.1}, {"x": 0.5, "bad_seed": bad_seed}, {"x": 0.9}], 3, master_seed=6)
    BatchedToy.calls.clear()
    result = run_sweep(runs, BatchedToy(), tmp_path / "out", executor="serial", chunk_size=9, progress="quiet")
    assert BatchedToy.calls == [9, 3, 3, 3], "the chunk, then each point's three runs"
    assert capsys.readouterr().err.splitlines() == [
        f"warning: a batch of 9 runs of design points 0-2 failed and was retried point by point: "
        f"ValueError: bad seed {bad_seed}",
        f"warning: a batch of 3 runs of design point 1 failed and was retried run by run: ValueError: bad seed {bad_seed}",
    ]
    assert read_manifest(result.out_dir)["sessions"][0]["batch_fallbacks"] == 2
    assert (result.n_succeeded, result.n_failed) == (8, 1)
    assert [f["design_index"] for f in read_failures(result.out_dir)] == [1]
