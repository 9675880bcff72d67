"""Variance components and sign shares of clustered values (sim.experiments.stats), on
synthetic data whose between- and within-cluster variances are known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from sim.experiments.stats import (
    clusters_favouring,
    normal_share_favouring,
    pairwise_comparisons,
    variance_components,
)

#: Simulated datasets per recovery check, and the seed of the whole check.
DATASETS, SEED = 2000, 20261126


def simulated(rng: np.random.Generator, sizes: np.ndarray, between: float, within: float, mean: float = 0.0):
    """Values y_ci = mean + u_c + e_ci with u_c ~ N(0, between), e_ci ~ N(0, within); cluster c has sizes[c] values."""
    clusters = np.repeat(np.arange(sizes.size), sizes)
    effects = rng.normal(mean, math.sqrt(between), sizes.size)
    return effects[clusters] + rng.normal(0.0, math.sqrt(within), clusters.size), clusters


@pytest.mark.parametrize("sizes", [np.full(40, 25), np.array([12, 13] * 20)], ids=["balanced", "m_or_m_plus_1"])
def test_between_and_within_variances_are_recovered(sizes):
    """B0 = 0.04, W0 = 0.2 over 40 clusters: the estimates averaged over 2000 seeded datasets lie
    within 4 standard errors of the truth (the ANOVA estimators are unbiased; truncating B at 0
    happens with probability ~1e-4 here, about 3.7 standard deviations below B0). Leaving out the
    W/m correction would put B's average 0.008 (balanced) too high, over 20
    standard errors."""
    rng = np.random.default_rng(SEED)
    b0, w0 = 0.04, 0.2
    estimates = np.array([(s.between, s.within) for s in
                          (variance_components(*simulated(rng, sizes, b0, w0)) for _ in range(DATASETS))])
    standard_errors = estimates.std(axis=0, ddof=1) / math.sqrt(DATASETS)
    assert abs(estimates[:, 0].mean() - b0) < 4 * standard_errors[0], (estimates[:, 0].mean(), standard_errors[0])
    assert abs(estimates[:, 1].mean() - w0) < 4 * standard_errors[1], (estimates[:, 1].mean(), standard_errors[1])
    assert (standard_errors < 0.0004).all()  # so 4 standard errors is a margin of at most 0.0016


def test_balanced_estimates_are_the_stated_equations():
    """W = mean of the clusters' sample variances; B = max(0, sample variance of the cluster means - W/m)."""
    rng = np.random.default_rng(1)
    values, clusters = simulated(rng, np.full(6, 5), 0.3, 1.0, mean=0.4)
    table = values.reshape(6, 5)
    split = variance_components(values, clusters)
    within = table.var(axis=1, ddof=1).mean()
    assert split.within == pytest.approx(within)
    assert split.between == pytest.approx(max(0.0, table.mean(axis=1).var(ddof=1) - within / 5))
    assert split.between_share == pytest.approx(split.between / (split.between + split.within))
    assert (split.clusters, split.smallest_cluster, split.mean) == (6, 5, pytest.approx(values.mean()))


def test_no_between_variance_is_truncated_at_zero_and_single_values_leave_it_unknown():
    identical_means = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])  # three clusters of [0, 1]
    split = variance_components(identical_means, [0, 0, 1, 1, 2, 2])
    assert split.between == 0.0 and split.within == pytest.approx(0.5) and split.between_share == 0.0
    single = variance_components([0.1, 0.4, -0.2], [0, 1, 2])
    assert math.isnan(single.within) and math.isnan(single.between) and math.isnan(single.between_share)
    one_cluster = variance_components([0.1, 0.4, -0.2], [0, 0, 0])
    assert one_cluster.within == pytest.approx(np.var([0.1, 0.4, -0.2], ddof=1)) and math.isnan(one_cluster.between)
    constant = variance_components([0.0] * 4, [0, 0, 1, 1])
    assert (constant.between, constant.within) == (0.0, 0.0) and math.isnan(constant.between_share)


