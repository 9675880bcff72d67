"""Indicators computed from the state each step, and the run-level summary.

The five headline indicators follow the WDR 2011 Box 3.6 list (Pritchett & de Weijer 2010)
so simulated "years to threshold" can be set beside the published pace of the fastest
reformers (docs/validation.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from .fields import HEADLINE_INDICATORS
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
    law_pillars = [i for i in (state.pillar("justice"), state.pillar("policing")) if i is not None]
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
    index_series: Sequence[float], threshold: float, sustain_months: int, last_donor_exit_month: float
) -> bool:
    """De facto success: the reform index is at or above the threshold for the final
    ``sustain_months`` of the run, and all donors had left at least that long before the end
    (no donors at all counts as having left). Progress that only lasts while donors pay is
    not success (local ownership; Detzner 2017)."""
    series = np.asarray(index_series)
    horizon = len(series) - 1
    if not math.isnan(last_donor_exit_month) and last_donor_exit_month > horizon - sustain_months:
        return False
    return bool(np.all(series[max(horizon - sustain_months, 0):] >= threshold))


def summarise(
    series: Mapping[str, Sequence[float]], finals: Mapping[str, float], threshold: float, sustain_months: int,
    donor_exit_month: float, events: Mapping[str, object],
) -> dict[str, float | int | bool]:
    """The run-level summary: final values, years to threshold, success, reversals, shocks.

    ``series`` needs the monthly headline indicators and reform index; ``finals`` holds the
    final value of every indicator.

    ``donor_exit_month`` is the last donor's exit: inf while donors remain, NaN without donors;
    ``donor_exit_year`` reports both of those as NaN, with ``donors_present_at_end`` telling them apart.
    """
    summary: dict[str, float | int | bool] = {f"final_{name}": float(value) for name, value in finals.items()}
    for name in HEADLINE_INDICATORS:
        summary[f"years_to_threshold_{name}"] = years_to_threshold(series[name], threshold)
        summary[f"reversals_{name}"] = reversals(series[name], threshold)
    summary["years_to_threshold_reform_index"] = years_to_threshold(series["reform_index"], threshold)
    summary["reversals"] = sum(int(summary[f"reversals_{name}"]) for name in HEADLINE_INDICATORS)
    summary["reform_success"] = reform_succeeded(series["reform_index"], threshold, sustain_months, donor_exit_month)
    summary["donor_exit_year"] = donor_exit_month / 12.0 if math.isfinite(donor_exit_month) else math.nan
    summary["donors_present_at_end"] = math.isinf(donor_exit_month)
    summary.update(events)
    return summary
