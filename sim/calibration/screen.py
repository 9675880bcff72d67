"""Morris screen of the mechanism coefficients on the calibration targets.

    python -m sim.calibration.screen --trajectories N --countries M [--seed S] [--workers W]
        [--only PATTERN ...] [--population FILE] [--targets FILE] [--out results/calibration/screen.md]
    python -m sim.calibration.screen --at PATH=VALUE ... --countries M [--step 0.1] [--subset-size K ...] ...

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

Identifiability (:func:`identifiable_selection`): a coefficient can matter and still not be
learnt, when another one's effect on the targets can stand in for it (a ridge: faster capability
growth with faster decay give the same paces). Brun, Reichert & Künsch (2001, Water Resour. Res.
37:1015) measure this with the collinearity index of a set K of coefficients,
γ_K = 1 / √λ_min(S̃_Kᵀ S̃_K), where S̃ holds the sensitivity of every output to every coefficient,
each column scaled to unit length: γ_K is the factor by which the targets' change under a change of
the coefficients in K can be shrunk by the best compensating change of the others in K (γ = 1:
orthogonal effects; γ = ∞: a perfect ridge). They take γ above 10-15 as poorly identifiable. S
comes from either

- the screen's own elementary effects (:func:`sensitivity_matrix`, reported with every screen):
  every trajectory moves each coefficient once, so it gives a full matrix of fitted targets (in
  tolerances) per prior range; the trajectories' matrices are stacked, so a set counts as
  collinear only if one compensation works across the whole prior alike; or
- central differences at one point (``--at``, :func:`local_sensitivities`), Brun et al.'s own,
  local analysis: whether the coefficients can be told apart where the fit is.

:func:`identifiable_selection` lets coefficients join in order of importance, Brun's δ_msqr (the
root-mean-square sensitivity), if their effect selects them and the set stays at or below
:data:`COLLINEARITY_LIMIT`; :func:`best_subsets` is Brun et al.'s selection proper: of every set of
a given size with γ at most the limit, the one that moves the targets most (determinant measure).
"""

from __future__ import annotations

import argparse
import fnmatch
import itertools
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
from .population import PopulationPrior, draw_population, load_population_prior
from .priors import Prior, parameter_priors, uncalibrated_parameters
from .targets import Target, TargetSet, load_targets, population_statistics, target_table

POPULATION_FILE = Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "population.yaml"
#: Grid levels of the Morris design (Morris 1991; 4 is SALib's default and the usual choice).
LEVELS = 4
#: A coefficient matters when μ* >= this share of a fitted target's tolerance (see the module docstring).
SELECTION_SHARE = 0.5

#: Brun et al. (2001): above 10-15 a set of coefficients is poorly identifiable; the stricter end.
COLLINEARITY_LIMIT = 10.0

#: The population and targets every point is evaluated on, per process (set once, never pickled per point).
_CONTEXT: dict[str, Any] = {}


class ScreenResult(NamedTuple):
    """What a screen found: effects (one row per coefficient x target), the target table at the
    documented defaults, the coefficients screened, the design and its outputs (one row a point,
    one column a coefficient / a target), and its cost."""

    effects: pd.DataFrame
    defaults: pd.DataFrame
    priors: list[Prior]
    design: pd.DataFrame
    outputs: pd.DataFrame
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