def test_clusters_favouring_counts_clusters_not_values():
    # cluster means: +0.5 (one value), +0.25, -0.1 (ten values), +1.0; overall mean is positive
    values = [0.5, 0.0, 0.5, *[-0.1] * 10, 1.0, 1.0]
    clusters = [0, 1, 1, *[2] * 10, 3, 3]
    assert np.mean(values) > 0
    assert clusters_favouring(values, clusters) == 0.75
    assert clusters_favouring([-v for v in values], clusters) == 0.75  # the sign of the overall mean decides
    assert clusters_favouring([0.2, -0.2, 0.1, -0.1], [0, 0, 1, 1]) != clusters_favouring([0.2, -0.1], [0, 1])
    assert math.isnan(clusters_favouring([0.2, -0.2], [0, 1]))  # an overall mean of 0 favours nothing


def test_normal_share_favouring():
    assert normal_share_favouring(0.1, 0.01) == pytest.approx(scipy_stats.norm.cdf(1.0))  # 0.841
    assert normal_share_favouring(-0.1, 0.01) == normal_share_favouring(0.1, 0.01)
    assert normal_share_favouring(0.05, 0.0) == 1.0
    assert math.isnan(normal_share_favouring(0.05, math.nan)) and math.isnan(normal_share_favouring(0.0, 0.01))


def test_the_corrected_share_undoes_the_pull_of_chance():
    """Cluster effects ~ N(0.05, 0.0025), so a share Phi(1) = 0.841 of clusters favours the sign;
    within-cluster noise of variance 0.1 over 50 values makes the raw share of cluster means
    Phi(0.05 / sqrt(0.0045)) = 0.772 instead. Over 200 seeded datasets of 200 clusters, the raw
    share averages within 0.01 of 0.772 and the corrected one within 0.01 of 0.841."""
    rng = np.random.default_rng(SEED)
    raw, corrected = [], []
    for _ in range(200):
        values, clusters = simulated(rng, np.full(200, 50), 0.0025, 0.1, mean=0.05)
        split = variance_components(values, clusters)
        raw.append(clusters_favouring(values, clusters))
        corrected.append(normal_share_favouring(split.mean, split.between))
    assert abs(np.mean(raw) - scipy_stats.norm.cdf(0.05 / math.sqrt(0.0045))) < 0.01
    assert abs(np.mean(corrected) - scipy_stats.norm.cdf(1.0)) < 0.01


def test_pairwise_comparisons_split_by_cluster():
    """With ``cluster``, each pair's paired differences are split by cluster; the interval columns
    are those without it. A cluster that differs within a pair is refused."""
    rows = []
    for replication in range(8):
        draw = replication % 2
        rows += [{"replication": replication, "draw": draw, "group": "a", "ok": replication < 6},
                 {"replication": replication, "draw": draw, "group": "b", "ok": draw == 1 and replication > 4}]
    results = pd.DataFrame(rows)
    plain = pairwise_comparisons(results, group="group", success="ok")
    split = pairwise_comparisons(results, group="group", success="ok", cluster="draw")
    pd.testing.assert_frame_equal(split[plain.columns], plain)
    d = results[results.group == "a"].ok.to_numpy(float) - results[results.group == "b"].ok.to_numpy(float)
    expected = variance_components(d, np.arange(8) % 2)
    row = split.iloc[0]
    assert (row["clusters"], row["cluster_size"]) == (2, 4)
    assert (row["between_cluster_variance"], row["within_cluster_variance"]) == (expected.between, expected.within)
    assert row["clusters_favouring"] == clusters_favouring(d, np.arange(8) % 2)
    results.loc[0, "draw"] = 1  # replication 0: a in draw 1, b in draw 0
    with pytest.raises(ValueError, match="draw must be the same for every group within a pair"):
        pairwise_comparisons(results, group="group", success="ok", cluster="draw")
