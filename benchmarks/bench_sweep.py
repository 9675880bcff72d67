"""Sweep throughput and memory: `ssr-sim sweep` against `mesa.batch_run`, same model and runs.

Both run the baseline scenario under its own strategy with the same number of worker
processes and the same run count; each measurement runs in a fresh child process so its
peak memory is its own (parent and children: ru_maxrss of both). Prints figures, asserts
nothing.

    python benchmarks/bench_sweep.py [--runs 1000 10000] [--years 10] [--workers N]

``--years`` sets each run's length (default 10 years = 120 monthly steps, so 10,000 runs of
``mesa.batch_run`` finish in minutes on two cores; the shipped scenarios run 40 years).
The reference is as lean as the model allows: ``batch_run`` builds ``ReformModel`` with
``collect_all=False`` (only the series the summary needs) and collects at the end only.
The sweep steps each design point's replications together (:func:`sim.dynamics.run_seeds`).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def child_sweep(runs: int, years: int, workers: int) -> dict:
    from sim.sweep import plan, run_experiment

    with tempfile.TemporaryDirectory() as folder:
        experiment = Path(folder) / "bench.yaml"
        experiment.write_text(
            "name: bench\nscenarios: [baseline]\n"
            f"design: {{kind: list, points: [{{horizon_years: {years}}}]}}\n"
            f"replications: {runs}\nmaster_seed: 1\n", encoding="utf-8")
        sweep = plan(experiment)
        started = time.perf_counter()
        result = run_experiment(sweep, Path(folder) / "out", executor="processes", workers=workers, progress="quiet")
        elapsed = time.perf_counter() - started
        assert result.n_succeeded == runs
    return {"seconds": elapsed, "peak_mib": _peak_mib()}


def child_batch_run(runs: int, years: int, workers: int) -> dict:
    import mesa

    from sim import ReformModel, load_scenario

    scenario = load_scenario("baseline", {"horizon_years": years})
    # Mesa 3.5 seeds runs with batch_run(rng=...); Mesa 3.3 with an "rng" parameter to vary.
    seeds = list(range(runs))
    newer = "rng" in inspect.signature(mesa.batch_run).parameters
    parameters = {"scenario": [scenario], "collect_all": [False], **({} if newer else {"rng": seeds})}
    seeding = {"rng": seeds} if newer else {"iterations": 1}
    started = time.perf_counter()
    results = mesa.batch_run(ReformModel, parameters=parameters, max_steps=12 * years, number_processes=workers,
                             data_collection_period=-1, display_progress=False, **seeding)
    elapsed = time.perf_counter() - started
    assert len(results) == runs
    return {"seconds": elapsed, "peak_mib": _peak_mib()}


def measure(kind: str, runs: int, years: int, workers: int) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--runs", str(runs), "--years", str(years),
                           "--workers", str(workers)], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--child", choices=("sweep", "batch_run"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work = child_sweep if args.child == "sweep" else child_batch_run
        print(json.dumps(work(args.runs[0], args.years, args.workers)))
        return
    print(f"baseline scenario, {args.years}-year runs, {args.workers} worker processes")
    print(f"{'runs':>7} {'tool':<15}{'seconds':>9}{'runs/s':>9}{'peak MiB':>10}")
    for runs in args.runs:
        figures = {kind: measure(kind, runs, args.years, args.workers) for kind in ("batch_run", "sweep")}
        for kind, label in (("batch_run", "mesa.batch_run"), ("sweep", "ssr-sim sweep")):
            f = figures[kind]
            print(f"{runs:>7} {label:<15}{f['seconds']:>9.1f}{runs / f['seconds']:>9.1f}{f['peak_mib']:>10.0f}")
        ratio = figures["batch_run"]["seconds"] / figures["sweep"]["seconds"]
        print(f"{'':>7} sweep / batch_run runs per second: {ratio:.2f}x")


if __name__ == "__main__":
    main()
