"""Morris screen of the mechanism coefficients on the calibration targets.

    python -m sim.calibration.screen --trajectories N --countries M [--seed S] [--workers W]
        [--only PATTERN ...] [--population FILE] [--targets FILE] [--out docs/calibration.md]

Elementary effects (Morris 1991), with SALib's trajectory design (``SALib.sample.morris``,
4 levels, the usual choice; Campolongo, Cariboni & Saltelli 2007 recommend 10-20 trajectories)
over the prior ranges of :func:`sim.calibration.priors.parameter_priors`. Every point of the
design is evaluated on the same synthetic population: the same countries
(:func:`sim.calibration.population.draw_countries`) run with the same seeds (common random
numbers), so an elementary effect is the change the coefficient makes, not a change of
countries or of luck. Each point yields every target statistic
(:mod:`sim.calibration.targets`); SALib's ``analyze`` gives μ* (mean absolute elementary
effect), μ and σ per coefficient per target. Effects are per unit of the unit hypercube, so μ*
is roughly how far the statistic moves when the coefficient crosses its whole prior range.

Selection rule (:func:`select`): a coefficient matters when, for at least one fitted target,
μ* is at least half that target's tolerance: crossing its prior range moves the statistic by
half of what the fit may miss by, so the fit can see it. Held-out checks and constraints do
not select (a check must stay out of the fit). The others stay fixed at their documented
defaults. Coefficients left out by ``--only`` are not screened and are not selected.
"""

from __future__ import annotations

import argparse
import fnmatch
import math
import sys
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.sample import morris as morris_sample
from tqdm import tqdm

from ..dynamics import run_seeds
from ..scenario import Scenario
from .population import PopulationPrior, draw_countries, load_population_prior
from .priors import Prior, parameter_priors, uncalibrated_parameters
from .targets import TargetSet, load_targets, population_statistics, target_table

POPULATION_FILE = Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "population.yaml"
#: Grid levels of the Morris design (Morris 1991; 4 is SALib's default and the usual choice).
LEVELS = 4
#: A coefficient matters when μ* >= this share of a fitted target's tolerance (see the module docstring).
SELECTION_SHARE = 0.5

#: The population and targets every point is evaluated on, per process (set once, never pickled per point).
_CONTEXT: dict[str, Any] = {}


class ScreenResult(NamedTuple):
    """What a screen found: effects (one row per coefficient x target), the target table at the
    documented defaults, the coefficients screened, and its cost."""

    effects: pd.DataFrame
    defaults: pd.DataFrame
    priors: list[Prior]
    points: int
    countries: int
    seconds: float
    seconds_per_point: float
    workers: int


def _set_context(countries: Sequence[Scenario], seeds: Sequence[int], targets: TargetSet) -> None:
    _CONTEXT.update(countries=list(countries), seeds=list(seeds), targets=targets)


def evaluate_point(values: Mapping[str, float]) -> list[float]:
    """Every target's statistic (in the targets file's order) for the context's population run
    with these coefficients."""
    targets: TargetSet = _CONTEXT["targets"]
    statistics = population_statistics(_CONTEXT["countries"], _CONTEXT["seeds"], targets, values)
    return [statistics[target.name].value for target in targets.targets]


def matching_priors(patterns: Sequence[str] = ()) -> list[Prior]:
    """The priors whose dotted path matches any of the glob ``patterns`` (all when none)."""
    priors = parameter_priors()
    chosen = [p for p in priors if not patterns or any(fnmatch.fnmatchcase(p.path, pattern) for pattern in patterns)]
    if not chosen:
        raise ValueError(f"no calibratable coefficient matches {list(patterns)}")
    return chosen


