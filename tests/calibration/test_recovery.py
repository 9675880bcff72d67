"""Recovery on synthetic data (issue 10): targets simulated at known coefficient values are
calibrated with the shipped calibration file's pipeline (reduced ABC, sim.calibration.recovery),
and every coefficient must be recovered inside its 90 % posterior interval, with the interval
narrower than the prior's. The fast tests check the synthetic truth's rules."""

from __future__ import annotations

import json

import pytest

from sim.calibration.abc import load_calibration
from sim.calibration.recovery import (
    CALIBRATION_FILE, RECOVERY_ABC, TRUTH_RANGE, recover, reduced, synthetic_observations, true_values,
)

from .conftest import tiny_calibration


def test_true_values_lie_inside_the_prior_away_from_its_edges():
    calibration = load_calibration(CALIBRATION_FILE)
    truth = true_values(calibration)
    assert list(truth) == calibration.names
    for prior in calibration.priors:
        share = (truth[prior.path] - prior.low) / (prior.high - prior.low)
        assert TRUTH_RANGE[0] <= share <= TRUTH_RANGE[1]
    assert reduced(calibration).settings.abc.population_size == RECOVERY_ABC["population_size"]


def test_synthetic_observations_are_one_simulation_at_the_truth_reproducible(tmp_path, tiny_files):
    calibration = load_calibration(tiny_calibration(tmp_path, tiny_files))
    truth = true_values(calibration)
    first = synthetic_observations(calibration, truth)
    assert first.keys() == {t.name for t in calibration.targets.targets}
    assert json.dumps(first) == json.dumps(synthetic_observations(calibration, truth))


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="known failure, issue 10 open: the last recovery run (40 particles, before the "
                                       "resumed-epsilon fix of 22a03d8) put capacity.decay_rate outside its 90 % "
                                       "interval (6 of 7 inside); a larger population is needed. When this passes, "
                                       "remove the mark")
def test_the_pipeline_recovers_known_coefficients(tmp_path):
    """About 20 minutes on 2 cores (docs/calibration.md, Recovery)."""
    recovery = recover(load_calibration(CALIBRATION_FILE), tmp_path / "recovery", workers=2, progress=False)
    table = recovery.table.set_index("parameter")
    outside = table[~table["inside_90"]]
    assert outside.empty, f"true values outside the 90 % interval:\n{outside[['truth', 'q05', 'q95']]}"
    wide = table[table["width_vs_prior"] >= 1]
    assert wide.empty, f"posterior not narrower than the prior:\n{wide[['width_vs_prior']]}"
