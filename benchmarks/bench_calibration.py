"""Cost of a calibration particle by how many particles one simulator call evaluates.

The shipped calibration's particle (``experiments/calibration.yaml``: its countries a particle,
common random numbers) is evaluated on one core in calls of 1, 2, 4 and 8 particles (the same
particles, drawn from the prior, in every case); the script prints the seconds a particle and
the ratio to one particle a call, and checks that every particle's statistics are the same
whatever call it was evaluated in (sim/calibration/sampler.py).

    .venv/bin/python benchmarks/bench_calibration.py [--particles 8] [--batches 1 2 4 8] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from sim.calibration.abc import ParticleSimulator, load_calibration

CALIBRATION = Path(__file__).resolve().parents[1] / "experiments" / "calibration.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--particles", type=int, default=8, help="particles evaluated in every case")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 2, 4, 8], help="particles a call")
    parser.add_argument("--repeats", type=int, default=2, help="timings a case (the fastest is printed)")
    args = parser.parse_args()
    calibration = load_calibration(CALIBRATION)
    simulator = ParticleSimulator(calibration)
    simulator.generation = 0 if calibration.settings.abc.common_random_numbers else None
    rng = np.random.default_rng(1)
    particles = [{p.path: float(rng.uniform(p.low, p.high)) for p in calibration.priors} for _ in range(args.particles)]
    print(f"{args.particles} particles of {calibration.settings.countries_per_particle} countries "
          f"(common random numbers: {calibration.settings.abc.common_random_numbers}), one core")
    print(f"{'particles a call':>16} {'s a particle':>13} {'speed-up':>11}")
    simulator.evaluate_many(particles[:1])  # warm-up: the first call pays for caches and imports
    reference, first = None, None
    for batch in args.batches:
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            results = [r for k in range(0, len(particles), batch) for r in simulator.evaluate_many(particles[k:k + batch])]
            timings.append((time.perf_counter() - started) / len(particles))
        first = first or json.dumps(results)
        if json.dumps(results) != first:
            raise SystemExit(f"particles a call {batch}: statistics differ from the first case")
        seconds = min(timings)
        reference = reference or seconds
        print(f"{batch:>16} {seconds:>13.2f} {reference / seconds:>10.2f}x")
    print("every particle's statistics identical in every case: yes")


if __name__ == "__main__":
    main()