def morris_screen(prior: PopulationPrior, targets: TargetSet, priors: Sequence[Prior], *, trajectories: int,
                  countries: int, seed: int, workers: int = 1, progress: bool = True) -> ScreenResult:
    """Run a Morris screen: draw the population once, evaluate it at the documented defaults and
    at every point of a Morris design over ``priors``, and analyse each target's outputs."""
    if len(priors) < 2:
        raise ValueError("a Morris screen needs at least two coefficients")
    if trajectories < 2:
        raise ValueError("a Morris screen needs at least two trajectories (σ is a spread over them)")
    if countries < targets.population_size:
        raise ValueError(f"{countries} countries a point: the targets need at least their population size "
                         f"({targets.population_size})")
    rng = np.random.default_rng(seed)
    population = draw_countries(prior, countries, rng)
    seeds = [int(s) for s in rng.integers(0, 2**32, size=countries)]
    problem = {"num_vars": len(priors), "names": [p.path for p in priors],
               "bounds": [[p.low, p.high] for p in priors]}
    design = morris_sample.sample(problem, trajectories, num_levels=LEVELS, seed=int(rng.integers(2**31)))
    points = [dict(zip(problem["names"], (float(x) for x in row))) for row in design]
    started = time.perf_counter()
    defaults = target_table(population, run_seeds(population, seeds), targets)
    _set_context(population, seeds, targets)
    bar = tqdm(total=len(points), desc="Morris points", unit="point", disable=not progress)
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=_set_context, initargs=(population, seeds, targets)) as pool:
            outputs = []
            for output in pool.map(evaluate_point, points):
                outputs.append(output)
                bar.update()
    else:
        outputs = []
        for point in points:
            outputs.append(evaluate_point(point))
            bar.update()
    bar.close()
    seconds = time.perf_counter() - started
    values = np.asarray(outputs, dtype=float)
    rows = []
    for column, target in enumerate(targets.targets):
        if not np.all(np.isfinite(values[:, column])):
            raise ValueError(f"target {target.name} is not finite at some point; the population is too small "
                             "for it (e.g. no post-conflict or reforming country)")
        analysis = morris_analyze.analyze(problem, design, values[:, column], num_levels=LEVELS,
                                          seed=int(rng.integers(2**31)))
        for position, p in enumerate(priors):
            rows.append({"parameter": p.path, "target": target.name, "role": target.role,
                         "tolerance": target.tolerance, "mu": float(analysis["mu"][position]),
                         "mu_star": float(analysis["mu_star"][position]),
                         "mu_star_conf": float(analysis["mu_star_conf"][position]),
                         "sigma": float(analysis["sigma"][position])})
    effects = pd.DataFrame(rows)
    effects["mu_star_per_tolerance"] = effects["mu_star"] / effects["tolerance"].where(effects["tolerance"] > 0)
    return ScreenResult(effects, defaults, list(priors), len(points) + 1, countries, seconds,
                        seconds / (len(points) + 1) * max(workers, 1), workers)


def select(effects: pd.DataFrame, share: float = SELECTION_SHARE) -> list[str]:
    """The coefficients that matter: μ* >= ``share`` x tolerance on at least one fitted target."""
    fitted = effects[(effects["role"] == "fit") & (effects["mu_star_per_tolerance"] >= share)]
    return [p for p in dict.fromkeys(effects["parameter"]) if p in set(fitted["parameter"])]


