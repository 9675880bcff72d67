"""Summary statistics for Monte Carlo results: pure functions on numpy / pandas.

Interval conventions: every ``*_ci`` returns ``(low, high)`` at the given
two-sided confidence; "half-width" means ``(high - low) / 2`` (Wilson and
Newcombe intervals are asymmetric, so this is the average of the two arms).

Why these methods:

* Wilson score intervals for proportions -- the Wald interval collapses to
  zero width at 0 % or 100 % success, which small pilot sweeps hit often.
* Newcombe's hybrid score intervals (method 10) for differences of
  proportions, in the unpaired form (Newcombe 1998, Stat Med 17:873) and the
  paired form (Newcombe 1998, Stat Med 17:2635).  Under common random
  numbers two strategies are evaluated on the same replications, their
  outcomes are positively correlated, and the paired interval is much
  narrower -- that is the point of CRN.
* Kaplan--Meier for time-to-event, because runs that never reach the event
  within the horizon are right-censored, not failures at the horizon.
* For runs grouped in clusters (e.g. each cluster one draw of uncertain inputs,
  each run in it one seed), the one-way random-effects analysis of variance by
  the method of moments: how much of a quantity's variance lies between
  clusters and how much within them (:func:`variance_components`).

The Wilson interval and the Kaplan--Meier estimator are SciPy's; the Newcombe
intervals, which SciPy lacks, are written out here on top of SciPy's Wilson arms.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats as _scipy_stats


def wilson_ci(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (8/10 -> (0.490, 0.943)), from SciPy.

    SciPy returns exactly 0 and 1 at 0 and n successes, where the formula would leave rounding
    residue; elsewhere it agrees with the textbook formula to a few units in the last place.
    """
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n > 0, got {successes}/{n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    interval = _scipy_stats.binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence,
                                                                            method="wilson")
    return float(interval.low), float(interval.high)


def _newcombe_difference_ci(
    p_a: float, ci_a: tuple[float, float], p_b: float, ci_b: tuple[float, float], phi: float
) -> tuple[float, float]:
    """Square-and-add of the Wilson arms of ``p_a - p_b``; ``phi`` is their correlation (0 if independent)."""
    (low_a, high_a), (low_b, high_b) = ci_a, ci_b
    difference = p_a - p_b
    below = math.sqrt(max(0.0, (p_a - low_a) ** 2 - 2 * phi * (p_a - low_a) * (high_b - p_b) + (high_b - p_b) ** 2))
    above = math.sqrt(max(0.0, (high_a - p_a) ** 2 - 2 * phi * (high_a - p_a) * (p_b - low_b) + (p_b - low_b) ** 2))
    return max(-1.0, difference - below), min(1.0, difference + above)


