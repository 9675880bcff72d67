"""How many synthetic countries reach each headline indicator's threshold, and how soon: the
diagnostic behind docs/calibration.md's "Why the three paces miss".

    python -m sim.calibration.pace [--countries 408] [--seed 1] [--set mechanisms.capacity.growth_rate=0.02 ...] [--targets]

The published fastest-20 means (WDR 2011 Box 3.6) need about 20 of 102 countries to get from
far below the threshold to it within roughly that many years; this counts, per 102 countries of
a population drawn from ``experiments/calibration/population.yaml``, those that did by each
year, with every coefficient at its documented value unless ``--set`` changes it. ``--targets``
adds every calibration target computed on the same runs (published, model, inside or not): a
quick look at one point of the prior before a calibration searches it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..dynamics import SeedRuns, run_seeds
from ..fields import HEADLINE_INDICATORS
from .population import PopulationPrior, draw_population, load_population_prior
from .priors import with_parameters
from .screen import POPULATION_FILE
from ..scenario import Scenario
from .targets import country_table, target_table, years_from_far_below

#: Years the table reads: the published fastest-20 means (17-41) and the horizon.
YEARS = (17, 20, 27, 36, 41, 60)
#: How far below the threshold a country must start to count (as the T1 targets).
START_MARGIN = 0.15


def simulate(prior: PopulationPrior, countries: int, seed: int,
             values: Mapping[str, float] | None = None) -> tuple[list[Scenario], SeedRuns]:
    """``countries`` countries drawn from ``prior`` and their runs, every coefficient documented
    unless ``values`` sets it (the same draw and seeds for any ``values``)."""
    drawn, seeds = draw_population(prior, countries, np.random.default_rng(seed))
    if values:
        drawn = [with_parameters(country, values) for country in drawn]
    return drawn, run_seeds(drawn, seeds)


def reach_table(countries: Sequence[Scenario], runs: SeedRuns, years: Sequence[int] = YEARS) -> pd.DataFrame:
    """Per headline indicator: the share of countries starting at least :data:`START_MARGIN`
    below the threshold, and per 102 countries how many reached it from there by each year,
    overall and among countries that ran a reform strategy and the status quo."""
    table = country_table(countries, runs)
    reforming = (table["strategy"] != "status_quo").to_numpy()
    rows = []
    for indicator in HEADLINE_INDICATORS:
        taken, censored = years_from_far_below(table, indicator, START_MARGIN)
        reached = ~censored
        rows.append({"indicator": indicator,
                     "start_far_below": float((table[f"initial_{indicator}"]
                                               <= table["threshold"] - START_MARGIN).mean()),
                     **{f"by_{year}_years_per_102": 102 * float(np.mean(reached & (taken <= year))) for year in years},
                     "reached_share_reforming": float(reached[reforming].mean()) if reforming.any() else np.nan,
                     "reached_share_status_quo": float(reached[~reforming].mean()) if (~reforming).any() else np.nan})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.calibration.pace", description=__doc__.splitlines()[0])
    parser.add_argument("--countries", type=int, default=408)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                        help="a mechanism coefficient, e.g. mechanisms.capacity.growth_rate=0.02")
    parser.add_argument("--targets", action="store_true", help="also every calibration target on the same runs")
    args = parser.parse_args(argv)
    values = {}
    for item in args.set:
        path, _, value = item.partition("=")
        values[path] = float(value)
    countries, runs = simulate(load_population_prior(POPULATION_FILE), args.countries, args.seed, values)
    print(reach_table(countries, runs).to_markdown(index=False, floatfmt=".2f"))
    if args.targets:
        table = target_table(countries, runs)
        print(table[["target", "role", "published", "model", "tolerance", "inside"]]
              .to_markdown(index=False, floatfmt=".2f"))
        fitted = table[table["role"] == "fit"]
        print(f"fitted targets inside their tolerance: {int(fitted['inside'].sum())} of {len(fitted)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
