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
    durations = [1, 2, 2, 3, 4, 5, 6]
    observed = [1, 1, 0, 1, 0, 1, 0]
    curve = stats.kaplan_meier(durations, observed)
    np.testing.assert_array_equal(curve.times, [1, 2, 3, 5])
    np.testing.assert_array_equal(curve.at_risk, [7, 6, 4, 2])
    np.testing.assert_allclose(curve.survival, [6 / 7, 5 / 7, 15 / 28, 15 / 56])
    assert stats.km_median(durations, observed) == 5.0


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


def test_wilson_bounds_are_exact_at_the_extremes():
    from sim.experiments.stats import wilson_ci

    assert wilson_ci(0, 6)[0] == 0.0 and wilson_ci(6, 6)[1] == 1.0
