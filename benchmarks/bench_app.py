"""Responsiveness of the app on a 300-actor scenario: one step plus the redraw of every panel.

Prints the time, asserts nothing (target: under 0.5 s on this machine). The redraw is what a
step in Explore mode costs on the server: the network's rings recoloured and its actors drawn
over the kept image, and the three charts' lines extended and drawn over theirs, each to PNG
(sim/app/live_figure.py); the browser then only swaps images. In the browser:
benchmarks/bench_app_play.py.

    python benchmarks/bench_app.py [--steps N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from sim.app.charts import CHART_BUILDERS, live_chart
from sim.app.network_view import network_figure
from sim import load_scenario
from sim.app.setup import AppModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    scenario = load_scenario("baseline", {"actors.civil_society.members.0.count": 260})
    model = AppModel(scenario, rng=1)
    started = time.perf_counter()
    network_figure(model)
    built = time.perf_counter() - started
    model.run(60)  # charts with five years of data, as a room would see them
    timings = []
    for _ in range(args.steps):
        started = time.perf_counter()
        model.step()
        network_figure(model).render(model.state.stance)
        for chart in CHART_BUILDERS:
            live_chart(model, chart).render(model)
        timings.append(time.perf_counter() - started)
    print(f"{len(model.state.names)} actors, {model.graph.number_of_edges()} ties; network figure built once "
          f"in {built:.3f} s")
    print(f"one step + redraw: median {statistics.median(timings):.3f} s, max {max(timings):.3f} s "
          f"over {args.steps} steps (target < 0.5 s)")


if __name__ == "__main__":
    main()
