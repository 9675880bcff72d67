"""Speed of runs: runs per second and agent-steps per second, by scenario size.

Prints figures, asserts nothing. Single runs are ``ReformModel`` (Mesa, DataCollector on);
batched runs are ``ReformBatch`` stepping many replications together, as sweeps do. The
reference for the influence step, measured in the same run, is that step written the way a
per-agent Mesa model would write it (a Python loop over agents and their in-neighbours),
against the vectorised sparse step the model uses.

The step's own yardstick (issue 12): one month of a batch of 200 baseline replications
against one sparse influence product (``matrices.influence @ stance``) over the same batch,
timed alternately in the same process so machine load affects both alike; the ratio is what
to compare between commits and machines. Then a month's cost by batch size, and where the
time of a sweep worker's chunk goes (building the world, the months, the summaries).

    python benchmarks/bench_run.py [--runs N] [--step-only]
"""

from __future__ import annotations

import argparse
import math
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


def step_against_influence_product(batch_size: int = 200, months: int = 6, rounds: int = 30) -> None:
    """Print one replication-month of the baseline in a batch of ``batch_size`` against one sparse
    influence product over the same batch, and their ratio: the fastest of ``rounds``
    alternating measurements of each (``months`` steps from year 1, then as many products).
    The fastest, not the median: on a machine shared with other jobs a measurement is only
    ever slowed down, and the longer step more often than the short product."""
    scenario = load_scenario("baseline")
    batch = ReformBatch(scenario, [np.random.default_rng(seed) for seed in range(batch_size)]).run(12)
    influence, step, product = batch.matrices.influence, math.inf, math.inf
    for _ in range(rounds):
        started = time.perf_counter()
        batch.run(months)
        step = min(step, (time.perf_counter() - started) / months)
        started = time.perf_counter()
        for _ in range(months):
            influence @ batch.state.stance
        product = min(product, (time.perf_counter() - started) / months)
    print(f"step, baseline ({len(batch.state.names)} actors, {influence.matrix.nnz // batch_size} influence "
          f"weights a replication) in a batch of {batch_size}: {step * 1e6 / batch_size:.2f} µs per "
          f"replication-month; one sparse influence product over the batch: {product * 1e6:.0f} µs "
          f"({product * 1e6 / batch_size:.2f} µs a replication); step / product {step / product:.1f}x "
          f"(fastest of {rounds} rounds; load average {os.getloadavg()[0]:.2f})")


def step_by_batch_size(sizes: tuple[int, ...] = (1, 10, 50, 200, 294), months: int = 6, rounds: int = 10) -> None:
    """Print a month's cost by batch size (fastest of ``rounds``): a fixed part, the same
    whatever the batch (Python and NumPy call overhead), plus a part per replication."""
    scenario = load_scenario("baseline")
    costs = []
    for size in sizes:
        batch = ReformBatch(scenario, [np.random.default_rng(seed) for seed in range(size)]).run(12)
        best = math.inf
        for _ in range(rounds):
            started = time.perf_counter()
            batch.run(months)
            best = min(best, (time.perf_counter() - started) / months)
        costs.append(best)
    slope = (costs[-1] - costs[0]) / (sizes[-1] - sizes[0])
    print("a month of the baseline by batch size: " + ", ".join(
        f"{size}: {cost * 1e6:.0f} µs ({cost * 1e6 / size:.1f} a replication)" for size, cost in zip(sizes, costs))
        + f"; about {costs[0] * 1e6:.0f} µs + {slope * 1e6:.1f} µs a replication")


def chunk_parts(runs: int = 250, years: int = 10) -> None:
    """Print where a sweep worker's chunk goes (``runs`` baseline runs of ``years`` years, one
    batch, as :func:`sim.dynamics.run_seeds` steps it): building the world (actors, networks,
    matrices), the months, the summaries."""
    scenario = load_scenario("baseline", {"horizon_years": years})
    started = time.perf_counter()
    batch = ReformBatch(scenario, [np.random.default_rng(seed) for seed in range(runs)])
    built = time.perf_counter()
    batch.run()
    stepped = time.perf_counter()
    batch.summaries()
    done = time.perf_counter()
    parts = {"build": built - started, "months": stepped - built, "summaries": done - stepped}
    print(f"a chunk of {runs} {years}-year baseline runs: " + ", ".join(
        f"{name} {seconds * 1e3 / runs:.2f} ms a run ({seconds / (done - started):.0%})"
        for name, seconds in parts.items()) + f"; load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--step-only", action="store_true", help="only the step against the influence product")
    args = parser.parse_args()
    step_against_influence_product()
    step_by_batch_size()
    chunk_parts()
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
