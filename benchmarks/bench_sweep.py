"""Sweep throughput and memory: `ssr-sim sweep` against `mesa.batch_run`, same model and runs;
and how a sweep on Dask scales from one worker to two.

Both run the baseline scenario under its own strategy with the same number of worker
processes and the same run count; each measurement runs in a fresh child process so its
peak memory is its own (parent and children: ru_maxrss of both). Then the same sweep of
``--dask-runs`` runs, and of twice as many, goes through Dask with one worker and with two
(``--dask-runs 0`` skips it), on a private LocalCluster the sweep starts, then on a cluster
already running (as ``--address`` uses one): the ratio of their runs per second, the ratio of
their throughput (the extra runs per extra second of the larger sweep, which leaves the fixed
start-up out) and whether their ``runs.parquet`` hold the same table (a digest of its
content). Every time is the sweep's whole wall time, from :func:`sim.sweep.run_experiment`
called to returned (pool or cluster start-up where the sweep starts one, runs, Parquet shards
and consolidation). Prints figures and the load average, asserts nothing.

    python benchmarks/bench_sweep.py [--runs 1000 10000] [--years 10] [--workers N] [--dask-runs 2000]
                                     [--batch-run-max N]

``--batch-run-max N`` times ``mesa.batch_run`` on at most N runs and, for larger run counts,
compares the sweep with the runs per second it reached there (its rate does not depend on
the run count: 20.0 and 19.1 runs/s at 1,000 and 10,000 runs in the README's table, which
took 522 s at 10,000); its peak memory is then not measured.

``--years`` sets each run's length (default 10 years = 120 monthly steps, so 10,000 runs of
``mesa.batch_run`` finish in minutes on two cores; the shipped scenarios run 40 years).
The reference is as lean as the model allows: ``batch_run`` builds ``ReformModel`` with
``collect_all=False`` (only the series the summary needs) and collects at the end only.
The sweep steps each design point's replications together (:func:`sim.dynamics.run_seeds`).
"""

from __future__ import annotations

import argparse
import hashlib
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


def child_sweep(runs: int, years: int, workers: int | None, executor: str = "processes",
                address: str | None = None) -> dict:
    import pandas as pd

    from sim.sweep import plan, run_experiment

    with tempfile.TemporaryDirectory() as folder:
        experiment = Path(folder) / "bench.yaml"
        experiment.write_text(
            "name: bench\nscenarios: [baseline]\n"
            f"design: {{kind: list, points: [{{horizon_years: {years}}}]}}\n"
            f"replications: {runs}\nmaster_seed: 1\n", encoding="utf-8")
        sweep = plan(experiment)
        started = time.perf_counter()
        result = run_experiment(sweep, Path(folder) / "out", executor=executor,
                                workers=None if address else workers, address=address, progress="quiet")
        elapsed = time.perf_counter() - started
        assert result.n_succeeded == runs
        table = result.read_runs()
        digest = hashlib.sha256(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes()
                                + ",".join(table.columns).encode()).hexdigest()
    return {"seconds": elapsed, "peak_mib": _peak_mib(), "digest": digest}


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


def measure(kind: str, runs: int, years: int, workers: int, address: str | None = None) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--runs", str(runs), "--years", str(years),
               "--workers", str(workers), *(["--address", address] if address else [])]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print_scaling(title: str, runs: int, figures: dict[int, dict[int, dict]]) -> None:
    """``figures[workers][run count]``: the sweep of ``runs`` and of twice as many."""
    print(f"\n{runs} and {2 * runs} runs on Dask, {title}")
    print(f"{'workers':>7} {'seconds':>9}{'runs/s':>9} {'seconds':>9}{'runs/s':>9}  {'extra runs/s':>12}  digests")
    throughput = {workers: _marginal(runs, by_runs[runs], by_runs[2 * runs]) for workers, by_runs in figures.items()}
    for workers, by_runs in figures.items():
        one, two = by_runs[runs], by_runs[2 * runs]
        print(f"{workers:>7} {one['seconds']:>9.1f}{runs / one['seconds']:>9.1f} {two['seconds']:>9.1f}"
              f"{2 * runs / two['seconds']:>9.1f}  {throughput[workers]:>12.1f}  "
              f"{one['digest'][:16]} {two['digest'][:16]}")
    same = all(figures[1][count]["digest"] == figures[2][count]["digest"] for count in (runs, 2 * runs))
    print(f"        two workers / one: {runs} runs {figures[1][runs]['seconds'] / figures[2][runs]['seconds']:.2f}x "
          f"(start-up included); throughput (extra runs per extra second) {throughput[2] / throughput[1]:.2f}x; "
          f"results {'identical' if same else 'DIFFERENT'}")


