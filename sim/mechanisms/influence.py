"""Stance toward reform spreading over the influence network."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def friedkin_johnsen_step(
    stance: np.ndarray, anchor: np.ndarray, weights: sp.csr_matrix, susceptibility: np.ndarray
) -> np.ndarray:
    """One round of Friedkin-Johnsen opinion dynamics (Friedkin & Johnsen 1990, 1999).

        s(t+1) = Lambda W s(t) + (I - Lambda) a(t)

    ``weights`` W is row-stochastic (row i: whom actor i listens to, itself included);
    ``susceptibility`` is Lambda's diagonal; ``anchor`` a(t) is each actor's own interest
    (its rents, pressures on it), which keeps stances from collapsing to consensus.
    """
    return np.clip(susceptibility * (weights @ stance) + (1.0 - susceptibility) * anchor, 0.0, 1.0)


def integrity_anchor(base: float, weight: float, integrity: np.ndarray, corruption: np.ndarray) -> np.ndarray:
    """The interest of a professional body (security forces, parliament) in reform.

        a_i = clip(a0 + k x_i (1 - c_i), 0, 1)

    x is the body's professional trait (a force's professionalism, parliament's independence):
    the more professional and the less corrupt, the more it gains from accountable
    institutions (DCAF's "effective and accountable"; OECD DAC 2007). Judgement: a0 and k.
    """
    return np.clip(base + weight * integrity * (1.0 - corruption), 0.0, 1.0)


def spoiler_anchor(scale: float, threatened: np.ndarray, strength: np.ndarray, cooptation: np.ndarray) -> np.ndarray:
    """A spoiler's interest in reform: a_s = clip(a0 (1 - T_s)(1 - S_s) + u Q_s, 0, 1).

    Threatened rents T and its own strength S turn it against reform; inducement u Q (the
    standing co-optation effort times its co-optability) buys some support (Stedman 1997).
    """
    return np.clip(scale * (1.0 - threatened) * (1.0 - strength) + cooptation, 0, 1)
