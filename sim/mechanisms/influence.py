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