def _marginal(runs: int, one: dict, two: dict) -> float:
    """Runs per second of the second ``runs`` runs: what the sweep of twice as many took more
    (start-up, the first chunks' imports and the tail cancel out)."""
    return runs / (two["seconds"] - one["seconds"])


def dask_scaling(runs: int, years: int) -> None:
    """The same sweep on Dask with one worker and with two, of ``runs`` runs and of twice as
    many: runs per second, and whether the results are the same table. The sweep's runs per
    second include a fixed start-up; the extra runs per extra second between the two sweeps
    are the workers' throughput. Twice: on a private LocalCluster the sweep starts and stops
    (what `ssr-sim sweep --executor dask` costs on one machine, start-up included), and on a
    cluster already running, as `--address` uses one (the scale-out case: a scheduler and
    workers started apart, warmed by a 20-run sweep so each worker has imported the model)."""
    from distributed import LocalCluster

    counts = (runs, 2 * runs)
    _print_scaling("private LocalCluster started by the sweep (one single-threaded worker process each)", runs,
                   {workers: {count: measure("dask", count, years, workers) for count in counts}
                    for workers in (1, 2)})
    running: dict[int, dict[int, dict]] = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            measure("dask", 20, years, workers, cluster.scheduler_address)
            running[workers] = {count: measure("dask", count, years, workers, cluster.scheduler_address)
                                for count in counts}
    _print_scaling("cluster already running (scheduler and workers started apart, warmed by 20 runs)", runs, running)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--dask-runs", type=int, default=2000,
                        help="runs of the Dask scaling check, which also runs twice as many (0: skip it)")
    parser.add_argument("--batch-run-max", type=int, help="time mesa.batch_run on at most this many runs")
    parser.add_argument("--child", choices=("sweep", "batch_run", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        if args.child == "batch_run":
            figures = child_batch_run(args.runs[0], args.years, args.workers)
        else:
            figures = child_sweep(args.runs[0], args.years, args.workers,
                                  "dask" if args.child == "dask" else "processes", args.address)
        print(json.dumps(figures))
        return
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores at the start")
    print(f"baseline scenario, {args.years}-year runs, {args.workers} worker processes")
    print(f"{'runs':>7} {'tool':<15}{'seconds':>9}{'runs/s':>9}{'peak MiB':>10}")
    reference: tuple[int, dict] | None = None  # mesa.batch_run's last measurement: its run count, figures
    for runs in args.runs:
        reference_runs = min(runs, args.batch_run_max or runs)
        if reference is None or reference[0] != reference_runs:
            reference = (reference_runs, measure("batch_run", reference_runs, args.years, args.workers))
        sweep = measure("sweep", runs, args.years, args.workers)
        measured_runs, batch_run = reference
        batch_rate = measured_runs / batch_run["seconds"]
        if measured_runs == runs:
            print(f"{runs:>7} {'mesa.batch_run':<15}{batch_run['seconds']:>9.1f}{batch_rate:>9.1f}"
                  f"{batch_run['peak_mib']:>10.0f}")
        else:
            print(f"{runs:>7} {'mesa.batch_run':<15}{'':>9}{batch_rate:>9.1f}{'':>10}  (rate on {measured_runs:,} runs)")
        print(f"{runs:>7} {'ssr-sim sweep':<15}{sweep['seconds']:>9.1f}{runs / sweep['seconds']:>9.1f}"
              f"{sweep['peak_mib']:>10.0f}")
        print(f"{'':>7} sweep / batch_run runs per second: {runs / sweep['seconds'] / batch_rate:.2f}x")
    if args.dask_runs:
        dask_scaling(args.dask_runs, args.years)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
