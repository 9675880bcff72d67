"""Time `ssr-sim report` on a results folder of 100,000 runs.

    python benchmarks/bench_report.py [--runs 100000] [--replications 10]

Runs experiments/will_corruption_grid.yaml (20 grid points x 2 strategies, yearly series) for
--replications a point, then tiles those runs (new replication numbers and run keys, every
series kept) into a folder of --runs runs with the same manifest, and times build_report on it:
the summary tables, every figure (fan charts over ~4 million series rows, forest plot skipped
for 40 blocks, Kaplan-Meier, heatmaps, PRIM and the tree, the network) and both pages. Prints
the figure; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.report import build_report


def tiled_folder(source: Path, out: Path, runs: int) -> None:
    """``out``: the source sweep's runs (and series) repeated with new replication numbers up to ``runs`` runs."""
    base = pd.read_parquet(source / "runs.parquet")
    series = pd.read_parquet(source / "timeseries.parquet")
    copies = -(-runs // len(base))
    per_point = int(base.groupby("design_index")["replication"].nunique().max())
    tiled_runs, tiled_series = [], []
    for copy in range(copies):
        shift = copy * per_point
        tiled_runs.append(base.assign(replication=base["replication"] + shift, run_key=base["run_key"] + f"-{copy}"))
        tiled_series.append(series.assign(replication=series["replication"] + shift,
                                          run_key=series["run_key"] + f"-{copy}"))
    out.mkdir(parents=True)
    pd.concat(tiled_runs, ignore_index=True).iloc[:runs].to_parquet(out / "runs.parquet")
    kept = pd.concat(tiled_runs, ignore_index=True).iloc[:runs]["run_key"]
    all_series = pd.concat(tiled_series, ignore_index=True)
    all_series[all_series["run_key"].isin(set(kept))].to_parquet(out / "timeseries.parquet")
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    manifest["metadata"]["replications"] = per_point * copies
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        source = work / "source"
        subprocess.run([sys.executable, "-m", "sim", "sweep", "experiments/will_corruption_grid.yaml",
                        "--replications", str(args.replications), "--out", str(source), "--quiet"], check=True)
        folder = work / "big"
        tiled_folder(source, folder, args.runs)
        started = time.perf_counter()
        report = build_report(folder)
        elapsed = time.perf_counter() - started
        print(f"report of {args.runs:,} runs ({len(pd.read_parquet(folder / 'timeseries.parquet', columns=['month'])):,}"
              f" series rows): {elapsed:.1f} s, {len(report.figures) // 2} figures, report.html "
              f"{report.html.stat().st_size / 1e6:.1f} MB; load average {os.getloadavg()[0]:.2f} on "
              f"{os.cpu_count()} cores")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