def report(result: ScreenResult, prior: PopulationPrior, targets: TargetSet, command: str) -> str:
    """docs/calibration.md: what the population, targets and priors are, and what the screen found."""
    effects = result.effects
    chosen = select(effects)
    fitted = effects[effects["role"] == "fit"]
    strongest = fitted.loc[fitted.groupby("parameter", sort=False)["mu_star_per_tolerance"].idxmax()]
    lines = ["# Calibration: population, targets, priors and the Morris screen", "",
             f"Generated by `{command}` ({result.points} points including the documented defaults, "
             f"{result.countries} synthetic countries a point, {result.seconds:.0f} s on {result.workers} "
             f"worker(s): {result.seconds_per_point:.1f} s a point per worker). First part of issue 10; the ABC "
             "fit is to come. Code: `sim/calibration/`; data: `experiments/calibration/`.", "",
             "## Why a population", "",
             "The published figures are statistics of samples of countries (the fastest 20 of a sample, 8 of "
             "102), so the model is compared on synthetic countries drawn from a documented prior "
             "(`experiments/calibration/population.yaml`, every range with its reason), and every figure is "
             f"the expected statistic over populations of the published sample size ({targets.population_size}: "
             f"{targets.population_size_reason}). The fastest-k mean is averaged exactly over all populations "
             "of that size that can be drawn from the simulated countries (a U-statistic, "
             "`sim.calibration.targets.expected_fastest_mean`), so it does not drift with the number of runs: "
             "the fastest 20 of more runs would be faster, the expected fastest 20 of 102 is not.", "",
             "Bases and strategies (a country's strategy is drawn by its base's shares; most of the literature's "
             "countries ran no concerted programme, so most run the status quo):", "",
             "| base | share | strategies |", "|---|---|---|"]
    for name, base in prior.bases.items():
        mix = ", ".join(f"{strategy} {share:.0%}" for strategy, share in base.strategies.items())
        lines.append(f"| {name} | {base.share:.0%} | {mix} |")
    lines += ["", "Initial conditions (one draw a country):", "", "| variable | mode | distribution | paths |",
              "|---|---|---|---|"]
    for condition in prior.initial_conditions:
        shape = (f"{condition.distribution} {condition.low:g}-{condition.high:g}"
                 + (f", peak {condition.peak:g}" if condition.peak is not None else ""))
        only = f" ({', '.join(condition.bases)} only)" if condition.bases else ""
        lines.append(f"| {condition.name}{only} | {condition.mode} | {shape} | {', '.join(condition.paths)} |")
    lines += ["", "## Targets at the documented defaults", "",
              f"The same {result.countries} countries and seeds as every point of the screen, with every "
              "coefficient at its default. Roles: *fit* (a calibration target), *check* (held out of the fit, "
              "reported as a check), *constraint* (must hold). Sources and reasons: "
              "`experiments/calibration/targets.yaml`.", "",
              result.defaults.drop(columns=["source"]).to_markdown(index=False, floatfmt=".3g"), "",
              "T5 (a) punctuated equilibrium, (b) hysteresis and (c) premature load bearing need dedicated "
              "experiments rather than a population statistic; `docs/validation.md` reports them.", "",
              "## Morris screen", "",
              f"{len(result.priors)} coefficients screened over their prior ranges (`sim/scenario.py`, "
              "`json_schema_extra`), SALib Morris with 4 levels, every point on the same countries and seeds "
              f"(common random numbers). Rule: a coefficient is selected when μ* is at least {SELECTION_SHARE:g} "
              "of a fitted target's tolerance for at least one fitted target. "
              f"Selected: {len(chosen)} of {len(result.priors)}.", "",
              "| parameter | prior | default | largest μ*/tolerance | on target | σ/μ* there | selected |",
              "|---|---|---|---|---|---|---|"]
    for p in result.priors:
        row = strongest[strongest["parameter"] == p.path].iloc[0]
        spread = row["sigma"] / row["mu_star"] if row["mu_star"] > 0 else math.nan
        lines.append(f"| `{p.path}` | {p.low:g}-{p.high:g} | {p.default:g} | {row['mu_star_per_tolerance']:.2f} | "
                     f"{row['target']} | {spread:.2f} | {'yes' if p.path in chosen else ''} |")
    lines += ["", "Not calibrated (kept at the documented value):", ""]
    lines += [f"- `{path}`: {reason}" for path, reason in uncalibrated_parameters().items()]
    lines += ["- `mechanisms.interventions.*`: sizes of workshop decisions, which no published target describes", "",
              "### μ*/tolerance per fitted target", "",
              fitted.pivot(index="parameter", columns="target", values="mu_star_per_tolerance")
              .reindex([p.path for p in result.priors]).to_markdown(floatfmt=".2f"), "",
              "At a small design μ* carries noise as well as effect: with common random numbers the same "
              "countries and seeds run at every point, but a changed coefficient changes each run's path, so "
              "runs near a threshold can cross or not. `mu_star_conf` (SALib's bootstrap) is in the effects "
              "table returned by `morris_screen`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.calibration.screen", description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, required=True, help="Morris trajectories (10-20 for a real screen)")
    parser.add_argument("--countries", type=int, required=True,
                        help="synthetic countries a point (at least the targets' population size)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the population, its runs and the design")
    parser.add_argument("--workers", type=int, default=1, help="processes evaluating points (default 1)")
    parser.add_argument("--only", nargs="*", default=[], help="glob patterns of coefficients to screen (default all)")
    parser.add_argument("--population", type=Path, default=POPULATION_FILE)
    parser.add_argument("--targets", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("docs/calibration.md"))
    args = parser.parse_args(argv)
    prior = load_population_prior(args.population)
    targets = load_targets(args.targets) if args.targets else load_targets()
    result = morris_screen(prior, targets, matching_priors(args.only), trajectories=args.trajectories,
                           countries=args.countries, seed=args.seed, workers=args.workers)
    command = "python -m sim.calibration.screen " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(result, prior, targets, command)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
