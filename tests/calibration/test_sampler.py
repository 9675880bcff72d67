"""Batched particle evaluation (sim/calibration/sampler.py): several particles in one simulator
call give each the statistics it gets alone, and a one-process batched calibration accepts
exactly the particles of the same calibration one by one."""

from __future__ import annotations

import json
import threading

import numpy as np
import pandas as pd
import pytest

from sim.calibration import abc as abc_module
from sim.calibration.abc import ParticleSimulator, load_calibration
from sim.calibration.run import calibrate
from sim.calibration.sampler import BatchedSimulateOne, coalesced

from .conftest import TINY_PARAMETERS, tiny_calibration
from .test_abc import GENERATIONS


def _values(growth: float, relapse: float) -> dict[str, float]:
    return dict(zip(TINY_PARAMETERS, (growth, relapse)))


@pytest.mark.parametrize("common", [False, True])
def test_particles_evaluated_together_get_the_statistics_they_get_alone(tiny_files, tmp_path, common):
    calibration = load_calibration(tiny_calibration(tmp_path, tiny_files))
    simulator = ParticleSimulator(calibration)
    simulator.generation = 3 if common else None
    particles = [_values(0.02, 0.01), _values(0.08, 0.002), _values(0.02, 0.01), _values(0.05, 0.03)]
    together = simulator.evaluate_many(particles)
    alone = [simulator(particle) for particle in particles]
    assert json.dumps(together) == json.dumps(alone)
    assert json.dumps(together[0]) != json.dumps(together[1])  # different coefficients, different statistics


def _round_of(simulate_one, particles: int) -> list:
    batched = BatchedSimulateOne(simulate_one, particles)
    return [batched() for _ in range(particles)]


def test_a_round_gathers_its_model_calls_into_one_and_keeps_the_order_of_proposals():
    calls: list[list[int]] = []
    proposals = iter(range(100))
    lock = threading.Lock()

    def evaluate_many(items):
        calls.append(list(items))
        return [item * 10 for item in items]

    def simulate_one():
        with lock:  # pyabc's proposal: a draw from a shared generator
            proposal = next(proposals)
        return proposal, coalesced(evaluate_many, proposal)

    assert _round_of(simulate_one, 4) == [(k, 10 * k) for k in range(4)]
    assert calls == [[0, 1, 2, 3]]
    assert coalesced(evaluate_many, 7) == 70 and calls[-1] == [7]  # outside a round: alone


def test_a_thread_that_fails_before_the_model_neither_blocks_the_round_nor_is_swallowed():
    calls: list[list[int]] = []
    counter = iter(range(100))

    def evaluate_many(items):
        calls.append(list(items))
        return list(items)

    def simulate_one():
        k = next(counter)
        if k == 1:
            raise ValueError("proposal failed")
        return coalesced(evaluate_many, k)

    with pytest.raises(ValueError, match="proposal failed"):
        _round_of(simulate_one, 3)
    assert calls == [[0, 2]]


def test_a_failing_model_call_is_raised_by_the_round():
    def evaluate_many(items):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _round_of(lambda: coalesced(evaluate_many, 1), 3)


def test_a_batched_calibration_on_one_process_accepts_the_particles_of_one_by_one(tiny_files, tmp_path):
    """Same file but particles_per_batch: the same particles, weights, distances and epsilons
    (one worker: reproducible), and the batches really were batches."""
    outs = {}
    for batch in (1, 3):
        folder = tmp_path / f"batch{batch}"
        folder.mkdir()
        path = tiny_calibration(folder, tiny_files, abc={"max_generations": GENERATIONS,
                                                         "particles_per_batch": batch})
        sizes: list[int] = []
        original = ParticleSimulator.evaluate_many

        def spy(self, particles, sizes=sizes, original=original):
            sizes.append(len(particles))
            return original(self, particles)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ParticleSimulator, "evaluate_many", spy)
            calibrate(load_calibration(path), folder / "out", progress=False, command="test")
        outs[batch] = folder / "out"
        assert set(sizes) == ({1} if batch == 1 else {1, 3})  # 1: the predictive draws, simulated alone
    pd.testing.assert_frame_equal(pd.read_parquet(outs[1] / "posterior.parquet"),
                                  pd.read_parquet(outs[3] / "posterior.parquet"))
    one, three = (pd.read_csv(out / "diagnostics.csv") for out in outs.values())
    np.testing.assert_array_equal(one["epsilon"], three["epsilon"])
    np.testing.assert_array_equal(one["evaluations"], three["evaluations"])
    for t in range(GENERATIONS):
        first, second = (abc_module.load_history(out).get_weighted_distances(t=t) for out in outs.values())
        pd.testing.assert_frame_equal(first, second)