def unpaired_difference_ci(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe hybrid score interval for ``p_a - p_b`` from independent samples."""
    p_a, p_b = successes_a / n_a, successes_b / n_b
    return _newcombe_difference_ci(
        p_a, wilson_ci(successes_a, n_a, confidence), p_b, wilson_ci(successes_b, n_b, confidence), phi=0.0
    )


@dataclass(frozen=True)
class PairedComparison:
    """Strategy A vs B on the same replications (binary success)."""

    n_pairs: int
    p_a: float
    p_b: float
    a_only: int  # replications where A succeeded and B did not
    b_only: int
    paired_ci: tuple[float, float]  # uses the pairing (what CRN buys)
    unpaired_ci: tuple[float, float]  # ignores it, for contrast

    @property
    def difference(self) -> float:
        """``p_a - p_b``."""
        return self.p_a - self.p_b


def compare_paired(success_a: ArrayLike, success_b: ArrayLike, confidence: float = 0.95) -> PairedComparison:
    """Paired difference of success proportions; element i of both arrays is replication i."""
    a = np.asarray(success_a, dtype=bool)
    b = np.asarray(success_b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError("success_a and success_b must be non-empty 1-d arrays of equal length")
    n = int(a.size)
    both, a_only, b_only = int(np.sum(a & b)), int(np.sum(a & ~b)), int(np.sum(~a & b))
    neither = n - both - a_only - b_only
    margins = (both + a_only) * (b_only + neither) * (both + b_only) * (a_only + neither)
    phi = (both * neither - a_only * b_only) / math.sqrt(margins) if margins > 0 else 0.0
    p_a, p_b = (both + a_only) / n, (both + b_only) / n
    # Both intervals square and add the same Wilson arms (computed once: SciPy's cost ~0.3 ms each).
    ci_a, ci_b = wilson_ci(both + a_only, n, confidence), wilson_ci(both + b_only, n, confidence)
    return PairedComparison(
        n_pairs=n,
        p_a=p_a,
        p_b=p_b,
        a_only=a_only,
        b_only=b_only,
        paired_ci=_newcombe_difference_ci(p_a, ci_a, p_b, ci_b, phi),
        unpaired_ci=_newcombe_difference_ci(p_a, ci_a, p_b, ci_b, phi=0.0),
    )


def _bootstrap_ci(
    values: ArrayLike,
    statistic: Callable[[np.ndarray, int], np.ndarray],
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float, float]:
    data = np.asarray(values, dtype=float)
    if data.ndim != 1 or data.size < 2:
        raise ValueError("bootstrap needs a 1-d array of at least two values")
    result = _scipy_stats.bootstrap(
        (data,),
        statistic,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def bootstrap_mean_ci(
    values: ArrayLike, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean; the same seed gives the same interval."""
    return _bootstrap_ci(values, lambda x, axis: np.mean(x, axis=axis), confidence, n_resamples, seed)


def bootstrap_quantile_ci(
    values: ArrayLike, q: float, *, confidence: float = 0.95, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap interval of the ``q`` quantile (e.g. q=0.9 for a pessimistic cost)."""
    return _bootstrap_ci(values, lambda x, axis: np.quantile(x, q, axis=axis), confidence, n_resamples, seed)


def censor_at_horizon(event_times: ArrayLike, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Durations and event flags from per-run event times, where None/NaN means "never happened".

    Runs without the event, or with it after ``horizon``, are censored at
    the horizon: we only know the event did not occur before it.
    """
    times = np.asarray(pd.to_numeric(pd.Series(event_times, dtype=object), errors="raise"), dtype=float)
    observed = ~np.isnan(times) & (times <= horizon)
    return np.where(observed, times, float(horizon)), observed


#: A Kaplan-Meier survival within this of one half counts as one half. The estimate is a
#: product of one ratio per event time, each rounded, so a survival of exactly 1/2 in exact
#: arithmetic can come out a few units in the last place either side of it (6/12 as
#: 0.5000000000000001 once put a median at 23 years instead of 14); the median would then
#: depend on rounding. The error grows like (event times) x 1e-16, far below this.
_HALF_TOLERANCE = 1e-10


def km_survival(durations: ArrayLike, observed: ArrayLike):
    """SciPy's Kaplan--Meier survival function (``ecdf(...).sf``) of right-censored durations
    (``observed`` False: censored); None when no event was observed."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if not observed.any():
        return None
    return _scipy_stats.ecdf(_scipy_stats.CensoredData(uncensored=durations[observed],
                                                       right=durations[~observed])).sf


def km_median(durations: ArrayLike, observed: ArrayLike) -> float:
    """Kaplan--Meier median time to event: the first time the survival falls to one half.

    The estimator is SciPy's (``ecdf`` of right-censored data; at tied times events count
    before censorings, the usual convention). ``inf`` when the survival never falls that low:
    with censoring at the horizon, the event happens in fewer than half of the runs by the
    horizon; the median lies beyond the longest follow-up, it is not missing.
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.shape != observed.shape or durations.ndim != 1:
        raise ValueError("durations and observed must be 1-d arrays of equal length")
    survival = km_survival(durations, observed)
    if survival is None:
        return math.inf
    below = np.nonzero(survival.probabilities <= 0.5 + _HALF_TOLERANCE)[0]
    return float(survival.quantiles[below[0]]) if below.size else math.inf


def rank_by_success(results: pd.DataFrame, *, group: str, success: str, confidence: float = 0.95) -> pd.DataFrame:
    """One row per group: n, successes, p, Wilson CI and rank (1 = highest p; ties share a rank).

    Sorted by p descending, then by group label, so the order is deterministic.
    """
    counts = results.groupby(group, sort=True)[success].agg(n="count", successes="sum").reset_index()
    counts["successes"] = counts["successes"].astype(int)
    counts["p"] = counts["successes"] / counts["n"]
    intervals = [wilson_ci(s, n, confidence) for s, n in zip(counts["successes"], counts["n"])]
    counts["ci_low"] = [low for low, _ in intervals]
    counts["ci_high"] = [high for _, high in intervals]
    counts["rank"] = counts["p"].rank(method="min", ascending=False).astype(int)
    return counts.sort_values(["p", group], ascending=[False, True], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class VarianceComponents:
    """A quantity's variance split between clusters (B) and within them (W); see :func:`variance_components`."""

    clusters: int  # C, clusters with at least one value
    smallest_cluster: int  # m, the fewest values in a cluster
    mean: float  # the mean over all values
    between: float  # B, variance of the clusters' expected values (NaN if C < 2 or W is NaN)
    within: float  # W, expected variance within a cluster (NaN if no cluster has two values)

    @property
    def between_share(self) -> float:
        """``B / (B + W)``: the share of the variance that lies between clusters (NaN if B + W is 0 or unknown)."""
        total = self.between + self.within
        return self.between / total if np.isfinite(total) and total > 0 else math.nan


def variance_components(values: ArrayLike, clusters: ArrayLike) -> VarianceComponents:
    """One-way random-effects variance components by the method of moments (ANOVA estimator).

    Model: value ``y_ci = mu + u_c + e_ci`` in cluster c, with ``u_c`` of variance B and
    ``e_ci`` of variance W, so ``Var(y) = B + W`` (the law of total variance: B is the variance
    of the clusters' expected values, W the expected variance within a cluster).

    Balanced (every cluster m values, C clusters, within-cluster sample variances ``s_c^2``,
    cluster means ``ybar_c``): ``W = (1/C) sum_c s_c^2`` and
    ``B = max(0, Var_c(ybar_c) - W/m)`` (sample variance, ddof 1), since
    ``E[Var_c(ybar_c)] = B + W/m``. Unbalanced (``n_c`` values in cluster c, N in all), the
    same moments weighted by size: ``W = sum_c (n_c - 1) s_c^2 / (N - C)``,
    ``MSB = sum_c n_c (ybar_c - ybar)^2 / (C - 1)``, ``n0 = (N - sum_c n_c^2 / N) / (C - 1)`` and
    ``B = max(0, (MSB - W) / n0)``; with equal sizes these are the balanced formulas exactly.
    W needs a cluster with two values (N > C), B also two clusters; otherwise NaN.
    """
    y = np.asarray(values, dtype=float)
    labels = np.asarray(clusters)
    if y.ndim != 1 or labels.shape != y.shape or y.size == 0:
        raise ValueError("values and clusters must be non-empty 1-d arrays of equal length")
    _, inverse, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    n, c = y.size, sizes.size
    means = np.bincount(inverse, weights=y) / sizes
    within = float(np.sum((y - means[inverse]) ** 2) / (n - c)) if n > c else math.nan
    between = math.nan
    if c >= 2 and np.isfinite(within):
        mean_square_between = float(np.sum(sizes * (means - y.mean()) ** 2) / (c - 1))
        effective_size = (n - float(np.sum(sizes.astype(float) ** 2)) / n) / (c - 1)
        between = max(0.0, (mean_square_between - within) / effective_size)
    return VarianceComponents(clusters=int(c), smallest_cluster=int(sizes.min()), mean=float(y.mean()),
                              between=between, within=within)


def clusters_favouring(values: ArrayLike, clusters: ArrayLike) -> float:
    """Share of clusters whose mean has the sign of the overall mean: ``(1/C) sum_c [sign(ybar_c) = sign(ybar)]``.

    Each cluster counts once, whatever its size. The cluster means carry their within-cluster
    noise (variance W/m), which pulls this share towards one half; :func:`normal_share_favouring`
    is the share among the clusters' expected values. NaN when the overall mean is 0 (no sign
    to favour).
    """
    y = np.asarray(values, dtype=float)
    labels = np.asarray(clusters)
    if y.ndim != 1 or labels.shape != y.shape or y.size == 0:
        raise ValueError("values and clusters must be non-empty 1-d arrays of equal length")
    _, inverse, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=y) / sizes
    overall = np.sign(y.mean())
    return float(np.mean(np.sign(means) == overall)) if overall != 0 else math.nan


def normal_share_favouring(mean: float, between: float) -> float:
    """``Phi(|mu| / sqrt(B))``: the share of clusters whose expected value has the sign of ``mu``,
    if the clusters' expected values are normally distributed with mean ``mu`` and variance B.

    B = 0: every cluster has the expected value ``mu``, so 1. NaN when B is unknown or ``mu`` is
    0 (no sign to favour).
    """
    if not np.isfinite(between) or mean == 0:
        return math.nan
    if between == 0:
        return 1.0
    return float(_scipy_stats.norm.cdf(abs(mean) / math.sqrt(between)))


def pairwise_comparisons(
    results: pd.DataFrame,
    *,
    group: str,
    success: str,
    pair_on: Sequence[str] = ("replication",),
    cluster: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired comparison of every pair of groups, matched on ``pair_on`` (e.g. replication).

    Only pairs observed for both groups are used.  Columns: a, b, n_pairs,
    p_a, p_b, difference, paired_low/high, unpaired_low/high.

    ``cluster``: a column constant within each pair (e.g. which draw of uncertain inputs the
    replication used). The paired difference ``d = success_a - success_b`` of each pair is then
    also split by cluster: ``clusters`` (C), ``cluster_size`` (m, the fewest pairs in a
    cluster), ``clusters_favouring`` (:func:`clusters_favouring`), ``clusters_favouring_normal``
    (:func:`normal_share_favouring` of the difference and B), ``between_cluster_variance`` (B),
    ``within_cluster_variance`` (W) and ``between_share`` (B / (B + W)), from
    :func:`variance_components`. The interval stays the one over all pairs: clusters are part
    of what it treats as random.
    """
    wide = results.pivot(index=list(pair_on), columns=group, values=success)
    cluster_of = None
    if cluster is not None:
        by_pair = results.groupby(list(pair_on))[cluster]
        if (by_pair.nunique(dropna=False) > 1).any():
            raise ValueError(f"{cluster} must be the same for every group within a pair ({', '.join(pair_on)})")
        cluster_of = by_pair.first()
    rows = []
    for a, b in itertools.combinations(sorted(wide.columns), 2):
        both = wide[[a, b]].dropna()
        if both.empty:
            continue
        comparison = compare_paired(both[a].astype(bool), both[b].astype(bool), confidence)
        row = {
            "a": a,
            "b": b,
            "n_pairs": comparison.n_pairs,
            "p_a": comparison.p_a,
            "p_b": comparison.p_b,
            "difference": comparison.difference,
            "paired_low": comparison.paired_ci[0],
            "paired_high": comparison.paired_ci[1],
            "unpaired_low": comparison.unpaired_ci[0],
            "unpaired_high": comparison.unpaired_ci[1],
        }
        if cluster_of is not None:
            difference = both[a].astype(float).to_numpy() - both[b].astype(float).to_numpy()
            labels = cluster_of.loc[both.index].to_numpy()
            split = variance_components(difference, labels)
            row.update(
                {
                    "clusters": split.clusters,
                    "cluster_size": split.smallest_cluster,
                    "clusters_favouring": clusters_favouring(difference, labels),
                    "clusters_favouring_normal": normal_share_favouring(split.mean, split.between),
                    "between_cluster_variance": split.between,
                    "within_cluster_variance": split.within,
                    "between_share": split.between_share,
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PrecisionCheck:
    """Whether every interval is narrow enough, and how many more replications would get there."""

    target_half_width: float
    worst_half_width: float
    worst: str
    met: bool
    additional_replications: int


def _additional_replications(half_widths: np.ndarray, ns: np.ndarray, target: float) -> int:
    """Half-widths shrink like 1/sqrt(n): n_needed = n * (h / target)^2, the worst estimate decides."""
    needed = np.ceil(ns * (half_widths / target) ** 2)
    return int(max(0.0, float(np.max(needed - ns))))


def precision_check(
    results: pd.DataFrame,
    *,
    group: str,
    success: str,
    target_half_width: float,
    paired_differences: bool = False,
    pair_on: Sequence[str] = ("replication",),
    max_replications: int | None = None,
    confidence: float = 0.95,
) -> PrecisionCheck:
    """Decide whether to stop adding replications.

    Checks each group's success proportion (Wilson) or, with
    ``paired_differences``, each pair of groups' paired difference
    (Newcombe), against ``target_half_width``.  The suggestion extrapolates
    the 1/sqrt(n) law from the current half-widths, so treat it as a next
    batch size, not a guarantee; it is capped so the total per group does
    not exceed ``max_replications``.
    """
    if target_half_width <= 0:
        raise ValueError("target_half_width must be positive")
    if paired_differences:
        table = pairwise_comparisons(results, group=group, success=success, pair_on=pair_on, confidence=confidence)
        if table.empty:
            raise ValueError("no pair of groups shares a replication")
        labels = [f"{a} - {b}" for a, b in zip(table["a"], table["b"])]
        half_widths = ((table["paired_high"] - table["paired_low"]) / 2).to_numpy()
        ns = table["n_pairs"].to_numpy()
    else:
        table = rank_by_success(results, group=group, success=success, confidence=confidence)
        labels = [str(label) for label in table[group]]
        half_widths = ((table["ci_high"] - table["ci_low"]) / 2).to_numpy()
        ns = table["n"].to_numpy()
    worst = int(np.argmax(half_widths))
    additional = _additional_replications(half_widths, ns, target_half_width)
    if max_replications is not None:
        additional = max(0, min(additional, max_replications - int(np.max(ns))))
    return PrecisionCheck(
        target_half_width=target_half_width,
        worst_half_width=float(half_widths[worst]),
        worst=labels[worst],
        met=bool(half_widths[worst] < target_half_width),
        additional_replications=additional,
    )
