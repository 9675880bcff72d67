"""Summary statistics against known values and hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.experiments import stats


def test_wilson_known_values() -> None:
    assert stats.wilson_ci(8, 10) == pytest.approx((0.4902, 0.9433), abs=5e-5)
    assert stats.wilson_ci(0, 10) == pytest.approx((0.0, 0.2775), abs=5e-5)
    assert stats.wilson_ci(10, 10) == pytest.approx((0.7225, 1.0), abs=5e-5)
    low90, high90 = stats.wilson_ci(8, 10, confidence=0.90)
    assert 0.4902 < low90 and high90 < 0.9433
    with pytest.raises(ValueError):
        stats.wilson_ci(3, 0)
    with pytest.raises(ValueError, match="confidence"):
        stats.wilson_ci(3, 10, confidence=1.0)


# (successes, n, confidence) -> (low, high) from the hand-written formula SciPy replaced:
# centre = (p + z^2/2n) / (1 + z^2/n), half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n),
# z = Phi^-1(1/2 + confidence/2), bounds set to exactly 0 / 1 at 0 / n successes.
OLD_WILSON = {
    (8, 10, 0.95): (0.49016247153664183, 0.9433178485456247),
    (1, 3, 0.95): (0.06149194472039621, 0.7923403991979522),
    (37, 120, 0.90): (0.24385619835333922, 0.3812626128663938),
    (999, 1000, 0.99): (0.9915394337800183, 0.9998825836463816),
    (0, 10, 0.95): (0.0, 0.2775327998628892),
    (10, 10, 0.95): (0.7224672001371107, 1.0),
    (1, 1, 0.95): (0.20654931437723745, 1.0),
}


@pytest.mark.parametrize("case", OLD_WILSON)
def test_wilson_equals_the_formula_it_replaced(case) -> None:
    """Equal to the last few units in the last place (SciPy arranges the same formula differently)."""
    assert stats.wilson_ci(*case) == pytest.approx(OLD_WILSON[case], rel=0, abs=1e-15)


@pytest.mark.parametrize("n", [1, 6, 10, 1000])
def test_wilson_bounds_are_exact_at_the_extremes(n: int) -> None:
    """At 0 successes the interval is [0, z^2/(n+z^2)], at n it is [n/(n+z^2), 1]: the outer bounds exactly."""
    z2 = 1.959963984540054**2
    low, high = stats.wilson_ci(0, n)
    assert low == 0.0 and high == pytest.approx(z2 / (n + z2), rel=1e-14)
    low, high = stats.wilson_ci(n, n)
    assert high == 1.0 and low == pytest.approx(n / (n + z2), rel=1e-14)


def test_unpaired_difference_matches_newcombe_1998_examples() -> None:
    """Newcombe (1998) Stat Med 17:873, Table II, method 10."""
    assert stats.unpaired_difference_ci(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    assert stats.unpaired_difference_ci(9, 10, 3, 10) == pytest.approx((0.1705, 0.8090), abs=5e-5)


def _pairs(both: int, a_only: int, b_only: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([1] * both + [1] * a_only + [0] * b_only + [0] * neither, dtype=bool)
    b = np.array([1] * both + [0] * a_only + [1] * b_only + [0] * neither, dtype=bool)
    return a, b


def test_paired_close_to_wald_for_large_samples() -> None:
    """Agresti's approval-rating example (n=1600): Wald interval for the paired difference is (0.0213, 0.0587)."""
    comparison = stats.compare_paired(*_pairs(794, 150, 86, 570))
    assert comparison.difference == pytest.approx(0.04)
    assert (comparison.a_only, comparison.b_only, comparison.n_pairs) == (150, 86, 1600)
    assert comparison.paired_ci == pytest.approx((0.0213, 0.0587), abs=1e-3)


def test_paired_equals_unpaired_when_outcomes_are_uncorrelated() -> None:
    comparison = stats.compare_paired(*_pairs(10, 10, 10, 10))  # phi = 0
    assert comparison.paired_ci == pytest.approx(comparison.unpaired_ci)


