"""Throughput and memory of the experiment engine on a toy model.

Each (executor, size) case runs in a fresh child process, so peak RSS
(``ru_maxrss``, which only ever grows) belongs to that case alone.  Memory is
flat if the peak above the baseline (imports + the list of RunSpecs, which
the caller holds anyway) does not grow with the number of runs.

    .venv/bin/python benchmarks/bench_engine.py [--sizes 1000 10000] [--executors serial processes dask]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Mapping
from typing import Any

import numpy as np


def bench_run(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """A toy model costing ~0.1 ms: a few hundred random draws."""
    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.normal(size=200)) + float(params["x"])
    return {
        "final": float(walk[-1]),
        "peak": float(walk.max()),
        "success": bool(walk[-1] > 0),
        "crossings": int(np.sum(np.diff(np.sign(walk)) != 0)),
    }


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _measure(executor: str, size: int, workers: int, trace: bool) -> dict[str, Any]:
    from sim.experiments import design, make_runs, run_sweep

    runs = make_runs(design.grid({"x": np.linspace(-1, 1, size // 10).tolist()}), 10, master_seed=1)
    baseline = _rss_mib()
    if trace:
        tracemalloc.start()
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = run_sweep(runs, bench_run, out, executor=executor, workers=workers, progress="quiet")
        elapsed = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    return {
        "executor": executor,
        "runs": result.n_runs,
        "seconds": round(elapsed, 2),
        "runs_per_s": round(result.n_runs / elapsed),
        "rss_baseline_mib": round(baseline, 1),
        "rss_peak_mib": round(_rss_mib(), 1),
        "traced_peak_mib": None if traced_peak is None else round(traced_peak, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--executors", nargs="+", default=["serial", "processes"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", nargs=3, metavar=("EXECUTOR", "SIZE", "TRACE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        executor, size, trace = args.child
        print(json.dumps(_measure(executor, int(size), args.workers, trace == "trace")))
        return
    print(f"{'executor':<10} {'runs':>6} {'s':>7} {'runs/s':>7} {'rss base':>9} {'rss peak':>9} {'py peak':>8}  (MiB)")
    for executor in args.executors:
        for size in args.sizes:
            rows = []
            for trace in ("notrace", "trace"):  # timing without tracemalloc's overhead, then Python-heap peak
                out = subprocess.run(
                    [sys.executable, __file__, "--workers", str(args.workers), "--child", executor, str(size), trace],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            timed, traced = rows
            print(
                f"{executor:<10} {timed['runs']:>6} {timed['seconds']:>7} {timed['runs_per_s']:>7} "
                f"{timed['rss_baseline_mib']:>9} {timed['rss_peak_mib']:>9} {traced['traced_peak_mib']:>8}"
            )


if __name__ == "__main__":
    main()
