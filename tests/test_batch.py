"""The batched engine: a replication's numbers are those of the same seed run alone."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim import ReformModel, load_scenario
from sim.dynamics import SUMMARY_SERIES, ReformBatch
from sim.experiment_file import load_experiment, runner_for
from sim.state import NON_INDEX_FIELDS

SEEDS = [11, 3, 27, 8]


def same(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))


def assert_same_summary(alone: dict, batched: dict) -> None:
    assert alone.keys() == batched.keys()
    differing = {k: (alone[k], batched[k]) for k in alone if not same(alone[k], batched[k])}
    assert not differing, differing


def batch(scenario, seeds, **kwargs) -> ReformBatch:
    return ReformBatch(scenario, [np.random.default_rng(s) for s in seeds], **kwargs).run()


@pytest.mark.parametrize(("scenario_name", "strategy"), [
    ("post_conflict", "security_first"),   # relapses, a phase started by an observed indicator
    ("captured_state", "adaptive"),        # PDIA reviews reallocate effort per replication
    ("reforming_state", "big_bang"),
    ("donor_surge", "governance_first"),   # donors exit at different months per replication
    ("baseline", "status_quo"),
])
def test_each_replication_equals_its_seed_run_alone(scenario_name, strategy):
    scenario = load_scenario(scenario_name)
    scenario = scenario.model_validate({**dict(scenario), "horizon_years": 15,
                                        "strategy": ReformModel(scenario, strategy=strategy).strategy})
    together = batch(scenario, SEEDS)
    for row, seed in enumerate(SEEDS):
        alone = ReformModel(scenario, rng=seed)
        alone.run()
        assert_same_summary(alone.summary(), together.summaries()[row])
        assert alone.events == together.events[row]
        frame = alone.datacollector.model_vars
        for name in SUMMARY_SERIES:
            assert np.array_equal(frame[name], together.series(name)[:, row])


def test_a_replication_does_not_depend_on_its_batch():
    """Bit for bit the same outcomes in batches of 1, 3 and 9, in any order."""
    scenario = load_scenario("post_conflict")
    scenario = scenario.model_validate({**dict(scenario), "horizon_years": 12})
    seeds = list(range(100, 109))
    big = batch(scenario, seeds).summaries()
    reordered = batch(scenario, seeds[::-1]).summaries()[::-1]
    small = [s for start in range(0, 9, 3) for s in batch(scenario, seeds[start:start + 3]).summaries()]
    for a, b, c in zip(big, reordered, small):
        assert_same_summary(a, b)
        assert_same_summary(a, c)
    # the check means something only if the batch holds different histories
    assert len({s["conflict_relapse"] for s in big}) == 2
    assert len({round(s["final_reform_index"], 12) for s in big}) == len(seeds)


def test_batch_state_stays_in_bounds_and_replications_differ():
    together = batch(load_scenario("baseline"), range(6))
    checked = 0
    for name, values in together.state.all_arrays().items():
        # every array a replication changes, except money and months
        if values.ndim == 2 and values.dtype == float and name.split(".")[-1] not in {*NON_INDEX_FIELDS, "spoiler_rents"}:
            assert values.shape[0] == 6 and (values >= 0).all() and (values <= 1).all(), name
            checked += 1
    assert checked >= 20
    assert len({float(v) for v in together.indicators["reform_index"]}) == 6


def test_sweep_runner_batches_give_the_runs_of_the_mesa_model(tmp_path):
    """The sweep's model function (batched) returns what ReformModel returns for each seed."""
    text = """
name: tiny
scenarios: [post_conflict]
strategies: [adaptive]
design: {kind: list, points: [{horizon_years: 6}]}
replications: 3
master_seed: 1
outputs: {timeseries_stride_months: 12, timeseries: [reform_index, violence, donor_funding]}
"""
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    experiment, library = load_experiment(path)
    runner = runner_for(experiment, library)
    params = {"scenario": "post_conflict", "strategy": "adaptive", "overrides": {"horizon_years": 6}}
    results = runner.run_batch([(params, seed) for seed in SEEDS])
    scenario = runner.scenario(params)
    for seed, (summary, series) in zip(SEEDS, results):
        model = ReformModel(scenario, rng=seed).run()
        expected = {k: v for k, v in model.summary().items() if isinstance(v, (bool, int, float, str))}
        assert_same_summary({**expected, "strategy_name": "adaptive"}, summary)
        frame = model.datacollector.model_vars
        assert [row["month"] for row in series] == list(range(0, 73, 12))
        for row in series:
            for name in ("reform_index", "violence", "donor_funding"):
                assert row[name] == frame[name][row["month"]]
        assert runner(params, seed) == (summary, series)
