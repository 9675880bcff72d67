"""The shipped posterior (experiments/calibration/posterior.csv) and the defaults taken from it.

Issue 10 ships the calibration: sweeps with ``parameters: posterior`` read the draws, and the
shipped scenarios use their central values. These tests hold the three together: the draws are
the shipped calibration file's coefficients inside their priors, the schema defaults are the
draws' medians (three significant digits, ``report.central_values``) and the held values, the
schema marks exactly those defaults as calibrated, and every shipped scenario runs within its
bounds under the most extreme draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import resolve_scenario
from sim.calibration.abc import load_calibration
from sim.calibration.priors import calibrated_defaults, parameter_priors, with_parameters
from sim.calibration.report import central_values, read_posterior_draws
from sim.dynamics import MODEL_INDICATORS, run_seeds
from sim.experiment_file import SHIPPED_POSTERIOR
from sim.scenario import CALIBRATED, HELD
from sim.validation import CALIBRATION_FILE

from ..conftest import SHIPPED_SCENARIOS

NOT_INDICES = {"donor_funding", "spoiler_strength", "phase"}


@pytest.fixture(scope="module")
def calibration():
    return load_calibration(CALIBRATION_FILE)


@pytest.fixture(scope="module")
def draws(calibration) -> pd.DataFrame:
    return pd.DataFrame(read_posterior_draws(SHIPPED_POSTERIOR, calibration))


def test_the_draws_are_the_calibration_files_coefficients_inside_their_priors(calibration, draws):
    assert list(draws.columns) == [*calibration.names, *calibration.settings.fixed]
    assert len(draws) >= 20
    priors = {prior.path: prior for prior in parameter_priors()}
    for name in calibration.names:
        assert draws[name].between(priors[name].low, priors[name].high).all(), name
        assert draws[name].nunique() > 1, f"{name}: a posterior that never varies is not a posterior"
    for name, value in calibration.settings.fixed.items():
        assert (draws[name] == value).all(), name


def test_the_defaults_are_the_draws_medians_and_the_held_values(calibration, draws):
    defaults = {prior.path: prior.default for prior in parameter_priors()}
    assert {name: defaults[name] for name in calibration.names} == central_values(draws, calibration.names)
    assert {name: defaults[name] for name in calibration.settings.fixed} == calibration.settings.fixed


def test_the_schema_marks_exactly_the_calibrated_and_held_defaults(calibration):
    assert calibrated_defaults() == {**{name: CALIBRATED for name in calibration.names},
                                     **{name: HELD for name in calibration.settings.fixed}}


def _extreme_draws(calibration, draws: pd.DataFrame) -> list[dict[str, float]]:
    """The draws holding the smallest or largest value of some fitted coefficient, once each."""
    rows = sorted({int(index) for name in calibration.names for index in (draws[name].idxmin(), draws[name].idxmax())})
    return [draws.loc[row].to_dict() for row in rows]


@pytest.mark.parametrize("scenario", SHIPPED_SCENARIOS)
def test_every_shipped_scenario_stays_in_bounds_under_the_extreme_draws(scenario, calibration, draws):
    """Ten years of each shipped scenario (its own strategy) under every extreme draw, four
    seeds each: every indicator is finite and never negative every month, and the indices
    (all but donors' money, spoilers' summed strength and the phase number) stay within [0, 1]."""
    extremes = _extreme_draws(calibration, draws)
    assert len(extremes) >= 2
    base = resolve_scenario(scenario)
    scenarios = [with_parameters(base, values) for values in extremes for _ in range(4)]
    runs = run_seeds(scenarios, range(len(scenarios)), record=MODEL_INDICATORS, months=120)
    for name in MODEL_INDICATORS:
        series = runs.series[name]
        assert series.shape[1] == len(scenarios), name
        assert np.isfinite(series).all() and (series >= 0).all(), name
        if name not in NOT_INDICES:
            assert (series <= 1).all(), name