def _evaluate(points: Sequence[Mapping[str, float]], population: Sequence[Scenario], seeds: Sequence[int],
              targets: TargetSet, *, workers: int, progress: bool) -> np.ndarray:
    """Every target's statistic (columns) at every point (rows), all on the same countries and seeds."""
    _set_context(population, seeds, targets)
    outputs = []
    with tqdm(total=len(points), desc="points", unit="point", disable=not progress) as bar:
        if workers > 1:
            with ProcessPoolExecutor(workers, initializer=_set_context,
                                     initargs=(population, seeds, targets)) as pool:
                for output in pool.map(evaluate_point, points):
                    outputs.append(output)
                    bar.update()
        else:
            for point in points:
                outputs.append(evaluate_point(point))
                bar.update()
    return np.asarray(outputs, dtype=float)


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
    population, seeds = draw_population(prior, countries, rng)
    problem = {"num_vars": len(priors), "names": [p.path for p in priors],
               "bounds": [[p.low, p.high] for p in priors]}
    design = morris_sample.sample(problem, trajectories, num_levels=LEVELS, seed=int(rng.integers(2**31)))
    points = [dict(zip(problem["names"], (float(x) for x in row))) for row in design]
    started = time.perf_counter()
    defaults = target_table(population, run_seeds(population, seeds), targets)
    values = _evaluate(points, population, seeds, targets, workers=workers, progress=progress)
    seconds = time.perf_counter() - started
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
    return ScreenResult(effects, defaults, list(priors), pd.DataFrame(design, columns=problem["names"]),
                        pd.DataFrame(values, columns=[t.name for t in targets.targets]), len(points) + 1, countries, seconds,
                        seconds / (len(points) + 1) * max(workers, 1), workers)


def select(effects: pd.DataFrame, share: float = SELECTION_SHARE) -> list[str]:
    """The coefficients that matter: μ* >= ``share`` x tolerance on at least one fitted target."""
    fitted = effects[(effects["role"] == "fit") & (effects["mu_star_per_tolerance"] >= share)]
    return [p for p in dict.fromkeys(effects["parameter"]) if p in set(fitted["parameter"])]


def _fitted(targets: TargetSet) -> list[Target]:
    """The targets a sensitivity is read on: fitted, with a tolerance to scale by."""
    return [t for t in targets.targets if t.role == "fit" and t.tolerance > 0]


def _selected_by_effect(sensitivities: pd.DataFrame, share: float = SELECTION_SHARE) -> pd.Series:
    """Per coefficient: whether its mean absolute sensitivity over trajectories (μ*/tolerance) is at
    least ``share`` on some fitted target, :func:`select`'s rule."""
    return sensitivities.abs().groupby(level="target").mean().max() >= share


def sensitivity_matrix(result: ScreenResult, targets: TargetSet) -> pd.DataFrame:
    """Scaled local sensitivities from a Morris design: one row per trajectory x fitted target, one
    column per coefficient, the change of the target in tolerances per prior range the coefficient
    moved, from the step of that trajectory that moved it."""
    fitted = _fitted(targets)
    names = [p.path for p in result.priors]
    ranges = np.array([p.high - p.low for p in result.priors])
    design = result.design[names].to_numpy()
    outputs = result.outputs[[t.name for t in fitted]].to_numpy() / np.array([t.tolerance for t in fitted])
    steps = len(names) + 1
    trajectories = len(design) // steps
    rows, index = [], []
    for trajectory in range(trajectories):
        points = slice(trajectory * steps, (trajectory + 1) * steps)
        moves = np.diff(design[points], axis=0) / ranges
        changes = np.diff(outputs[points], axis=0)
        sensitivity = np.full((len(fitted), len(names)), np.nan)
        for move, change in zip(moves, changes):
            (coefficient,) = np.flatnonzero(move)
            sensitivity[:, coefficient] = change / move[coefficient]
        rows.append(sensitivity)
        index += [(trajectory, t.name) for t in fitted]
    return pd.DataFrame(np.vstack(rows), columns=names, index=pd.MultiIndex.from_tuples(index, names=["trajectory", "target"]))


def collinearity_index(sensitivities: pd.DataFrame, coefficients: Sequence[str]) -> float:
    """Brun et al. (2001): γ_K = 1 / √λ_min(S̃_Kᵀ S̃_K), S̃_K the columns ``coefficients`` of
    ``sensitivities``, each scaled to unit length (∞ when a column is zero or the set is collinear)."""
    columns = sensitivities[list(coefficients)].to_numpy()
    norms = np.linalg.norm(columns, axis=0)
    if np.any(norms == 0):
        return math.inf
    smallest = float(np.linalg.eigvalsh((columns / norms).T @ (columns / norms))[0])
    return math.inf if smallest <= 0 else 1 / math.sqrt(smallest)


