"""Run-level outcome rules: years to threshold, reversals, success after donors leave, and the
graded outcomes beside the binary rule."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from sim import ReformModel, resolve_scenario, run_seeds
from sim.fields import HEADLINE_INDICATORS
from sim.outcomes import (mean_over_run, reform_succeeded, reversals, succeeded_by, summarise, years_above_threshold,
                          years_to_threshold)

HORIZON = 480


def test_years_to_threshold_counts_months_from_start():
    series = [0.1] * 30 + [0.7] * 10
    assert years_to_threshold(series, 0.6) == 30 / 12
    assert math.isnan(years_to_threshold([0.1] * 10, 0.6))
    assert years_to_threshold([0.9, 0.1], 0.6) == 0.0


def test_reversals_count_drops_after_crossing():
    assert reversals([0.1, 0.7, 0.5, 0.7, 0.4, 0.4], 0.6) == 2
    assert reversals([0.1, 0.2, 0.3], 0.6) == 0


def test_success_needs_sustained_index_after_donors_leave():
    good = np.concatenate([np.linspace(0.2, 0.7, 200), np.full(HORIZON - 199, 0.7)])
    assert reform_succeeded(good, 0.6, 60, last_donor_exit_month=180)
    assert not reform_succeeded(good, 0.6, 60, last_donor_exit_month=450)      # donors left too late
    assert not reform_succeeded(good, 0.6, 60, last_donor_exit_month=math.inf)  # donors never left
    assert reform_succeeded(good, 0.6, 60, last_donor_exit_month=math.nan)      # there were no donors
    dip = good.copy()
    dip[-30] = 0.5
    assert not reform_succeeded(dip, 0.6, 60, last_donor_exit_month=180)


def test_years_above_threshold_counts_every_month_of_the_run_in_any_stretch():
    # month 0 (the starting state) is not a month of the run; months 2, 3 and 5 are above
    assert years_above_threshold([0.9, 0.1, 0.7, 0.7, 0.1, 0.6], 0.6) == 3 / 12
    assert years_above_threshold(np.full(HORIZON + 1, 0.7), 0.6) == 40.0
    assert years_above_threshold(np.full(HORIZON + 1, 0.5), 0.6) == 0.0


def test_mean_over_run_is_the_area_under_the_curve_over_the_horizon():
    assert mean_over_run(np.full(HORIZON + 1, 0.3)) == pytest.approx(0.3)
    # a straight ramp from 0 to 1 has mean 1/2 whatever the horizon: comparable across horizons
    for months in (12, 240, 480):
        assert mean_over_run(np.linspace(0.0, 1.0, months + 1)) == pytest.approx(0.5)
    # reaching the same level sooner scores higher; the final value alone cannot tell these apart
    early = np.concatenate([np.linspace(0.2, 0.7, 61), np.full(HORIZON - 60, 0.7)])
    late = np.concatenate([np.linspace(0.2, 0.7, 421), np.full(HORIZON - 420, 0.7)])
    assert early[-1] == late[-1]
    # the area lost on a ramp of m months from 0.2 to 0.7 is 0.5 * m / 2, spread over 480 months
    assert mean_over_run(early) == pytest.approx(0.7 - 0.25 * 60 / HORIZON)
    assert mean_over_run(late) == pytest.approx(0.7 - 0.25 * 420 / HORIZON)
    assert mean_over_run([0.4]) == 0.4  # a run of no months: its starting value


def _summary(indicator_finals: dict[str, float], donor_exit_month: float) -> dict:
    """A 40-year run in which each headline indicator climbs from 0.2 to its final value by
    year 20 and stays there; the reform index is their mean, as in the model."""
    ramp = np.minimum(np.arange(HORIZON + 1) / 240, 1.0)
    series = {name: 0.2 + (final - 0.2) * ramp for name, final in indicator_finals.items()}
    series["reform_index"] = sum(series[name] for name in HEADLINE_INDICATORS) / len(HEADLINE_INDICATORS)
    finals = {name: float(values[-1]) for name, values in series.items()}
    return summarise(series, finals, 0.6, 60, donor_exit_month, {"months": HORIZON})


def test_success_per_indicator_uses_the_reform_index_rule():
    finals = dict(zip(HEADLINE_INDICATORS, (0.9, 0.9, 0.9, 0.5, 0.5)))  # index 0.74: succeeds
    summary = _summary(finals, donor_exit_month=120)
    assert summary["reform_success"]
    assert [summary[f"success_{name}"] for name in HEADLINE_INDICATORS] == [True, True, True, False, False]
    assert summary["indicators_succeeded"] == 3
    # donors still there: the index and every indicator fail alike, however high they are
    present = _summary(finals, donor_exit_month=math.inf)
    assert not present["reform_success"] and present["indicators_succeeded"] == 0
    assert not any(present[f"success_{name}"] for name in HEADLINE_INDICATORS)
    # the graded outcomes do not depend on donors: they grade the path, not the verdict
    for name in (*HEADLINE_INDICATORS, "reform_index"):
        assert present[f"years_above_threshold_{name}"] == summary[f"years_above_threshold_{name}"]
    assert present["reform_index_auc"] == summary["reform_index_auc"]


def test_a_failed_index_can_hide_indicators_that_succeeded():
    """Two indicators above the threshold, the mean below it: the binary rule calls it failure,
    the per-indicator and graded outcomes show what went right and how close it came."""
    summary = _summary(dict(zip(HEADLINE_INDICATORS, (0.8, 0.8, 0.4, 0.4, 0.4))), donor_exit_month=120)
    assert not summary["reform_success"] and summary["indicators_succeeded"] == 2
    assert summary["years_above_threshold_military_out_of_politics"] > 20
    assert summary["years_above_threshold_reform_index"] == 0.0
    assert 0.2 < summary["reform_index_auc"] < summary["final_reform_index"] == pytest.approx(0.56)


def test_every_indicator_succeeding_implies_index_success():
    """The index is the indicators' mean, so five successes cannot leave it below the threshold."""
    summary = _summary(dict.fromkeys(HEADLINE_INDICATORS, 0.61), donor_exit_month=120)
    assert summary["indicators_succeeded"] == 5 and summary["reform_success"]
    assert summary["success_threshold"] == 0.6 and summary["success_sustain_years"] == 5.0


