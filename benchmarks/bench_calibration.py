"""Cost of a calibration particle by how many particles one simulator call evaluates.

The shipped calibration's particle (``experiments/calibration.yaml``: its countries a particle,
common random numbers) is evaluated in calls of 1, 2, 4 and 8 particles (the same particles,
drawn from the prior, in every case), by ``--processes`` forked processes at once, each
evaluating them all (2: what a calibration with ``--workers 2`` does to a 2-core machine); the
script prints the wall seconds a particle and the speed-up over one particle a call, and checks
that every particle's statistics are the same whatever call it was evaluated in
(sim/calibration/sampler.py).

    .venv/bin/python benchmarks/bench_calibration.py [--particles 8] [--batches 1 2 4 8] [--processes 1]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
from pathlib import Path

import numpy as np

from sim.calibration.abc import ParticleSimulator, load_calibration

CALIBRATION = Path(__file__).resolve().parents[1] / "experiments" / "calibration.yaml"


def _evaluate_all(simulator: ParticleSimulator, particles: list[dict], batch: int, results) -> None:
    results.put(json.dumps([r for k in range(0, len(particles), batch)
                            for r in simulator.evaluate_many(particles[k:k + batch])]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--particles", type=int, default=8, help="particles each process evaluates in every case")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8], help="particles a call")
    parser.add_argument("--processes", type=int, default=1, help="processes evaluating at once")
    args = parser.parse_args()
    calibration = load_calibration(CALIBRATION)
    simulator = ParticleSimulator(calibration)
    simulator.generation = 0 if calibration.settings.abc.common_random_numbers else None
    rng = np.random.default_rng(1)
    particles = [{p.path: float(rng.uniform(p.low, p.high)) for p in calibration.priors} for _ in range(args.particles)]
    simulator.evaluate_many(particles[:1])  # warm-up before forking: caches and imports
    print(f"{args.particles} particles of {calibration.settings.countries_per_particle} countries "
          f"(common random numbers: {calibration.settings.abc.common_random_numbers}), {args.processes} "
          f"process(es) at once on {os.cpu_count()} cores")
    print(f"{'particles a call':>16} {'wall s a particle':>18} {'speed-up':>9}")
    context = multiprocessing.get_context("fork")
    reference, first = None, None
    for batch in args.batches:
        results = context.Queue()
        workers = [context.Process(target=_evaluate_all, args=(simulator, particles, batch, results))
                   for _ in range(args.processes)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        outputs = [results.get() for _ in workers]
        seconds = (time.perf_counter() - started) / (len(particles) * args.processes)
        for worker in workers:
            worker.join()
        first = first or outputs[0]
        if any(output != first for output in outputs):
            raise SystemExit(f"particles a call {batch}: statistics differ from the first case")
        reference = reference or seconds
        print(f"{batch:>16} {seconds:>18.2f} {reference / seconds:>8.2f}x")
    print("every particle's statistics identical in every case and process: yes")


if __name__ == "__main__":
    main()
