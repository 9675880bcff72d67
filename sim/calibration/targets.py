"""The literature's targets (T1-T5) computed the way they were published, from a population's runs.

A published figure is a statistic of a fixed sample of countries: "the fastest 20" of the
countries a study had, "8 of 102". The fastest 20 of however many runs were simulated is not
that statistic: it falls as runs are added (more runs, faster fastest 20). So every figure here
is the expected value of the statistic over populations of the published sample size
(``population_size`` in ``experiments/calibration/targets.yaml``) drawn from the simulated
countries. For the fastest-k mean that expectation is computed exactly, over every population
of that size that can be drawn without replacement from the simulated countries
(:func:`expected_fastest_mean`): it is an unbiased estimate of the expectation over
populations of independently drawn countries, whatever the number simulated (at least the
population size), so the statistic does not drift with the number of runs, and it carries no
resampling noise of its own. Shares and counts per population are exact by linearity.

The published figures are of *indicators* (ICRG and WGI ratings: experts' and surveys'
perceptions), not of the state they rate. A perception follows a change in the state with a
delay, so the indicators a target reads are the model's headline indices seen through a
first-order lag (:func:`perceived`, ``perception_lag_years`` in the targets file). A shift in
the state that takes five years shows in the rating over longer; a level that has not moved
reads the same either way.

The targets, their published values, tolerances, roles and sources are data
(``experiments/calibration/targets.yaml``, schema :class:`TargetSet`); this module holds the
statistics (:data:`STATISTICS`), one function each.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from pydantic import Field, model_validator
from scipy.signal import lfilter
from scipy.stats import hypergeom

from ..dynamics import SeedRuns, run_seeds
from ..fields import HEADLINE_INDICATORS, Name, Schema
from ..loading import load_validated
from ..outcomes import succeeded_by
from ..scenario import Scenario
from .priors import with_parameters

TARGETS_FILE = Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "targets.yaml"


class Statistic(NamedTuple):
    """A model statistic and what a reader needs to weigh it (censoring, empty subsets)."""

    value: float
    note: str = ""


# --- what the published indicators see ---------------------------------------------------------
def perceived(series: np.ndarray, lag_years: float) -> np.ndarray:
    """Monthly series (months + 1, countries) as a rating with a first-order lag of ``lag_years``
    sees them: p_0 = x_0, p_t = p_{t-1} + (x_t - p_{t-1}) / (12 L). A step in x shows in p as
    1 - exp(-t / L) of it after t years (for L of a year or more); a lag of a month or less
    returns x itself.

    Why a lag: the published paces are of expert and survey ratings (WDR 2011 Box 3.6: ICRG and
    the Worldwide Governance Indicators), which respond to reputation as much as to current
    conduct (Kaufmann, Kraay & Mastruzzi 2010 on perceptions data; Treisman 2007 on how weakly
    perceived corruption tracks experienced corruption), so a rating moves later and more
    smoothly than what it rates. The size of the lag is a judgement of the targets file."""
    series = np.asarray(series, dtype=float)
    if 12.0 * lag_years <= 1.0:
        return series
    rate = 1.0 / (12.0 * lag_years)
    filtered, _ = lfilter([rate], [1.0, rate - 1.0], series, axis=0, zi=(1.0 - rate) * series[:1])
    return filtered


# --- the statistics -----------------------------------------------------------------------------
def fastest_weights(pool: int, fastest: int, population_size: int) -> np.ndarray:
    """Weights w_j (j = 1 ... pool, for values sorted ascending) such that sum_j w_j v_(j) / k is
    the mean of the ``fastest`` (k) smallest values of a population of ``population_size`` (N),
    averaged over every population of that size drawn without replacement from the pool.

    The j-th smallest is in a population with probability N/M and is then among its k
    smallest when at most k - 1 of the j - 1 values below it are, a hypergeometric event:
    w_j = (N/M) P(Hyp(M - 1, j - 1, N - 1) <= k - 1). The weights add up to k."""
    if not 1 <= fastest <= population_size <= pool:
        raise ValueError(f"need 1 <= fastest ({fastest}) <= population size ({population_size}) <= countries "
                         f"simulated ({pool})")
    return population_size / pool * hypergeom.cdf(fastest - 1, pool - 1, np.arange(pool), population_size - 1)


def expected_fastest_mean(values: Sequence[float], fastest: int, population_size: int) -> float:
    """The mean of the ``fastest`` smallest values of a population of ``population_size``,
    averaged over every population of that size drawn without replacement from ``values``
    (:func:`fastest_weights`). This is the U-statistic of the fastest-k mean: unbiased for its
    expectation over populations of N independent countries for every pool M >= N. With M = N
    it is the plain mean of the k smallest."""
    ordered = np.sort(np.asarray(values, dtype=float))
    return float(fastest_weights(len(ordered), fastest, population_size) @ ordered / fastest)


def years_from_far_below(table: pd.DataFrame, indicator: str, start_margin: float) -> tuple[np.ndarray, np.ndarray]:
    """Per country, the years it took to reach the threshold on ``indicator``, and whether that
    is censored.

    A country counts when it started at least ``start_margin`` below the threshold (Box 3.6
    follows countries from low levels) and reached it within its run; any other country is
    censored: it takes its run's horizon, i.e. it is not among the fast reformers (it either
    never reached the threshold in the run, or it started too close to it to be a case)."""
    counted = ((table[f"initial_{indicator}"] <= table["threshold"] - start_margin)
               & table[f"years_to_threshold_{indicator}"].notna()).to_numpy()
    years = np.where(counted, table[f"years_to_threshold_{indicator}"].to_numpy(dtype=float),
                     table["horizon_years"].to_numpy(dtype=float))
    return years, ~counted


def fastest_mean(table: pd.DataFrame, targets: "TargetSet", indicator: str, fastest: int) -> Statistic:
    """T1: mean years to the threshold of the ``fastest`` quickest countries of a population of
    ``targets.population_size`` (WDR 2011 Box 3.6: the fastest 20; ``fastest: 1`` is the
    fastest ever), averaged over all populations (:func:`expected_fastest_mean`).

    A censored country (:func:`years_from_far_below`) enters at its horizon, so when some of
    the fastest places are censored the value is a lower bound; the note says how many."""
    years, censored = years_from_far_below(table, indicator, targets.start_margin)
    order = np.lexsort((censored, years))  # by years; on a tie, a country that counts first
    weights = fastest_weights(len(years), fastest, targets.population_size)
    value = float(weights @ years[order] / fastest)
    censored_share = float(weights @ censored[order] / fastest)
    return Statistic(value, f"{censored_share:.0%} of the fastest {fastest} censored at the horizon"
                     if censored_share > 0.005 else "")


def count_fast(table: pd.DataFrame, targets: "TargetSet", under_years: float) -> Statistic:
    """T1, "almost never under ~10 years": expected number of countries in a population of
    ``targets.population_size`` that reach any headline indicator's threshold from far below
    in under ``under_years`` (N x the share of simulated countries that do: exact by linearity)."""
    fast = np.zeros(len(table), dtype=bool)
    for indicator in HEADLINE_INDICATORS:
        years, censored = years_from_far_below(table, indicator, targets.start_margin)
        fast |= ~censored & (years < under_years)
    return Statistic(targets.population_size * float(fast.mean()))


def strong_count(table: pd.DataFrame, targets: "TargetSet", indicator: str, year: int, level: float) -> Statistic:
    """T2, "8 of 102 have strong capability": expected number of countries of a population of
    ``targets.population_size`` whose ``indicator`` exceeds ``level`` ``year`` years into the run.

    "Strong" is the literature's "> 6.5 on 0-10" (Andrews, Pritchett & Woolcock 2016), read at
    the end of the period the published growth covers (``year``)."""
    return Statistic(targets.population_size * float((table[f"{indicator}_year_{year}"] > level).mean()))


def declining_share(table: pd.DataFrame, targets: "TargetSet", indicator: str, year: int) -> Statistic:
    """T2, "most show negative capability growth since 1996": share of countries whose
    ``indicator`` is lower ``year`` years into the run than at its start (growth over the
    published period; Andrews, Pritchett & Woolcock 2016). A share of a population of any size
    has the same expectation, so no resampling is needed."""
    return Statistic(float((table[f"{indicator}_year_{year}"] < table[f"initial_{indicator}"]).mean()))


def relapse_share(table: pd.DataFrame, targets: "TargetSet", within_years: float) -> Statistic:
    """T3 (and T4): share of post-conflict countries whose war resumed within ``within_years``
    of the start of the run (the relapse clock starts at the run's start, a year after the
    peace agreement in the ``post_conflict`` base: docs/ODD.md §8). Collier, Hoeffler &
    Söderbom (2008) count post-conflict episodes; a country has one episode here."""
    post = table[table["post_conflict"]]
    if post.empty:
        return Statistic(math.nan, "no post-conflict countries")
    relapsed = post["conflict_relapse"] & (post["relapse_year"] <= within_years)
    return Statistic(float(relapsed.mean()), f"{len(post)} post-conflict countries")


def success_share(table: pd.DataFrame, targets: "TargetSet", counterfactual: str, year: int) -> Statistic:
    """T5d: share of countries that ran a reform strategy (any but ``counterfactual``) whose
    reform had succeeded ``year`` years into the run (sim.outcomes.reform_succeeded on the reform
    index up to then, donors judged as they were then): successful SSR is a minority outcome
    (Detzner 2017), a judgement on programmes within the two decades or so the record covers, not
    on where a country stands at the end of a long run."""
    reforming = table[table["strategy"] != counterfactual]
    if reforming.empty:
        return Statistic(math.nan, "no country ran a reform strategy")
    return Statistic(float(reforming[f"reform_success_year_{year}"].mean()), f"{len(reforming)} reforming countries")


#: Every statistic a target may name; each takes the country table and the target set first.
STATISTICS: dict[str, Callable[..., Statistic]] = {
    "fastest_mean": fastest_mean, "count_fast": count_fast, "strong_count": strong_count,
    "declining_share": declining_share, "relapse_share": relapse_share, "success_share": success_share,
}


# --- the target file ----------------------------------------------------------------------------
class Target(Schema):
    """One published figure: the statistic that reproduces it, its value, tolerance and role."""

    name: Name
    statistic: Literal[tuple(STATISTICS)]  # type: ignore[valid-type]
    parameters: dict[str, str | int | float] = Field(default_factory=dict)
    published: float
    tolerance: float = Field(..., ge=0.0)
    direction: Literal["two_sided", "at_most", "at_least"] = "two_sided"
    role: Literal["fit", "check", "constraint"]
    source: str = Field(..., min_length=1)
    reason: str = Field(..., min_length=1)

    def problems(self) -> list[str]:
        """What is wrong with the parameters (field paths relative to the target)."""
        try:
            inspect.signature(STATISTICS[self.statistic]).bind(None, None, **self.parameters)
        except TypeError as error:
            return [f"parameters: {error} for statistic '{self.statistic}' (its parameters: "
                    f"{', '.join(list(inspect.signature(STATISTICS[self.statistic]).parameters)[2:])})"]
        indicator = self.parameters.get("indicator")
        if indicator is not None and indicator not in HEADLINE_INDICATORS:
            return [f"parameters.indicator: '{indicator}' is not a headline indicator; "
                    f"allowed: {', '.join(HEADLINE_INDICATORS)}"]
        return []

    def inside(self, model: float) -> bool:
        """Whether a model value meets the target (False for NaN)."""
        if math.isnan(model):
            return False
        if self.direction == "at_most":
            return model <= self.published + self.tolerance
        if self.direction == "at_least":
            return model >= self.published - self.tolerance
        return abs(model - self.published) <= self.tolerance


class TargetSet(Schema):
    """The targets file: the published sample size, the start rule of T1 and the targets."""

    population_size: int = Field(..., ge=1)
    population_size_reason: str = Field(..., min_length=1)
    start_margin: float = Field(..., ge=0.0, le=1.0)
    start_margin_reason: str = Field(..., min_length=1)
    perception_lag_years: float = Field(0.0, ge=0.0, le=20.0,
                                        description="first-order lag of the ratings the targets read, in years "
                                                    "(0: the model's indices themselves)")
    perception_lag_reason: str = ""
    targets: list[Target] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _targets(self) -> "TargetSet":
        """Each target's parameters fit its statistic (messages name the full field path), and
        names are unique."""
        for position, target in enumerate(self.targets):
            for problem in target.problems():
                raise ValueError(f"targets.{position}.{problem}")
        if self.perception_lag_years > 0 and not self.perception_lag_reason.strip():
            raise ValueError(f"perception_lag_reason: a lag of {self.perception_lag_years:g} years needs its reason")
        names = [target.name for target in self.targets]
        if len(set(names)) != len(names):
            repeated = sorted(name for name in set(names) if names.count(name) > 1)
            raise ValueError(f"targets: names must be unique, repeated: {repeated}")
        return self

    def years_read(self) -> list[int]:
        """The run years some target reads the indicators at (T2's growth window)."""
        return sorted({int(target.parameters["year"]) for target in self.targets if "year" in target.parameters})


def load_targets(path: str | Path = TARGETS_FILE) -> TargetSet:
    """Read a targets file; bad input raises ScenarioError naming the file and field."""
    return load_validated(Path(path), TargetSet, "'population_size', 'start_margin' and 'targets'")


# --- from runs to the table ---------------------------------------------------------------------
def country_table(countries: Sequence[Scenario], runs: SeedRuns, years: Iterable[int] = (),
                  perception_lag_years: float = 0.0) -> pd.DataFrame:
    """One row per simulated country: what the statistics read.

    Columns: ``post_conflict``, ``strategy``, ``threshold``, ``horizon_years`` (from the
    country's scenario), ``initial_<indicator>``, ``<indicator>_year_<y>`` for each headline
    indicator and each of ``years``, and ``years_to_threshold_<indicator>``, all read from the
    indicator as a rating with a lag of ``perception_lag_years`` sees it (:func:`perceived`;
    with no lag, the run's own series and its summary's years), ``reform_success_year_<y>``
    (:func:`sim.outcomes.succeeded_by`), and the summary's ``conflict_relapse``,
    ``relapse_year``, ``reform_success``."""
    if len(countries) != len(runs.summaries):
        raise ValueError(f"{len(countries)} countries for {len(runs.summaries)} runs")
    rows: dict[str, Any] = {
        "post_conflict": [country.context.post_conflict for country in countries],
        "strategy": [country.strategy.name for country in countries],
        "threshold": [country.outcomes.threshold for country in countries],
        "horizon_years": [float(country.horizon_years) for country in countries],
    }
    thresholds = np.array(rows["threshold"], dtype=float)
    for indicator in HEADLINE_INDICATORS:
        series = perceived(runs.series[indicator], perception_lag_years)
        rows[f"initial_{indicator}"] = series[0]
        for year in years:
            if 12 * year >= len(series):
                raise ValueError(f"a target reads year {year}, after the runs' last month ({len(series) - 1})")
            rows[f"{indicator}_year_{year}"] = series[12 * year]
        if perception_lag_years == 0:
            rows[f"years_to_threshold_{indicator}"] = [s[f"years_to_threshold_{indicator}"] for s in runs.summaries]
        else:  # sim.outcomes.years_to_threshold, every country at once
            reached = series >= thresholds
            rows[f"years_to_threshold_{indicator}"] = np.where(reached.any(axis=0), reached.argmax(axis=0) / 12.0,
                                                               math.nan)
    for year in years:
        rows[f"reform_success_year_{year}"] = [
            succeeded_by(runs.series["reform_index"][:, column], summary, 12 * year)
            for column, summary in enumerate(runs.summaries)]
    for name in ("conflict_relapse", "relapse_year", "reform_success"):
        rows[name] = [s[name] for s in runs.summaries]
    table = pd.DataFrame(rows)
    table["relapse_year"] = table["relapse_year"].astype(float)
    return table


def target_values(table: pd.DataFrame, targets: TargetSet) -> dict[str, Statistic]:
    """Every target's model statistic on a country table, by target name."""
    return {target.name: STATISTICS[target.statistic](table, targets, **target.parameters)
            for target in targets.targets}


def target_table(countries: Sequence[Scenario], runs: SeedRuns, targets: TargetSet | None = None) -> pd.DataFrame:
    """Published against model, one row per target: target, role, published, model, tolerance,
    direction, inside, note, source. ``targets`` defaults to ``experiments/calibration/targets.yaml``."""
    targets = targets or load_targets()
    values = _statistics(countries, runs, targets)
    return pd.DataFrame([{"target": t.name, "role": t.role, "published": t.published, "model": values[t.name].value,
                          "tolerance": t.tolerance, "direction": t.direction, "inside": t.inside(values[t.name].value),
                          "note": values[t.name].note, "source": t.source} for t in targets.targets])


def population_statistics(countries: Sequence[Scenario], seeds: Sequence[int], targets: TargetSet,
                          values: Mapping[str, float]) -> dict[str, Statistic]:
    """Target statistics (:class:`sim.calibration.targets.Statistic` by name) of these countries run
    with these seeds and coefficients: the one evaluation the screen and the ABC share."""
    return populations_statistics([(countries, seeds, values)], targets)[0]


def populations_statistics(populations: Sequence[tuple[Sequence[Scenario], Sequence[int], Mapping[str, float]]],
                           targets: TargetSet) -> list[dict[str, Statistic]]:
    """:func:`population_statistics` of several (countries, seeds, coefficients) at once, in ONE
    :func:`sim.run_seeds` call: the populations' countries share batches (larger batches cost less
    a run), and each population's statistics are what it gives alone (a run's numbers do not
    depend on the runs beside it in a batch; tests/test_batch_mixed.py)."""
    countries = [with_parameters(country, values) for members, _, values in populations for country in members]
    runs = run_seeds(countries, [seed for _, seeds, _ in populations for seed in seeds])
    statistics, start = [], 0
    for members, _, _ in populations:
        stop = start + len(members)
        statistics.append(_statistics(countries[start:stop], runs.take(start, stop), targets))
        start = stop
    return statistics


def _statistics(countries: Sequence[Scenario], runs: SeedRuns, targets: TargetSet) -> dict[str, Statistic]:
    """Every target's statistic on these runs, each indicator read as the targets file says."""
    return target_values(country_table(countries, runs, targets.years_read(), targets.perception_lag_years), targets)