def local_sensitivities(prior: PopulationPrior, targets: TargetSet, priors: Sequence[Prior],
                        point: Mapping[str, float], *, step: float, countries: int, seed: int, workers: int = 1,
                        progress: bool = True) -> pd.DataFrame:
    """Scaled sensitivities at one point by central differences, in the layout of
    :func:`sensitivity_matrix` (one row per fitted target, one column per coefficient): each
    coefficient moved ``step`` of its prior range either side of ``point`` (clipped to the prior;
    coefficients not in ``point`` at their documented default), on one population (common random
    numbers), the change in tolerances per prior range. Brun et al.'s analysis is local: this is
    it at the region a calibration has narrowed to."""
    if not 0 < step <= 0.5:
        raise ValueError(f"step {step}: a share of the prior range in (0, 0.5]")
    unknown = sorted(set(point) - {p.path for p in parameter_priors()})
    if unknown:
        raise ValueError(f"not calibratable coefficients: {unknown}")
    rng = np.random.default_rng(seed)
    population, seeds = draw_population(prior, countries, rng)
    centre = {p.path: float(point.get(p.path, p.default)) for p in priors}
    points, moves = [], []
    for p in priors:
        low = max(p.low, centre[p.path] - step * (p.high - p.low))
        high = min(p.high, centre[p.path] + step * (p.high - p.low))
        points += [{**point, **centre, p.path: low}, {**point, **centre, p.path: high}]
        moves.append((high - low) / (p.high - p.low))
    values = _evaluate(points, population, seeds, targets, workers=workers, progress=progress)
    fitted = _fitted(targets)
    columns = [targets.targets.index(t) for t in fitted]
    changes = values[1::2, columns] - values[0::2, columns]
    matrix = changes.T / np.array([[t.tolerance] for t in fitted]) / np.array(moves)
    index = pd.MultiIndex.from_tuples([(0, t.name) for t in fitted], names=["trajectory", "target"])
    return pd.DataFrame(matrix, columns=[p.path for p in priors], index=index)


def identifiable_selection(sensitivities: pd.DataFrame, limit: float = COLLINEARITY_LIMIT,
                           share: float = SELECTION_SHARE) -> pd.DataFrame:
    """Coefficients in order of importance (δ_msqr, the root-mean-square scaled sensitivity), each with
    whether its effect selects it (the mean absolute sensitivity over trajectories, μ*/tolerance, at
    least ``share`` on some fitted target: :func:`select`'s rule), the collinearity index of the set
    chosen so far with it, and whether it joins (selected and the index at most ``limit``)."""
    importance = np.sqrt((sensitivities**2).mean())
    selected_by_effect = _selected_by_effect(sensitivities, share)
    chosen: list[str] = []
    rows = []
    for coefficient in importance.sort_values(ascending=False).index:
        index = collinearity_index(sensitivities, [*chosen, coefficient])
        selected = bool(selected_by_effect[coefficient])
        joins = selected and index <= limit
        if joins:
            chosen.append(coefficient)
        rows.append({"parameter": coefficient, "delta_msqr": float(importance[coefficient]),
                     "selected_by_effect": selected, "collinearity_with_chosen": index, "joins": joins})
    return pd.DataFrame(rows)


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
    lines += ["### Identifiability", "",
              "Collinearity index (Brun, Reichert & Künsch 2001) from the screen's elementary effects, the "
              "trajectories' matrices stacked (`identifiable_selection`).", "",
              *identifiability_lines(identifiable_selection(sensitivity_matrix(result, targets)))]
    return "\n".join(lines)


