"""Donors: funding by strategy, weakly enforced conditionality, patience and exit, fragmentation."""

from __future__ import annotations

import numpy as np

from .common import Level, row_total, weighted_total


def observed_function(
    de_facto: np.ndarray, de_jure: np.ndarray, manipulation: float, noise: np.ndarray
) -> np.ndarray:
    """What monitoring and evaluation report about function: F_obs = F + m (J - F)+ + noise.

    Reported indicators drift toward form (isomorphic mimicry: Andrews, Pritchett & Woolcock
    2013) by the manipulation share m, plus measurement noise.
    """
    return np.clip(de_facto + manipulation * np.maximum(de_jure - de_facto, 0.0) + noise, 0.0, 1.0)


def perceived_progress(visibility_preference: np.ndarray, form: Level, observed_function: Level) -> np.ndarray:
    """Each donor's view of progress: v J + (1 - v) F_obs, its weight v on visible (de jure) results."""
    return visibility_preference * form + (1.0 - visibility_preference) * observed_function


def disbursement(
    budget: np.ndarray, active: np.ndarray, conditionality: np.ndarray, sanctioned: np.ndarray
) -> np.ndarray:
    """Funds paid this month: B (1 - q [sanctioned]) for active donors.

    ``sanctioned`` is drawn by the caller: a breach is sanctioned only with the donor's
    enforcement probability, since donors have weak incentives to withhold aid once
    committed (Svensson 2003; Kilby 2009).
    """
    return np.where(active, budget * (1.0 - conditionality * sanctioned), 0.0)


def fragmentation_efficiency(budget: np.ndarray, coordination: np.ndarray, active: np.ndarray, cost: float) -> np.ndarray:
    """Share of aid not lost to duplication and transaction costs.

        eta = 1 - k (1 - mean coordination)(1 - HHI)

    Both the mean coordination and the Herfindahl index HHI are weighted by active donors'
    budgets: one donor cannot fragment
    (Detzner 2017: poor donor coordination as a recurring failure).
    """
    paid = np.where(active, budget, 0.0)
    total = row_total(paid)
    shares = paid / np.where(total > 0, total, 1.0)
    hhi = weighted_total(shares, shares)
    mean_coordination = weighted_total(shares, coordination)
    return np.where(total > 0, 1.0 - cost * (1.0 - mean_coordination) * (1.0 - hhi), 1.0)


def patience_update(
    patience: np.ndarray, active: np.ndarray, yearly_gain: np.ndarray, tolerance: float, full: np.ndarray
) -> np.ndarray:
    """Months of patience left: lose one each month perceived progress over the past year is
    below the tolerance, regain half a month (up to the full patience) when it is above."""
    change = np.where(yearly_gain < tolerance, -1.0, 0.5)
    return np.where(active, np.minimum(patience + change, full), patience)


def donor_pressure(funding_ties, conditionality: np.ndarray, enforcement: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Conditionality reaching each actor through funding ties: D_i = sum_d W_id q_d (0.5 + 0.5 pi_d) [active].

    ``funding_ties`` is row-stochastic over each actor's funders (columns are donors)."""
    return funding_ties @ (conditionality * (0.5 + 0.5 * enforcement) * active)
