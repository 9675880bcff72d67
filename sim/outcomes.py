"""Indicators computed from the state each step, and the run-level summary.

The five headline indicators follow the WDR 2011 Box 3.6 list (Pritchett & de Weijer 2010)
so simulated "years to threshold" can be set beside the published pace of the fastest
reformers (docs/validation.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .fields import HEADLINE_INDICATORS, LAW_PILLARS
from .mechanisms.common import row_mean, weighted_mean, weighted_total
from .state import ReformState


def headline_indicators(state: ReformState) -> dict[str, np.ndarray]:
    """The five headline indicators on [0, 1], per replication of a batch state ((R,) each).

    - military_out_of_politics = 1 - influence-weighted autonomy of coup-capable forces
      (all forces when none is coup-capable);
    - corruption_control = 1 - influence-weighted corruption of ministries, forces, parliament;
    - bureaucratic_quality = influence-weighted ministry capability;
    - government_effectiveness = sqrt(bureaucratic quality x mean de facto function);
    - rule_of_law = sqrt(function of justice and policing x (1 - abuse)(1 - violence)).
    """
    ministries = state.types["ministry"]
    forces = state.types["security_force"]
    force_weight = state.influence[forces.index]
    army = forces.coup_capable if forces.coup_capable.any() else np.ones(len(forces), dtype=bool)
    corruptible = state.corruptible
    capability = weighted_mean(ministries.capacity, state.influence[ministries.index])
    law_pillars = state.present_pillars(LAW_PILLARS)
    law_function = row_mean(state.de_facto[..., law_pillars or slice(None)])
    abuse = weighted_mean(forces.abuse, force_weight)
    values = {
        "military_out_of_politics": 1.0 - weighted_mean(forces.political_autonomy[..., army], force_weight[army]),
        "corruption_control": 1.0 - weighted_total(state.corruption[..., corruptible], state.corruptible_weights),
        "bureaucratic_quality": capability,
        "government_effectiveness": np.sqrt(capability * row_mean(state.de_facto)),
        "rule_of_law": np.sqrt(law_function * (1.0 - abuse) * (1.0 - state.violence)),
    }
    return {name: value[..., 0] for name, value in values.items()}


def reform_index(indicators: Mapping[str, np.ndarray]) -> np.ndarray:
    """Mean of the five headline indicators: the index that decides de facto success."""
    return sum(indicators[name] for name in HEADLINE_INDICATORS) / len(HEADLINE_INDICATORS)


def years_to_threshold(series: Sequence[float], threshold: float) -> float:
    """Years until the series first reaches the threshold (step 0 is year 0); NaN if never."""
    reached = np.flatnonzero(np.asarray(series) >= threshold)
    return float(reached[0] / 12.0) if reached.size else math.nan


def reversals(series: Sequence[float], threshold: float) -> int:
    """Drops below the threshold after having been at or above it."""
    above = np.asarray(series) >= threshold
    return int(np.sum(above[:-1] & ~above[1:]))


def reform_succeeded(
    series: Sequence[float], threshold: float, sustain_months: int, last_donor_exit_month: float
) -> bool:
    """De facto success of a series (the reform index, or one headline indicator): at or above
    the threshold for the final ``sustain_months`` of the run, and all donors had left at least
    that long before the end (no donors at all counts as having left). Progress that only lasts
    while donors pay is not success (local ownership; Detzner 2017). One rule for the index and
    for every indicator, so "the index succeeded" and "rule of law succeeded" mean the same thing."""
    values = np.asarray(series)
    horizon = len(values) - 1
    if not math.isnan(last_donor_exit_month) and last_donor_exit_month > horizon - sustain_months:
        return False
    return bool(np.all(values[max(horizon - sustain_months, 0):] >= threshold))


def succeeded_by(reform_index: Sequence[float], summary: Mapping[str, Any], month: int) -> bool:
    """:func:`reform_succeeded` judged ``month`` months into a run, from its reform index series
    and its summary: the series up to then, and the donors as they were then (the last exit if it
    came by then, otherwise donors still present; no donors at all stays no donors)."""
    sustain_months = round(12 * float(summary["success_sustain_years"]))
    if summary["donors_present_at_end"]:
        last_exit = math.inf
    elif math.isnan(summary["donor_exit_year"]):
        last_exit = math.nan
    else:
        last_exit = float(round(12 * float(summary["donor_exit_year"])))
        last_exit = last_exit if last_exit <= month else math.inf
    return reform_succeeded(reform_index[:month + 1], float(summary["success_threshold"]), sustain_months, last_exit)


def success_rule_text(thresholds: Iterable[float], sustain_years: Iterable[float]) -> str:
    """:func:`reform_succeeded` in words, with the thresholds and sustain years runs applied it with
    (several values when a design varied them), so every table that reports success states the
    rule it counted rather than a default that may not hold."""
    threshold = " or ".join(f"{value:g}" for value in sorted(set(thresholds)))
    years = " or ".join(f"{value:g}" for value in sorted(set(sustain_years)))
    return (f"at or above {threshold} in every month of the run's final {years} years, with every donor gone "
            f"at least {years} years before the end (progress that lasts only while donors pay is not success)")


def years_above_threshold(series: Sequence[float], threshold: float) -> float:
    """Years the series spent at or above the threshold, in one stretch or several.

    Each month of the run counts by its end-of-month value; month 0 is the starting state, not
    a month of the run, so a run above the threshold throughout scores its horizon in years.
    Why: the binary rule looks only at the final years, so it calls a run that held the
    threshold for 20 years and then slipped a failure just like one that never got there; this
    tells them apart.
    """
    return float(np.count_nonzero(np.asarray(series)[1:] >= threshold) / 12.0)


def mean_over_run(series: Sequence[float]) -> float:
    """Area under the monthly curve (trapezoid rule over month ends 0..H) divided by the horizon H.

    It is the mean level of the curve drawn straight between month ends, on the same [0, 1]
    scale as the series, so runs of different horizons compare. Why: it grades both how far
    and how soon reform got (reaching 0.6 in year 5 scores higher than in year 35, and 0.59
    all along far higher than 0.2), which the binary success and the final value each miss.
    A run of no months is its starting value.
    """
    values = np.asarray(series, dtype=float)
    horizon = len(values) - 1
    return float(np.trapezoid(values) / horizon) if horizon else float(values[0])


def summarise(
    series: Mapping[str, Sequence[float]], finals: Mapping[str, float], threshold: float, sustain_months: int,
    donor_exit_month: float, events: Mapping[str, object],
) -> dict[str, float | int | bool]:
    """The run-level summary: final values, years to threshold, success, graded outcomes, shocks.

    ``series`` needs the monthly headline indicators and reform index; ``finals`` holds the
    final value of every indicator.

    Success is one rule (:func:`reform_succeeded`) applied to the reform index
    (``reform_success``) and to each headline indicator (``success_<indicator>``);
    ``indicators_succeeded`` counts the indicators that succeeded (0-5). Why per indicator: a
    binary verdict on the mean hides which institutions carried a run and which held it back.
    The graded outcomes, ``years_above_threshold_<indicator or reform_index>``
    (:func:`years_above_threshold`) and ``reform_index_auc`` (:func:`mean_over_run`), say how
    near a failure came, and how soon a success. ``success_threshold`` and
    ``success_sustain_years`` record the rule's parameters, so tables of many runs can state it.

    ``donor_exit_month`` is the last donor's exit: inf while donors remain, NaN without donors;
    ``donor_exit_year`` reports both of those as NaN, with ``donors_present_at_end`` telling them apart.
    Every value is a plain bool, int or float (JSON and Parquet take them as they are).
    """
    summary: dict[str, float | int | bool] = {f"final_{name}": float(value) for name, value in finals.items()}
    for name in HEADLINE_INDICATORS:
        summary[f"years_to_threshold_{name}"] = years_to_threshold(series[name], threshold)
        summary[f"reversals_{name}"] = reversals(series[name], threshold)
        summary[f"years_above_threshold_{name}"] = years_above_threshold(series[name], threshold)
        summary[f"success_{name}"] = reform_succeeded(series[name], threshold, sustain_months, donor_exit_month)
    summary["years_to_threshold_reform_index"] = years_to_threshold(series["reform_index"], threshold)
    summary["years_above_threshold_reform_index"] = years_above_threshold(series["reform_index"], threshold)
    summary["reform_index_auc"] = mean_over_run(series["reform_index"])
    summary["reversals"] = sum(int(summary[f"reversals_{name}"]) for name in HEADLINE_INDICATORS)
    summary["reform_success"] = reform_succeeded(series["reform_index"], threshold, sustain_months, donor_exit_month)
    summary["indicators_succeeded"] = sum(int(summary[f"success_{name}"]) for name in HEADLINE_INDICATORS)
    summary["success_threshold"] = float(threshold)
    summary["success_sustain_years"] = sustain_months / 12.0
    summary["donor_exit_year"] = donor_exit_month / 12.0 if math.isfinite(donor_exit_month) else math.nan
    summary["donors_present_at_end"] = math.isinf(donor_exit_month)
    summary.update(events)
    return summary