def identifiability_lines(identifiable: pd.DataFrame) -> list[str]:
    """Markdown: the rule and the table of :func:`identifiable_selection`."""
    lines = [f"Coefficients in order of importance δ_msqr (root-mean-square change of the fitted targets, in "
             "tolerances, per prior range), each joining the fitted set if its effect selects it (μ*/tolerance "
             f"at least {SELECTION_SHARE:g} on a fitted target) and the set's index stays at most "
             f"{COLLINEARITY_LIMIT:g} (above 10-15 a set is poorly identifiable: some change of its coefficients "
             "moves the targets by less than a tenth of what each alone does). "
             f"Fitted set: {int(identifiable['joins'].sum())} of {len(identifiable)}.", "",
             "| parameter | δ_msqr | selected by effect | γ with the set chosen before it | joins |",
             "|---|---|---|---|---|"]
    for row in identifiable.itertuples():
        lines.append(f"| `{row.parameter}` | {row.delta_msqr:.2f} | {'yes' if row.selected_by_effect else ''} | "
                     f"{row.collinearity_with_chosen:.1f} | {'yes' if row.joins else ''} |")
    return lines + [""]


def best_subsets(sensitivities: pd.DataFrame, size: int, limit: float = COLLINEARITY_LIMIT, top: int = 5,
                 share: float = SELECTION_SHARE) -> pd.DataFrame:
    """Brun et al.'s (2001) subset selection: of every set of ``size`` coefficients that their effects
    select (as in :func:`identifiable_selection`), those whose collinearity index is at most
    ``limit``, the ``top`` with the largest determinant measure ρ_K = det(S_Kᵀ S_K)^(1/2k) (S
    unscaled: how strongly the set moves the targets, jointly), largest first; with the number of
    such sets (``identifiable_sets``) and of sets tried (``sets``)."""
    selected = _selected_by_effect(sensitivities, share)
    candidates = [name for name in sensitivities.columns if selected[name]]
    if not 1 <= size <= len(candidates):
        raise ValueError(f"subsets of {size}: {len(candidates)} coefficients are selected by their effects")
    if math.comb(len(candidates), size) > 200_000:
        raise ValueError(f"{math.comb(len(candidates), size)} subsets of {size} of {len(candidates)}: too many to "
                         "try; screen fewer coefficients (--only)")
    matrix = sensitivities[candidates].to_numpy()
    rows = []
    for subset in itertools.combinations(range(len(candidates)), size):
        names = [candidates[j] for j in subset]
        index = collinearity_index(sensitivities, names)
        if index <= limit:
            columns = matrix[:, subset]
            determinant = max(float(np.linalg.det(columns.T @ columns)), 0.0)
            rows.append({"parameters": names, "collinearity": index, "determinant_measure": determinant ** (1 / (2 * size))})
    found = pd.DataFrame(rows, columns=["parameters", "collinearity", "determinant_measure"])
    found = found.sort_values("determinant_measure", ascending=False, kind="stable").head(top).reset_index(drop=True)
    found.attrs.update(identifiable_sets=len(rows), sets=math.comb(len(candidates), size))
    return found


