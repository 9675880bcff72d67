"""Corruption as a collective-action problem: tipping, bistability and hysteresis."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .common import Level, logistic


def peer_prevalence(
    corruption: np.ndarray, peers: sp.csr_matrix, has_peers: np.ndarray, sector_mean: Level
) -> np.ndarray:
    """Prevalence of corruption an actor sees: p_i = (sum_j P_ij c_j + sector mean) / 2.

    P is row-stochastic over patronage and command ties (rows without such ties see only the
    sector). Persson, Rothstein & Teorell (2013): where corruption is systemic the expected
    payoff of honesty is low because everybody else is corrupt.
    """
    local = np.where(has_peers, peers @ corruption, sector_mean)
    return 0.5 * (local + sector_mean)


def detection_risk(
    transparency: Level, oversight: Level, independence: Level, monitoring: Level, base: float
) -> Level:
    """Probability a corrupt act is detected and sanctioned, through three independent channels.

        D = b + (1 - b) (1 - (1 - 0.4 T)(1 - O I)(1 - 0.6 M))

    T: the integrity system (de facto integrity reform or an anti-corruption drive);
    O I: parliamentary oversight weighted by its independence from the executive;
    M: civil-society and media monitoring. Monitoring and integrity bodies expose more than
    they sanction, hence the 0.4 and 0.6 (Persson, Rothstein & Teorell 2013: without credible
    principals detection is low; Klitgaard 1988: C = M + D - A).
    """
    missed = (1.0 - 0.4 * transparency) * (1.0 - oversight * independence) * (1.0 - 0.6 * monitoring)
    return base + (1.0 - base) * (1.0 - missed)


def rent_opportunity(integrity_function: Level) -> Level:
    """Share of positions that still offer rents: O = 0.8 - 0.5 F_integrity (Klitgaard 1988:
    monopoly plus discretion; functioning integrity systems remove discretion)."""
    return 0.8 - 0.5 * integrity_function


def corruption_target(
    prevalence: np.ndarray,
    detection: Level,
    capture: np.ndarray,
    opportunity: Level,
    params: dict[str, float],
) -> np.ndarray:
    """Logit best response of an official to the payoff of rent-seeking.

        c*_i = O * logistic(beta (g0 + g1 p_i + k K_i - pi D))

    The payoff rises with peer prevalence p (g1 > 0: the collective-action feedback that
    makes two basins of attraction, Hammond 2000; Bauza et al. 2020; Kulakowski 2008), with
    capture K by spoilers through patronage ties (Geller & Moss 2008), and falls with the
    expected penalty pi D. O caps the share of positions that offer rents.
    """
    argument = (
        params["baseline_rent"]
        + params["peer_effect"] * prevalence
        + params["capture_strength"] * capture
        - params["detection_penalty"] * detection
    )
    return opportunity * logistic(params["steepness"] * argument)


def diversion_share(corruption: np.ndarray, rate: float) -> np.ndarray:
    """Share of reform funds diverted by the implementing agency: d = rate * c (capped at 1)."""
    return np.minimum(rate * corruption, 1.0)