def test_paired_interval_is_narrower_under_positive_correlation() -> None:
    rng = np.random.default_rng(0)
    latent = rng.normal(size=200)  # common random numbers drive both strategies
    a = latent + 0.2 > 0
    b = latent - 0.1 + 0.3 * rng.normal(size=200) > 0
    comparison = stats.compare_paired(a, b)
    paired_width = comparison.paired_ci[1] - comparison.paired_ci[0]
    unpaired_width = comparison.unpaired_ci[1] - comparison.unpaired_ci[0]
    assert paired_width < 0.6 * unpaired_width
    assert comparison.paired_ci[0] < comparison.difference < comparison.paired_ci[1]


def test_kaplan_meier_hand_example_with_censoring() -> None:
    # t=1: 7 at risk, 1 event -> 6/7; t=2: 6 at risk, 1 event (one censored at 2) -> 5/7;
    # t=3: 4 at risk -> 15/28; t=4 censored; t=5: 2 at risk -> 15/56 <= 0.5, so the median is 5.
    assert stats.km_median([1, 2, 2, 3, 4, 5, 6], [1, 1, 0, 1, 0, 1, 0]) == 5.0


# Medians the hand-written product-limit estimator (replaced by SciPy's) gave on event times
# in years (months / 12, as sweeps record them), with roughly 40 % of runs censored.
OLD_KM_MEDIANS = [
    ([25.3333, 27.6667, 35.9167, 23.5, 31.25, 33.5, 9.75, 3.0833, 12.6667, 12.0833, 35.0, 36.5833, 1.1667,
      20.4167, 33.0, 6.0833, 32.0833, 5.5833, 19.1667, 32.8333, 12.75, 14.25, 11.8333, 29.0, 10.9167, 39.5833,
      18.3333, 19.5833, 20.6667, 23.6667, 22.5833, 20.8333, 39.75, 32.4167, 31.8333, 28.25, 25.25, 14.25],
     [1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1,
      1, 0, 1], 27.6667),
    ([26.0833, 6.3333, 34.0, 17.3333, 34.0, 32.75, 38.8333, 1.5, 34.75, 25.5, 19.9167, 31.9167, 38.0833, 21.0,
      4.3333, 29.25, 9.9167, 9.75, 8.5, 8.6667, 36.4167, 15.0833, 5.0833, 7.9167, 16.3333, 14.4167, 13.0833,
      37.9167, 34.75, 23.3333, 39.4167, 14.25, 6.3333, 11.5833, 4.4167, 38.0833, 9.5],
     [0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1,
      0, 0], 34.75),
    ([4.5, 8.1667, 29.5833, 3.3333, 27.4167, 17.0, 1.0833, 30.75, 28.25, 32.75, 35.9167, 29.4167, 33.75, 5.3333,
      36.75, 36.5833, 28.0, 32.25, 29.8333, 35.1667, 35.6667, 21.3333, 32.8333, 36.6667, 12.5833, 2.75],
     [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1], 29.8333),
]


@pytest.mark.parametrize("durations, observed, old_median", OLD_KM_MEDIANS)
def test_km_median_equals_the_hand_written_estimator_it_replaced(durations, observed, old_median) -> None:
    assert stats.km_median(durations, observed) == old_median


@pytest.mark.parametrize("durations, observed, median", [
    # 1,1 | 2,2 | 4: S = 8/10 * 6/8 * 5/6 = 1/2 exactly at t=4 (rounded: 0.5000000000000001).
    ([1, 1, 2, 2, 4, 5, 8, 8, 8, 9], [1, 1, 1, 1, 1, 1, 1, 1, 1, 0], 4.0),
    # S = 10/12 * 8/10 * 7/8 * 6/7 = 1/2 exactly at t=14; the old estimator said 23.
    ([3, 26, 6, 27, 6, 14, 3, 23, 29, 7, 23, 24], [1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1], 14.0),
])
def test_km_median_at_a_survival_of_exactly_one_half_does_not_depend_on_rounding(durations, observed, median):
    """The median is the first time the survival is at most 1/2; where it is 1/2 in exact arithmetic,
    the product of rounded ratios lands a hair above it, and without a tolerance the median would
    move to the next event time (5 and 23 here, as the hand-written estimator had it)."""
    assert stats.km_median(durations, observed) == median


def test_km_median_is_inf_when_survival_stays_above_half() -> None:
    durations, observed = stats.censor_at_horizon([3.0, None, float("nan"), 7.0, 120.0], horizon=100)
    np.testing.assert_array_equal(durations, [3, 100, 100, 7, 100])
    np.testing.assert_array_equal(observed, [True, False, False, True, False])
    assert stats.km_median(durations, observed) == math.inf


