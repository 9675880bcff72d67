"""make_runs(replication_params=...): parameters a replication has at every design point."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import design, make_runs, replication_seed, run_key, run_sweep

from .toy_model import BatchedToy, toy_run

POINTS = [{"x": 0.5, "strategy": "a"}, {"x": 0.5, "strategy": "b"}]

#: Keys of make_runs(POINTS, 2, master_seed=7, salt="s") recorded with the make_runs that had no
#: replication_params (commit 66ca0a3): without per-replication parameters nothing may change.
RECORDED_KEYS = [
    (0, 0, "40c0087ffd3751fc253eb172516ae35b91995e9148f2affc601e64c1de8bda31"),
    (0, 1, "9dc9664bdb4dd0ea50f01dc2aae531f6bbe60a8ebc209cf90465f36a7342c8d8"),
    (1, 0, "8c438274054861a92786a65e35f856daf4dcbf4c7c432f828387adc939e66249"),
    (1, 1, "dcdf30740cbca31174d00bbeb409ec9d304cd050a1a7dfebbc25e43fb42eb1a4"),
]


def test_without_replication_params_keys_are_those_recorded_before() -> None:
    for replication_params in (None, lambda k: {}):
        runs = make_runs(POINTS, 2, master_seed=7, salt="s", replication_params=replication_params)
        assert [(r.index, r.replication, r.key) for r in runs] == RECORDED_KEYS
        assert [r.params for r in runs] == [POINTS[0], POINTS[0], POINTS[1], POINTS[1]]


def test_replication_k_gets_its_params_at_every_point_with_its_seed() -> None:
    points = design.cross(design.grid({"x": [0.0, 1.0]}), [{"strategy": s} for s in "abc"])
    runs = make_runs(points, 7, master_seed=3, salt="s", replication_params=lambda k: {"draw": k % 3})
    assert len(runs) == 6 * 7
    for run in runs:
        assert run.params == {**points[run.index], "draw": run.replication % 3}
        assert run.seed == replication_seed(3, run.replication)
        assert run.key == run_key(run.params, run.seed, "s")  # the draw is part of the key
    assert len({run.key for run in runs}) == len(runs)
    # the same replication at two points differs only by the point; two replications sharing a
    # draw differ by seed
    by_replication = {}
    for run in runs:
        by_replication.setdefault(run.replication, set()).add((run.seed, run.params["draw"]))
    assert all(len(pairs) == 1 for pairs in by_replication.values())


def test_adding_replications_keeps_their_params_and_keys() -> None:
    params = {"replication_params": lambda k: {"draw": k % 4}, "master_seed": 5, "salt": "s"}
    before = make_runs(POINTS, 6, **params)
    extra = make_runs(POINTS, range(6, 10), **params)
    after = make_runs(POINTS, 10, **params)
    assert {r.key for r in before} | {r.key for r in extra} == {r.key for r in after}


def test_a_replication_parameter_may_not_shadow_a_point_parameter() -> None:
    with pytest.raises(ValueError, match=r"per-replication parameters \['x'\] are also parameters of design point 0"):
        make_runs(POINTS, 2, master_seed=1, replication_params=lambda k: {"x": k})


#: How far each draw moves the toy model's x.
SHIFT = {0: 0.0, 1: 0.3}


def _moved(params):
    return {**params, "x": params["x"] + SHIFT[params["draw"]]}


def shifted_toy_run(params, seed):
    """toy_run at x moved by the replication's draw (run alone: no run_batch)."""
    return toy_run(_moved(params), seed)


class ShiftedBatchedToy(BatchedToy):
    """BatchedToy at x moved by the replication's draw (the engine hands its run_batch whole
    chunks, which runs each through this __call__)."""

    def __call__(self, params, seed):
        return super().__call__(_moved(params), seed)


@pytest.mark.parametrize("model", [shifted_toy_run, ShiftedBatchedToy()], ids=["alone", "batched"])
def test_the_model_receives_them_and_runs_parquet_records_them(tmp_path: Path, model) -> None:
    """The params the model gets include the replication's: a model that moves x by the draw
    gives toy_run's numbers at the moved x, and ``param.draw`` is a column of runs.parquet."""
    runs = make_runs(POINTS, 4, master_seed=2, replication_params=lambda k: {"draw": k % 2})
    batches_before = len(BatchedToy.calls)
    result = run_sweep(runs, model, tmp_path / "out", executor="serial", progress="quiet")
    assert (len(BatchedToy.calls) > batches_before) == isinstance(model, BatchedToy)  # the path meant
    table = result.read_runs().set_index("run_key")
    assert len(table) == len(runs)
    for run in runs:
        row = table.loc[run.key]
        assert row["param.draw"] == run.replication % 2 and row["replication"] == run.replication
        assert row["score"] == toy_run({"x": 0.5 + SHIFT[run.replication % 2]}, run.seed)["score"]
