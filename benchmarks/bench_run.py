"""Speed of runs: runs per second and agent-steps per second, by scenario size.

Prints figures, asserts nothing. Single runs are ``ReformModel`` (Mesa, DataCollector on);
batched runs are ``ReformBatch`` stepping many replications together, as sweeps do. The
reference for the influence step, measured in the same run, is that step written the way a
per-agent Mesa model would write it (a Python loop over agents and their in-neighbours),
against the vectorised sparse step the model uses.

The step's own yardstick (issue 12): one month of a batch of 200 baseline replications
against one sparse influence product (``matrices.influence @ stance``) over the same batch,
timed alternately in the same process so machine load affects both alike; the ratio is what
to compare between commits and machines.

    python benchmarks/bench_run.py [--runs N] [--step-only]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from sim import ReformBatch, ReformModel, load_scenario
from sim.mechanisms.influence import friedkin_johnsen_step


def time_runs(scenario, runs: int) -> tuple[float, int]:
    started = time.perf_counter()
    for seed in range(runs):
        model = ReformModel(scenario, rng=seed).run()
    elapsed = time.perf_counter() - started
    return elapsed, len(model.state.names)


def loop_influence_step(stance, anchor, neighbours, susceptibility):
    """The same Friedkin-Johnsen update, agent by agent (the reference)."""
    new = np.empty_like(stance)
    for agent, incoming in enumerate(neighbours):
        heard = sum(weight * stance[other] for other, weight in incoming)
        new[agent] = min(max(susceptibility[agent] * heard + (1 - susceptibility[agent]) * anchor[agent], 0.0), 1.0)
    return new


def step_against_influence_product(batch_size: int = 200, months: int = 24, rounds: int = 5) -> None:
    """Print one replication-month of the baseline in a batch of ``batch_size`` against one sparse
    influence product over the same batch: the median of ``rounds`` alternating measurements
    (``months`` steps from year 1, then as many products), and their ratio."""
    scenario = load_scenario("baseline")
    batch = ReformBatch(scenario, [np.random.default_rng(seed) for seed in range(batch_size)]).run(12)
    influence, step_times, product_times = batch.matrices.influence, [], []
    for _ in range(rounds):
        started = time.perf_counter()
        batch.run(months)
        step_times.append((time.perf_counter() - started) / months)
        started = time.perf_counter()
        for _ in range(months):
            influence @ batch.state.stance
        product_times.append((time.perf_counter() - started) / months)
    step, product = float(np.median(step_times)), float(np.median(product_times))
    print(f"step, baseline ({len(batch.state.names)} actors, {influence.matrix.nnz // batch_size} influence "
          f"weights a replication) in a batch of {batch_size}: {step * 1e6 / batch_size:.2f} µs per "
          f"replication-month; one sparse influence product over the batch: {product * 1e6:.0f} µs "
          f"({product * 1e6 / batch_size:.2f} µs a replication); step / product {step / product:.1f}x "
          f"(median of {rounds} rounds; load average {os.getloadavg()[0]:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--step-only", action="store_true", help="only the step against the influence product")
    args = parser.parse_args()
    step_against_influence_product()
    if args.step_only:
        return

    sizes = {"baseline": {}, "300 actors": {"actors.civil_society.members.0.count": 260},
             "2,000 actors": {"actors.civil_society.members.0.count": 1200,
                              "actors.security_force.members.1.count": 732}}
    print(f"{'scenario':<14}{'actors':>8}{'s/run':>10}{'runs/s':>10}{'agent-steps/s':>16}")
    for label, overrides in sizes.items():
        scenario = load_scenario("baseline", overrides)
        runs = args.runs if label == "baseline" else max(2, args.runs // 5)
        elapsed, actors = time_runs(scenario, runs)
        steps = scenario.steps
        print(f"{label:<14}{actors:>8}{elapsed / runs:>10.3f}{runs / elapsed:>10.2f}"
              f"{actors * steps * runs / elapsed:>16,.0f}")

    print(f"\n{'batched':<14}{'actors':>8}{'batch':>7}{'s/run':>10}{'runs/s':>10}{'agent-steps/s':>16}  (one core)")
    for label, batch_size in (("baseline", 200), ("2,000 actors", 10)):
        scenario = load_scenario("baseline", sizes[label])
        started = time.perf_counter()
        batch = ReformBatch(scenario, [np.random.default_rng(seed) for seed in range(batch_size)]).run()
        batch.summaries()
        elapsed = time.perf_counter() - started
        actors = len(batch.state.names)
        print(f"{label:<14}{actors:>8}{batch_size:>7}{elapsed / batch_size:>10.4f}{batch_size / elapsed:>10.1f}"
              f"{actors * scenario.steps * batch_size / elapsed:>16,.0f}")

    model = ReformModel(load_scenario("baseline", sizes["2,000 actors"]), rng=0)
    weights = model.matrices.influence.tocsr()
    neighbours = [list(zip(weights.indices[weights.indptr[i]:weights.indptr[i + 1]],
                           weights.data[weights.indptr[i]:weights.indptr[i + 1]])) for i in range(weights.shape[0])]
    state = model.state
    anchor = state.stance.copy()
    repeats = 200
    started = time.perf_counter()
    for _ in range(repeats):
        vectorised = friedkin_johnsen_step(state.stance, anchor, weights, state.susceptibility)
    sparse_time = (time.perf_counter() - started) / repeats
    started = time.perf_counter()
    for _ in range(max(repeats // 20, 1)):
        looped = loop_influence_step(state.stance, anchor, neighbours, state.susceptibility)
    loop_time = (time.perf_counter() - started) / max(repeats // 20, 1)
    assert np.allclose(vectorised, looped)
    print(f"\ninfluence step on {len(state.names)} actors, {weights.nnz} ties: sparse {sparse_time * 1e6:.0f} µs, "
          f"per-agent loop (reference) {loop_time * 1e6:.0f} µs, ratio {loop_time / sparse_time:.0f}x")


if __name__ == "__main__":
    main()