def test_the_model_summary_grades_its_own_series():
    """A run's graded outcomes are those of its recorded monthly series, with the scenario's rule."""
    model = ReformModel("reforming_state", strategy="adaptive", rng=3).run()
    frame = model.datacollector.get_model_vars_dataframe()
    summary = model.summary()
    rule = model.batch.scenario.outcomes
    assert summary["success_threshold"] == rule.threshold
    assert summary["success_sustain_years"] == rule.success_sustain_years
    exit_month = (summary["donor_exit_year"] * 12 if math.isfinite(summary["donor_exit_year"])
                  else math.inf if summary["donors_present_at_end"] else math.nan)
    sustain = round(12 * rule.success_sustain_years)
    for name in HEADLINE_INDICATORS:
        series = frame[name].to_numpy()
        assert summary[f"success_{name}"] == reform_succeeded(series, rule.threshold, sustain, exit_month)
        assert summary[f"years_above_threshold_{name}"] == years_above_threshold(series, rule.threshold)
    assert summary["reform_success"] == reform_succeeded(frame["reform_index"], rule.threshold, sustain, exit_month)
    assert summary["reform_index_auc"] == mean_over_run(frame["reform_index"])
    assert summary["indicators_succeeded"] == sum(summary[f"success_{name}"] for name in HEADLINE_INDICATORS)


def test_success_judged_at_the_last_month_is_the_summary_s_and_earlier_it_sees_only_what_had_happened():
    """succeeded_by (the calibration's T5d, read 20 years in) is reform_succeeded on the series so
    far, with the donors as they were then: at the run's last month it is the summary's verdict."""
    threshold = 0.6
    scenario = resolve_scenario("donor_surge").replace(outcomes={"threshold": threshold, "success_sustain_years": 3.0})
    runs = run_seeds(scenario, range(40))
    index = runs.series["reform_index"]
    last = index.shape[0] - 1
    verdicts = [succeeded_by(index[:, k], summary, last) for k, summary in enumerate(runs.summaries)]
    assert verdicts == [summary["reform_success"] for summary in runs.summaries]
    assert 0 < sum(verdicts) < len(verdicts)  # both verdicts occur, so the comparison can fail
    for k, summary in enumerate(runs.summaries):
        exit_month = round(12 * summary["donor_exit_year"]) if math.isfinite(summary["donor_exit_year"]) else None
        if exit_month is not None and exit_month > 36:
            # Judged while a donor was still there: never success, whatever the index did.
            assert not succeeded_by(index[:, k], summary, exit_month - 1)
            # Judged at the run's month m, the rule reads only the first m months.
            month = exit_month + 36
            if month <= last:
                assert succeeded_by(index[:, k], summary, month) == reform_succeeded(
                    index[:month + 1, k], threshold, 36, float(exit_month))


def test_graded_outcomes_travel_as_json_and_parquet(tmp_path):
    """Plain bool, int and float: summary.json and runs.parquet keep them with their types."""
    summaries = run_seeds(resolve_scenario("baseline", "adaptive"), range(3), months=24).summaries
    graded = ["reform_index_auc", "indicators_succeeded", "years_above_threshold_reform_index",
              *(f"success_{name}" for name in HEADLINE_INDICATORS),
              *(f"years_above_threshold_{name}" for name in HEADLINE_INDICATORS)]
    for summary in summaries:
        assert json.loads(json.dumps({key: summary[key] for key in graded})) == {key: summary[key] for key in graded}
        assert all(type(summary[key]) in (bool, int, float) for key in graded)
    pd.DataFrame(summaries).to_parquet(tmp_path / "runs.parquet")
    frame = pd.read_parquet(tmp_path / "runs.parquet")
    assert frame["indicators_succeeded"].dtype == "int64" and frame["reform_index_auc"].dtype == "float64"
    assert all(frame[f"success_{name}"].dtype == "bool" for name in HEADLINE_INDICATORS)