def test_bootstrap_is_reproducible_with_a_seed() -> None:
    values = np.random.default_rng(1).exponential(size=300)
    first = stats.bootstrap_mean_ci(values, seed=42)
    assert stats.bootstrap_mean_ci(values, seed=42) == first
    assert stats.bootstrap_mean_ci(values, seed=43) != first
    assert first[0] < values.mean() < first[1]
    low, high = stats.bootstrap_quantile_ci(values, 0.9, seed=42)
    assert low < np.quantile(values, 0.9) < high
    assert stats.bootstrap_quantile_ci(values, 0.9, seed=42) == (low, high)


def _strategy_results() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for replication in range(100):
        u = rng.uniform()  # common random number for this replication
        for strategy, p in (("a", 0.7), ("b", 0.5), ("c", 0.5)):
            rows.append({"strategy": strategy, "replication": replication, "success": u < p})
    return pd.DataFrame(rows)


def test_rank_by_success() -> None:
    ranking = stats.rank_by_success(_strategy_results(), group="strategy", success="success")
    assert list(ranking["strategy"]) == ["a", "b", "c"]
    assert list(ranking["rank"]) == [1, 2, 2]  # b and c succeed on exactly the same replications
    assert ranking.loc[0, "p"] == pytest.approx(ranking.loc[0, "successes"] / 100)
    assert (ranking["ci_low"] < ranking["p"]).all() and (ranking["p"] < ranking["ci_high"]).all()


def test_pairwise_comparisons_are_paired_on_replication() -> None:
    table = stats.pairwise_comparisons(_strategy_results(), group="strategy", success="success")
    assert list(zip(table["a"], table["b"])) == [("a", "b"), ("a", "c"), ("b", "c")]
    b_vs_c = table.iloc[2]
    assert b_vs_c["difference"] == 0 and b_vs_c["paired_high"] - b_vs_c["paired_low"] < 0.05
    assert (table["paired_high"] - table["paired_low"] < table["unpaired_high"] - table["unpaired_low"]).all()


def test_precision_check_for_proportions() -> None:
    results = _strategy_results()
    loose = stats.precision_check(results, group="strategy", success="success", target_half_width=0.2)
    assert loose.met and loose.additional_replications == 0
    tight = stats.precision_check(results, group="strategy", success="success", target_half_width=0.05)
    assert not tight.met and tight.worst in {"b", "c"}
    assert tight.worst_half_width == pytest.approx(0.096, abs=0.005)
    expected = math.ceil(100 * (tight.worst_half_width / 0.05) ** 2) - 100
    assert tight.additional_replications == expected
    capped = stats.precision_check(
        results, group="strategy", success="success", target_half_width=0.05, max_replications=150
    )
    assert capped.additional_replications == 50


def test_precision_check_for_paired_differences() -> None:
    check = stats.precision_check(
        _strategy_results(), group="strategy", success="success", target_half_width=0.05, paired_differences=True
    )
    assert check.worst in {"a - b", "a - c"}
    assert not check.met and check.additional_replications > 0


def test_paired_interval_has_nominal_coverage_under_crn() -> None:
    """Simulated coverage: ~95 % for the paired interval; the unpaired one over-covers (it is too wide)."""
    rng = np.random.default_rng(2024)
    t_a, t_b, rho, n, trials = 0.3, 0.0, 0.8, 60, 2000
    true_difference = _scipy_norm_cdf(t_a) - _scipy_norm_cdf(t_b)
    paired_hits = unpaired_hits = 0
    for _ in range(trials):
        z = rng.normal(size=n)
        a = z < t_a
        b = rho * z + math.sqrt(1 - rho**2) * rng.normal(size=n) < t_b
        comparison = stats.compare_paired(a, b)
        paired_hits += comparison.paired_ci[0] <= true_difference <= comparison.paired_ci[1]
        unpaired_hits += comparison.unpaired_ci[0] <= true_difference <= comparison.unpaired_ci[1]
    assert 0.93 <= paired_hits / trials <= 0.975
    assert unpaired_hits / trials > 0.985


def _scipy_norm_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))
