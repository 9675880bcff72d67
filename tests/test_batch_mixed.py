"""Batches of different design points (issue 15): a run's numbers do not depend on what else
shares its batch, whatever its values; values that differ are arrays, shared ones scalars."""

from __future__ import annotations

import numpy as np
import pytest

from sim import ReformModel, Scenario, resolve_scenario, run_seeds, shipped_strategies
from sim.scenario import shipped_scenario_names
from sim.batching import BatchValues, batch_values, layout_key, per_replication_paths
from sim.dynamics import ReformBatch
from sim.experiment_file import expand, load_experiment, runner_for
from sim.scenario import Mechanisms, set_dotted

from .test_batch import assert_same_summary

#: Layouts of the shipped scenarios: baseline, donor_surge and reforming_state differ in values
#: only; captured_state and post_conflict (a DDR pillar, relapse) in structure.
LAYOUTS = 3


def random_point(scenario: Scenario, rng: np.random.Generator, share: float = 0.5) -> Scenario:
    """The scenario with each numeric value that may differ within a batch scaled, with
    probability ``share``, by a factor drawn on [0.5, 1] (which stays inside every field's
    bounds): will, corruption, capability, donors' money and horizons, tie probabilities,
    pillar pace, every mechanism coefficient, context values, strategy efforts and
    thresholds, the success rule."""
    data = scenario.model_dump()
    for path in per_replication_paths(scenario):
        node = data
        for key in path.split("."):
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, float) and rng.random() < share:
            data = set_dotted(data, path, node * rng.uniform(0.5, 1.0))
    return Scenario.model_validate(data)


def mixed_points(count: int, seed: int) -> list[Scenario]:
    """Random points: a shipped scenario under a shipped strategy (each in turn), values varied."""
    rng = np.random.default_rng(seed)
    names, strategies = shipped_scenario_names(), shipped_strategies()
    points = []
    for k in range(count):
        base = resolve_scenario(names[k % len(names)], strategies[int(rng.integers(len(strategies)))])
        points.append(random_point(base.model_validate({**dict(base), "horizon_years": 12}), rng))
    return points


def test_random_points_run_together_equal_each_alone():
    """A random mix of design points over every shipped scenario and strategy, every
    per-replication value varied: each run equals its point and seed alone in a batch of one,
    in every indicator, month by month, its summary and its events."""
    points, seeds = mixed_points(20, seed=7), list(range(500, 520))
    names = [ReformBatch(point, [np.random.default_rng(0)]).indicator_names() for point in points[:5]]
    record = [name for name in names[0] if all(name in other for other in names)]  # every layout has these
    together = run_seeds(points, seeds, record=record)
    assert len({layout_key(point) for point in points}) == LAYOUTS
    assert len({point.strategy.name for point in points}) >= 4
    for row, (point, seed) in enumerate(zip(points, seeds)):
        alone = run_seeds(point, [seed], record=record)
        assert_same_summary(alone.summaries[0], together.summaries[row])
        assert alone.events[0] == together.events[row]
        for name in record:
            assert np.array_equal(alone.series[name][:, 0], together.series[name][:, row]), (row, name)


def test_one_batch_of_points_equals_the_mesa_model_of_each():
    """One ReformBatch of twelve points of one layout, under every shipped strategy: each
    replication is ReformModel(point, rng=seed)."""
    rng = np.random.default_rng(3)
    points = []
    for k in range(12):
        base = resolve_scenario("donor_surge", shipped_strategies()[k % len(shipped_strategies())])
        points.append(random_point(base.model_validate({**dict(base), "horizon_years": 10}), rng))
    seeds = list(range(20, 32))
    batch = ReformBatch(points, [np.random.default_rng(seed) for seed in seeds]).run()
    assert isinstance(batch.params, BatchValues)
    assert {strategy.name for strategy in batch.world.strategies} == set(shipped_strategies())
    for row, (point, seed) in enumerate(zip(points, seeds)):
        model = ReformModel(point, rng=seed).run()
        assert_same_summary(model.summary(), batch.summaries()[row])


def test_points_of_different_layouts_cannot_share_a_batch():
    a, b = resolve_scenario("baseline", "adaptive"), resolve_scenario("post_conflict", "big_bang")
    with pytest.raises(ValueError, match="share a layout"):
        ReformBatch([a, b], [np.random.default_rng(0), np.random.default_rng(1)])
    runs = run_seeds([a, b, a], [1, 2, 3], months=12)  # run_seeds groups them itself, in order
    assert runs.summaries[1] == run_seeds(b, [2], months=12).summaries[0]


def test_values_that_differ_are_arrays_and_shared_ones_stay_scalars():
    shared = Mechanisms()
    assert batch_values([shared, Mechanisms(), shared], "mechanisms") is shared
    default = shared.corruption.peer_effect
    varied = Mechanisms.model_validate({"corruption": {"peer_effect": default + 0.4}})
    values = batch_values([shared, varied, shared], "mechanisms")
    assert values.corruption.peer_effect.shape == (3, 1)
    assert values.corruption.peer_effect[:, 0].tolist() == [default, default + 0.4, default]
    assert values.corruption.steepness == 5.0 and values.capacity is shared.capacity
    assert dict(values.corruption)["base_detection"] == shared.corruption.base_detection
    switched = Mechanisms.model_validate({"corruption": {"enabled": False}})
    with pytest.raises(ValueError, match="mechanisms.corruption.enabled differs"):
        batch_values([shared, switched], "mechanisms")


def test_the_layout_ignores_values_and_sees_structure():
    base = resolve_scenario("baseline", "adaptive")
    data = base.model_dump()
    for path, value in [("actors.ministry.political_will", 0.9), ("mechanisms.capacity.growth_rate", 0.03),
                        ("network.rules.0.mean_degree", 0.3), ("strategy.total_effort", 2.0),
                        ("pillars.0.pace", 3.0), ("outcomes.threshold", 0.5)]:
        assert layout_key(Scenario.model_validate(set_dotted(data, path, value))) == layout_key(base), path
    assert layout_key(resolve_scenario("baseline", "big_bang")) == layout_key(base)  # strategies may differ
    for path, value in [("mechanisms.spoilers.enabled", False), ("horizon_years", 20),
                        ("actors.security_force.members.0.count", 3), ("context.post_conflict", True),
                        ("actors.donor.members.0.count", 2)]:
        assert layout_key(Scenario.model_validate(set_dotted(data, path, value))) != layout_key(base), path



def test_the_sweeps_model_function_batches_a_sobol_chunk_as_each_run_alone():
    """PointRunner.run_batch on a chunk of the shipped Sobol design (five points, two seeds
    each, the last point cut short as a chunk boundary may) returns what each run gives alone."""
    experiment, library = load_experiment("experiments/sensitivity_sobol.yaml")
    runner = runner_for(experiment, library)
    points = [{**point, "overrides": {**point["overrides"], "horizon_years": 6}}
              for point in expand(experiment, library)[:5]]
    runs = [(point, seed) for point in points for seed in (1, 2)][:9]
    assert runner.run_batch(runs) == [runner(point, seed) for point, seed in runs]
