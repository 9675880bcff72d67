"""Network scale: ties per agent, time and memory from 10^3 to 10^5 agents (issue 12).

Prints figures, asserts nothing. The scenario is ``scenarios/national.yaml`` (about 10^5 agents)
with every member's ``count`` scaled by one factor, so the mix of agent types is the same at
every size (up to rounding, and the members of one agent, such as the army, stay one). Each size runs in a fresh child process, so its peak resident memory (``VmHWM``)
is its own. Per size: ties per agent of each type (a tie counted once, at its target); the
time to build a single run (``ReformModel``: agents, network, matrices) and to run it 40 years
(DataCollector on, as ``ssr-sim run``); the peak memory next to :func:`sim.footprint.estimate_memory`;
and, at the largest size, a full month's step against one sparse influence update
(Friedkin-Johnsen, :func:`sim.mechanisms.influence.friedkin_johnsen_step`) on the same network.

    python benchmarks/bench_network.py [--sizes 1000 10000 100000] [--degree-scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from sim import ReformModel
from sim.footprint import MIB, estimate_memory
from sim.mechanisms.influence import friedkin_johnsen_step
from sim.network import build_ties
from sim.state import build_state
from sim.scenario import ACTOR_TYPES, TIE_TYPES, Scenario, load_scenario_data, scenario_from_dict

NATIONAL = Path(__file__).resolve().parents[1] / "scenarios" / "national.yaml"


def national_at(agents: int, degree_scale: float = 1.0) -> Scenario:
    """``national`` with every member's count (ministries excepted) scaled to about ``agents``
    agents in all (each count at least 1), and every rule's mean degree times ``degree_scale``."""
    data = load_scenario_data(NATIONAL)
    scenario = scenario_from_dict(data, NATIONAL, NATIONAL.parent)
    factor = agents / scenario.actor_count()
    for type_name in ACTOR_TYPES:
        if type_name == "ministry":
            continue
        for member in data["actors"][type_name]["members"]:
            member["count"] = max(1, round(member.get("count", 1) * factor))
    data["network"] = {"rules": [{**rule.model_dump(), "mean_degree": rule.mean_degree * degree_scale}
                                 for rule in scenario.network.rules]}
    return scenario_from_dict(data, NATIONAL, NATIONAL.parent)


def peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(agents: int, degree_scale: float, compare_step: bool) -> dict[str, Any]:
    """One size, in this process: build, a 40-year run, ties per agent, peak memory."""
    scenario = national_at(agents, degree_scale)
    actors = scenario.actor_count()
    # Ties per agent, averaged over this many networks (built first: they hold less than a run
    # does, so the peak below is the run's).
    networks = max(1, min(50, 100_000 // actors))
    counts = dict.fromkeys(TIE_TYPES, 0.0)
    for seed in range(networks):
        rng = np.random.default_rng(seed)
        for kind, count in build_ties(scenario, build_state(scenario, rng), rng).count_by_type().items():
            counts[kind] += count / networks
    started = time.perf_counter()
    model = ReformModel(scenario, rng=1)
    build = time.perf_counter() - started
    started = time.perf_counter()
    model.run()
    run = time.perf_counter() - started
    figures: dict[str, Any] = {
        "agents": actors, "ties": len(model.ties), "networks": networks, "degree": {t: counts[t] / actors for t in TIE_TYPES},
        "build_s": build, "run_s": run, "months": scenario.steps,
        "peak_bytes": peak_rss_bytes(),
        "estimate_bytes": estimate_memory(scenario, single_run=True,
                                          recorded_series=len(model.batch.indicator_names())).total_bytes,
    }
    if compare_step:
        batch, months = model.batch, 24
        started = time.perf_counter()
        for _ in range(months):
            batch.step()
        figures["step_s"] = (time.perf_counter() - started) / months
        state, weights = batch.state, batch.matrices.influence.matrix
        stance, susceptibility = state.stance[0].copy(), state.susceptibility[0]
        anchor = np.full_like(stance, 0.5)
        repeats = 200
        started = time.perf_counter()
        for _ in range(repeats):
            stance = friedkin_johnsen_step(stance, anchor, weights, susceptibility)
        figures["influence_s"] = (time.perf_counter() - started) / repeats
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--degree-scale", type=float, default=1.0, help="multiply every rule's mean degree")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--compare-step", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.degree_scale, args.compare_step)))
        return

    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--child", str(size), "--degree-scale", str(args.degree_scale)]
        if size == max(args.sizes):
            command.append("--compare-step")
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results.append(json.loads(output.splitlines()[-1]))

    print("ties per agent, by type (counted at the target; mean over the networks of seeds 0..k-1)")
    print(f"{'agents':>9}{'k':>4}" + "".join(f"{t:>11}" for t in TIE_TYPES) + f"{'all':>9}")
    for r in results:
        print(f"{r['agents']:>9,}{r['networks']:>4}" + "".join(f"{r['degree'][t]:>11.3f}" for t in TIE_TYPES)
              + f"{sum(r['degree'].values()):>9.3f}")
    first, last = results[0], results[-1]
    print(f"change {first['agents']:,} -> {last['agents']:,} agents: "
          + ", ".join(f"{t} {100 * (last['degree'][t] / first['degree'][t] - 1):+.1f} %"
                      for t in TIE_TYPES if first["degree"][t] > 0))

    print(f"\n{'agents':>9}{'ties':>11}{'build s':>9}{'40-year run s':>15}{'peak MB':>9}{'estimate MB':>13}")
    for r in results:
        print(f"{r['agents']:>9,}{r['ties']:>11,}{r['build_s']:>9.2f}{r['run_s']:>15.2f}"
              f"{r['peak_bytes'] / MIB:>9.0f}{r['estimate_bytes'] / MIB:>13.0f}")
    for before, after in zip(results, results[1:]):
        ratio = after["agents"] / before["agents"]
        total = (after["build_s"] + after["run_s"]) / (before["build_s"] + before["run_s"])
        print(f"{before['agents']:,} -> {after['agents']:,} agents ({ratio:.0f}x): build + run {total:.1f}x, "
              f"run {after['run_s'] / before['run_s']:.1f}x")
    print(f"\nat {last['agents']:,} agents: a full step {1000 * last['step_s']:.1f} ms, one sparse influence update "
          f"{1000 * last['influence_s']:.2f} ms: {last['step_s'] / last['influence_s']:.1f}x")


if __name__ == "__main__":
    main()