def local_report(sensitivities: pd.DataFrame, point: Mapping[str, float], step: float, countries: int,
                 seconds: float, command: str, subset_sizes: Sequence[int]) -> str:
    """Markdown: the local identifiability analysis of :func:`local_sensitivities`, and the best
    subsets of each of ``subset_sizes`` coefficients (:func:`best_subsets`)."""
    lines = []
    for size in subset_sizes:
        subsets = best_subsets(sensitivities, size)
        lines += [f"Sets of {size} (Brun et al.'s selection: collinearity index at most {COLLINEARITY_LIMIT:g}, "
                  f"then the largest determinant measure ρ = det(SᵀS)^(1/2k)): {subsets.attrs['identifiable_sets']} "
                  f"of {subsets.attrs['sets']} sets qualify; the best:", "", "| set | γ | ρ |", "|---|---|---|",
                  *(f"| {', '.join(name.rsplit('.', 1)[-1] for name in row.parameters)} | {row.collinearity:.1f} | "
                    f"{row.determinant_measure:.2f} |" for row in subsets.itertuples()), ""]
    where = ", ".join(f"`{path}` = {value:g}" for path, value in point.items()) or "the documented defaults"
    return "\n".join([
        "### Local identifiability", "",
        f"Generated by `{command}` ({2 * sensitivities.shape[1]} points, {countries} synthetic countries a point, "
        f"{seconds:.0f} s). Central differences of ±{step:g} of each prior range at {where} (every other "
        "coefficient at its documented default), all on the same countries and seeds.", "",
        *identifiability_lines(identifiable_selection(sensitivities)), *lines,
        "Sensitivities (change of each fitted target, in tolerances, per prior range):", "",
        sensitivities.droplevel("trajectory").T.to_markdown(floatfmt=".2f"), ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.calibration.screen", description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=None,
                        help="Morris trajectories (10-20 for a real screen; required unless --at)")
    parser.add_argument("--countries", type=int, required=True,
                        help="synthetic countries a point (at least the targets' population size)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the population, its runs and the design")
    parser.add_argument("--workers", type=int, default=1, help="processes evaluating points (default 1)")
    parser.add_argument("--only", nargs="*", default=[], help="glob patterns of coefficients to screen (default all)")
    parser.add_argument("--population", type=Path, default=POPULATION_FILE)
    parser.add_argument("--targets", type=Path, default=None)
    parser.add_argument("--at", nargs="+", default=None, metavar="PATH=VALUE",
                        help="instead of a Morris screen, a local identifiability analysis at this point")
    parser.add_argument("--step", type=float, default=0.1,
                        help="with --at: central differences of this share of each prior range (default 0.1)")
    parser.add_argument("--subset-size", type=int, nargs="+", default=None,
                        help="with --at: sizes of the best sets to list (default: the fitted targets that are "
                             "values, i.e. two-sided, or the coefficients selected by effect if fewer)")
    parser.add_argument("--out", type=Path, default=Path("results/calibration/screen.md"),
                        help="Markdown report (default results/calibration/screen.md; the points beside it as .points.csv)")
    args = parser.parse_args(argv)
    prior = load_population_prior(args.population)
    targets = load_targets(args.targets) if args.targets else load_targets()
    command = "python -m sim.calibration.screen " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.at is None and args.trajectories is None:
        parser.error("--trajectories is required for a Morris screen (or --at for a local analysis)")
    if args.at is not None:
        point = {}
        for item in args.at:
            path, _, value = item.partition("=")
            try:
                point[path] = float(value)
            except ValueError:
                parser.error(f"--at {item}: expected PATH=NUMBER")
        started = time.perf_counter()
        try:
            sensitivities = local_sensitivities(prior, targets, matching_priors(args.only), point, step=args.step,
                                                countries=args.countries, seed=args.seed, workers=args.workers)
            value_targets = sum(t.role == "fit" and t.direction == "two_sided" for t in targets.targets)
            sizes = args.subset_size or [max(1, min(value_targets, int(_selected_by_effect(sensitivities).sum())))]
            text = local_report(sensitivities, point, args.step, args.countries, time.perf_counter() - started,
                                command, sizes)
        except ValueError as error:
            parser.error(str(error))
        points = None
    else:
        result = morris_screen(prior, targets, matching_priors(args.only), trajectories=args.trajectories,
                               countries=args.countries, seed=args.seed, workers=args.workers)
        text = report(result, prior, targets, command)
        # The design and its outputs, point by point, beside the report: what the effects were computed from.
        points = pd.concat([result.design, result.outputs], axis=1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    if points is not None:
        points.to_csv(args.out.with_suffix(".points.csv"), index=False)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
