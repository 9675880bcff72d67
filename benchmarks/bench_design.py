"""Cost per run of many design points with few replications each, against one point with many
(issue 15: parameters as arrays over the batch).

One process, one run of this script; every figure is measured here, and ratios are against
the reference measured in the same run: one design point of the shipped Sobol experiment
(experiments/sensitivity_sobol.yaml, baseline under adaptive, 40 years) with 200 replications
in one batch. The cases:

- *Sobol, 1 replication per point*: 200 points x 1 replication, one call (mixed batch);
- *Sobol, 4 replications per point*: 50 points x 4, one call (mixed batch);
- *4 per point, a batch per point*: the same 200 runs, one call per point (how main ran them).

Memory: the peak traced allocation (tracemalloc) of building and running 12 months of a batch
of 200 replications of one point and of 200 different points, and per replication.

    .venv/bin/python benchmarks/bench_design.py [--runs 200] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.dynamics import ReformBatch
from sim.experiment_file import runner_for
from sim.experiments.seeds import replication_seed
from sim.sweep import plan

SOBOL = Path(__file__).resolve().parent.parent / "experiments" / "sensitivity_sobol.yaml"


def _best_seconds(call: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def _peak_mib(scenarios: list, seeds: list[int]) -> float:
    tracemalloc.start()
    ReformBatch(scenarios, [np.random.default_rng(seed) for seed in seeds]).run(12)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2 ** 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per case (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats per case; the best is kept")
    args = parser.parse_args()
    sweep = plan(SOBOL)
    model = runner_for(sweep.experiment, sweep.library)
    points, runs = sweep.points, args.runs
    seeds = [replication_seed(sweep.experiment.master_seed, k) for k in range(runs)]
    for point in points[:runs]:
        model.scenario(point)  # validated once, as a sweep's worker caches them
    one_point = [(points[0], seed) for seed in seeds]
    single = [(points[k], seeds[0]) for k in range(runs)]
    quads = [(points[k // 4], seeds[k % 4]) for k in range(runs)]
    cases = {
        "one point x %d replications (reference)" % runs: lambda: model.run_batch(one_point),
        "Sobol, 1 replication per point, one batch": lambda: model.run_batch(single),
        "Sobol, 4 replications per point, one batch": lambda: model.run_batch(quads),
        "Sobol, 4 per point, a batch per point (main)": lambda: [model.run_batch(quads[k:k + 4])
                                                                 for k in range(0, runs, 4)],
    }
    print(f"{SOBOL.name}: {len(points)} design points; {runs} runs per case, 40 years each; best of {args.repeats}")
    reference = None
    for name, call in cases.items():
        per_run = _best_seconds(call, args.repeats) / runs
        reference = reference or per_run
        print(f"  {name:48s} {1000 * per_run:7.2f} ms/run   {per_run / reference:5.2f}x")
    mixed = [model.scenario(points[k]) for k in range(runs)]
    same = [model.scenario(points[0])] * runs
    one, many = _peak_mib(same, seeds), _peak_mib(mixed, seeds)
    print(f"memory, build + 12 months of {runs} replications: one point {one:.1f} MiB "
          f"({1024 * one / runs:.0f} KiB per replication); {runs} points {many:.1f} MiB "
          f"({1024 * many / runs:.0f} KiB per replication); ratio {many / one:.2f}")


if __name__ == "__main__":
    main()
