"""Targets computed the published way: exact statistics on hand-made populations, and no drift
of the fastest-20 statistic with the number of countries simulated."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibration.targets import (
    TARGETS_FILE, Statistic, TargetSet, count_fast, country_table, declining_share, expected_fastest_mean,
    fastest_mean, load_targets, perceived, relapse_share, strong_count, success_share, target_values,
)
from sim.dynamics import SeedRuns
from sim.fields import HEADLINE_INDICATORS, ScenarioError
from sim.model import resolve_scenario


@pytest.fixture(scope="module")
def targets() -> TargetSet:
    return load_targets()


def _table(n: int, **columns) -> pd.DataFrame:
    """A country table of ``n`` countries far below the threshold that never reach it, at peace,
    under the status quo; ``columns`` replace any column."""
    data = {"post_conflict": [False] * n, "strategy": ["status_quo"] * n, "threshold": [0.6] * n,
            "horizon_years": [60.0] * n, "conflict_relapse": [False] * n, "relapse_year": [math.nan] * n,
            "reform_success": [False] * n, "reform_success_year_20": [False] * n}
    for indicator in HEADLINE_INDICATORS:
        data[f"initial_{indicator}"] = [0.3] * n
        data[f"years_to_threshold_{indicator}"] = [math.nan] * n
        data[f"{indicator}_year_20"] = [0.3] * n
    data.update(columns)
    return pd.DataFrame(data)


def test_the_exact_average_equals_enumerating_every_population():
    values = np.random.default_rng(1).exponential(size=8)
    for population_size, fastest in [(4, 2), (5, 1), (8, 3)]:
        means = [np.mean(sorted(subset)[:fastest]) for subset in itertools.combinations(values, population_size)]
        assert expected_fastest_mean(values, fastest, population_size) == pytest.approx(np.mean(means), rel=1e-12)


def test_a_population_of_the_published_size_where_exactly_20_reach_the_threshold(targets):
    """102 countries, 20 of which reach bureaucratic quality at years 11 ... 30: the fastest-20
    mean is their mean, 20.5, none of it censored; the fastest is 11."""
    years = [float(y) for y in range(11, 31)] + [math.nan] * 82
    table = _table(102, years_to_threshold_bureaucratic_quality=years)
    assert targets.population_size == 102
    assert fastest_mean(table, targets, "bureaucratic_quality", 20) == Statistic(20.5, "")
    assert fastest_mean(table, targets, "bureaucratic_quality", 1).value == 11.0


def test_countries_that_never_reach_or_start_near_the_threshold_count_at_the_horizon(targets):
    """10 reach at year 15, 5 more start at 0.5 (not far below) and reach at year 1: the fastest 20
    are the 10 at 15 and 10 censored at the 60-year horizon, a mean of 37.5, half censored."""
    years = [15.0] * 10 + [1.0] * 5 + [math.nan] * 87
    initial = [0.3] * 10 + [0.5] * 5 + [0.3] * 87
    table = _table(102, years_to_threshold_rule_of_law=years, initial_rule_of_law=initial)
    value, note = fastest_mean(table, targets, "rule_of_law", 20)
    assert value == pytest.approx(37.5)
    assert note == "50% of the fastest 20 censored at the horizon"


def test_count_under_ten_years_is_per_population_of_the_published_size(targets):
    """3 of 204 simulated countries cross some indicator in under 10 years (one at 9.9 on two
    indicators, counted once); one crosses at exactly 10: 102 x 3/204 = 1.5 per population."""
    n = 204
    fast = {"years_to_threshold_military_out_of_politics": [9.9, 5.0, 10.0] + [math.nan] * (n - 3),
            "years_to_threshold_rule_of_law": [9.9, math.nan, math.nan, 2.0] + [math.nan] * (n - 4)}
    assert count_fast(_table(n, **fast), targets, 10).value == pytest.approx(1.5)


def test_big_stuck_shares(targets):
    """Of 204 countries 16 end the 20-year window strong (> 0.65) and 150 below where they began:
    8 of 102 strong, 150/204 declining."""
    n = 204
    year_20 = [0.7] * 16 + [0.2] * 150 + [0.3] * (n - 166)
    initial = [0.3] * n
    table = _table(n, bureaucratic_quality_year_20=year_20, initial_bureaucratic_quality=initial)
    assert strong_count(table, targets, "bureaucratic_quality", 20, 0.65).value == pytest.approx(8.0)
    assert declining_share(table, targets, "bureaucratic_quality", 20).value == pytest.approx(150 / 204)


def test_relapse_is_counted_among_post_conflict_countries_only(targets):
    """10 post-conflict countries: relapses in years 2, 4, 9.5 and 12, and 30 countries at peace
    that relapse (impossible in the model, but they must not count): 3/10 within 10, 2/10 within 5."""
    post = [True] * 10 + [False] * 30
    relapse = [True] * 4 + [False] * 6 + [True] * 30
    year = [2.0, 4.0, 9.5, 12.0] + [math.nan] * 6 + [1.0] * 30
    table = _table(40, post_conflict=post, conflict_relapse=relapse, relapse_year=year)
    assert relapse_share(table, targets, 10).value == pytest.approx(0.3)
    assert relapse_share(table, targets, 5).value == pytest.approx(0.2)
    assert math.isnan(relapse_share(_table(5), targets, 10).value)


def test_success_share_counts_reforming_countries_only(targets):
    strategy = ["status_quo"] * 6 + ["adaptive"] * 4
    success = [True] * 6 + [True, False, False, False]
    later = [True] * 10  # success by the end of the run is not what the statistic reads
    assert success_share(_table(10, strategy=strategy, reform_success_year_20=success, reform_success=later),
                         targets, "status_quo", 20).value == pytest.approx(0.25)


def test_the_fastest_20_statistic_does_not_drift_with_the_number_of_countries_simulated():
    """Years to threshold drawn from a known distribution (exponential, mean 30): the expected
    mean of the 20 smallest of 102 is exact (order statistics of the exponential). The
    published-way statistic estimates it without bias whatever the number of countries
    simulated (102, 400 or 3,000): its mean over replicate pools lies within 4 standard errors.
    The naive statistic, the fastest 20 of all countries simulated, drifts far below it."""
    population, fastest, scale = 102, 20, 30.0
    # E[X_(i)] of n exponentials = scale * sum_{j < i} 1 / (n - j)
    truth = scale * np.mean([sum(1.0 / (population - j) for j in range(i)) for i in range(1, fastest + 1)])
    rng = np.random.default_rng(7)
    for pool, replicates in [(102, 400), (400, 200), (3000, 40)]:
        estimates = [expected_fastest_mean(rng.exponential(scale, pool), fastest, population)
                     for _ in range(replicates)]
        standard_error = np.std(estimates, ddof=1) / math.sqrt(replicates)
        assert abs(np.mean(estimates) - truth) < 4 * standard_error, (pool, np.mean(estimates), truth)
    naive = np.mean([np.sort(rng.exponential(scale, 3000))[:fastest].mean() for _ in range(40)])
    assert naive < 0.1 * truth


def test_country_table_reads_series_and_summaries():
    """Hand-made runs of two countries: initial values, values at a year, and the summaries."""
    countries = [resolve_scenario("baseline", "status_quo"), resolve_scenario("post_conflict", "adaptive")]
    months = 12 * 3 + 1
    series = {name: np.tile(np.linspace(0.1, 0.4, months)[:, None], (1, 2)) for name in HEADLINE_INDICATORS}
    series["bureaucratic_quality"][:, 1] = 0.5
    series["reform_index"] = np.column_stack([np.linspace(0.1, 0.4, months), np.full(months, 0.7)])
    rule = {"success_threshold": 0.6, "success_sustain_years": 1.0, "donor_exit_year": math.nan}
    summaries = [{**{f"years_to_threshold_{i}": math.nan for i in HEADLINE_INDICATORS},
                  "conflict_relapse": False, "relapse_year": math.nan, "reform_success": False,
                  **rule, "donors_present_at_end": True},
                 {**{f"years_to_threshold_{i}": 2.5 for i in HEADLINE_INDICATORS},
                  "conflict_relapse": True, "relapse_year": 1.0, "reform_success": True,
                  **rule, "donors_present_at_end": False}]
    table = country_table(countries, SeedRuns((0, 1), summaries, series, [[], []]), years=[2])
    assert list(table["post_conflict"]) == [False, True]
    assert list(table["strategy"]) == ["status_quo", "adaptive"]
    assert table["initial_rule_of_law"].tolist() == pytest.approx([0.1, 0.1])
    assert table["bureaucratic_quality_year_2"].tolist() == pytest.approx([0.1 + 0.3 * 24 / 36, 0.5])
    assert table["years_to_threshold_rule_of_law"].isna().tolist() == [True, False]
    assert table["reform_success_year_2"].tolist() == [False, True]  # below the threshold; above, no donors
    with pytest.raises(ValueError, match="year 4"):
        country_table(countries, SeedRuns((0, 1), summaries, series, [[], []]), years=[4])


def test_a_perceived_step_follows_the_first_order_lag():
    """A step from 0.3 to 0.8 at month 0+ seen through a lag of L years: 1 - exp(-t/L) of it after
    t years (to the monthly recursion's precision), never ahead of the state, and the threshold
    0.6 crossed after about L ln(5/2) years instead of at once; no lag returns the series itself."""
    months = 12 * 30 + 1
    state = np.full((months, 2), 0.8)
    state[0] = 0.3
    for lag in (2.0, 5.0):
        seen = perceived(state, lag)
        assert seen[0].tolist() == [0.3, 0.3]
        t = np.arange(months) / 12
        assert np.allclose(seen[:, 0], 0.8 - 0.5 * (1 - 1 / (12 * lag)) ** np.arange(months))
        assert np.allclose(seen[:, 0], 0.8 - 0.5 * np.exp(-t / lag), atol=0.5 / (12 * lag))
        assert (seen <= state + 1e-15).all() and (np.diff(seen[:, 0]) >= 0).all()
        crossed = np.flatnonzero(seen[:, 0] >= 0.6)[0] / 12
        assert crossed == pytest.approx(lag * np.log(2.5), abs=1 / 12 + 0.05 * lag)
    assert np.array_equal(perceived(state, 0.0), state)


def test_country_table_reads_the_perceived_indicators_when_the_targets_set_a_lag():
    """With a lag, initial values, values at a year and the years to the threshold are the lagged
    series'; without, the summaries' years are taken as they are."""
    countries = [resolve_scenario("baseline", "status_quo")] * 2
    months = 12 * 12 + 1
    series = {name: np.full((months, 2), 0.3) for name in HEADLINE_INDICATORS}
    series["rule_of_law"][1:, 1] = 0.9  # a jump in month 1
    series["reform_index"] = np.full((months, 2), 0.3)
    rule = {"success_threshold": 0.6, "success_sustain_years": 1.0, "donor_exit_year": math.nan}
    summaries = [{**{f"years_to_threshold_{i}": math.nan for i in HEADLINE_INDICATORS},
                  "years_to_threshold_rule_of_law": [math.nan, 1 / 12][k], "conflict_relapse": False,
                  "relapse_year": math.nan, "reform_success": False, **rule, "donors_present_at_end": True}
                 for k in range(2)]
    runs = SeedRuns((0, 1), summaries, series, [[], []])
    plain = country_table(countries, runs, years=[3])
    lagged = country_table(countries, runs, years=[3], perception_lag_years=4.0)
    assert plain["years_to_threshold_rule_of_law"].tolist()[1] == pytest.approx(1 / 12)
    expected = perceived(series["rule_of_law"], 4.0)
    assert lagged["rule_of_law_year_3"].tolist() == pytest.approx(expected[36].tolist())
    assert lagged["years_to_threshold_rule_of_law"].tolist()[1] == pytest.approx(
        np.flatnonzero(expected[:, 1] >= 0.6)[0] / 12)
    assert 4.0 * np.log(2) - 0.2 < lagged["years_to_threshold_rule_of_law"].iloc[1] < 4.0 * np.log(2) + 0.2
    assert math.isnan(lagged["years_to_threshold_rule_of_law"].iloc[0])


def test_a_lag_needs_its_reason(tmp_path):
    data = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))
    data["perception_lag_years"], data["perception_lag_reason"] = 3.0, ""
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"targets\.yaml.*perception_lag_reason: a lag of 3 years needs its reason"):
        load_targets(path)


def test_every_shipped_target_is_computed_on_a_table(targets):
    values = target_values(_table(120, post_conflict=[True] * 60 + [False] * 60,
                                  strategy=["adaptive"] * 30 + ["status_quo"] * 90), targets)
    assert set(values) == {t.name for t in targets.targets}
    assert all(np.isfinite(v.value) for v in values.values())


@pytest.mark.parametrize(("change", "expected"), [
    (lambda t: t[0].update(statistic="fastest_median"), "targets.0.statistic"),
    (lambda t: t[0].update(parameters={"indicator": "rule_of_law", "fastes": 20}), "targets.0.parameters: "),
    (lambda t: t[0].update(parameters={"indicator": "rule_of_lw", "fastest": 20}),
     "targets.0.parameters.indicator: 'rule_of_lw'"),
    (lambda t: t[1].update(tolerance=-1), "targets.1.tolerance"),
    (lambda t: t[2].update(role="fitted"), "targets.2.role"),
    (lambda t: t[3].update(name=t[0]["name"]), "names must be unique"),
])
def test_target_file_errors_name_the_file_and_field(tmp_path: Path, change, expected):
    data = yaml.safe_load(TARGETS_FILE.read_text(encoding="utf-8"))
    change(data["targets"])
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_targets(path)
    assert str(path) in str(error.value) and expected in str(error.value)
