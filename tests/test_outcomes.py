"""Run-level outcome rules: years to threshold, reversals, success after donors leave."""

from __future__ import annotations

import math

import numpy as np

from sim.outcomes import reform_succeeded, reversals, years_to_threshold


def test_years_to_threshold_counts_months_from_start():
    series = [0.1] * 30 + [0.7] * 10
    assert years_to_threshold(series, 0.6) == 30 / 12
    assert math.isnan(years_to_threshold([0.1] * 10, 0.6))
    assert years_to_threshold([0.9, 0.1], 0.6) == 0.0


def test_reversals_count_drops_after_crossing():
    assert reversals([0.1, 0.7, 0.5, 0.7, 0.4, 0.4], 0.6) == 2
    assert reversals([0.1, 0.2, 0.3], 0.6) == 0


def test_success_needs_sustained_index_after_donors_leave():
    horizon = 480
    good = np.concatenate([np.linspace(0.2, 0.7, 200), np.full(horizon - 199, 0.7)])
    assert reform_succeeded(good, 0.6, 60, last_donor_exit_month=180)
    assert not reform_succeeded(good, 0.6, 60, last_donor_exit_month=450)      # donors left too late
    assert not reform_succeeded(good, 0.6, 60, last_donor_exit_month=math.inf)  # donors never left
    assert reform_succeeded(good, 0.6, 60, last_donor_exit_month=math.nan)      # there were no donors
    dip = good.copy()
    dip[-30] = 0.5
    assert not reform_succeeded(dip, 0.6, 60, last_donor_exit_month=180)
