"""pyabc perturbation kernels of the calibration (:func:`sim.calibration.abc.perturbation_kernel`
says when each is used). Its own module because it subclasses pyabc at import time, which the
rest of the calibration imports only when it runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc
from pyabc.transition.exceptions import NotEnoughParticles
from pyabc.transition.util import smart_cov
from scipy import stats


class EqualCentresNormalTransition(pyabc.MultivariateNormalTransition):
    """pyabc's multivariate normal mixture with every particle an equal centre: fitted as if the
    importance weights were equal, so the covariance is the particles' unweighted one, proposals
    pick their centre uniformly, and the density pyabc divides the prior by is this same equal
    mixture."""

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        super().fit(X, np.full(len(X), 1.0 / len(X)))


class SingleNormalTransition(pyabc.transition.Transition):
    """One multivariate normal at the last generation's weighted mean, with ``scaling`` times its
    weighted covariance: a smooth proposal. A mixture of 60 normals in 13 dimensions is lumpy
    when narrow and too wide when broad, and either way its importance weights degenerate
    (docs/calibration.md, "Why the weights collapse"); one normal of about the posterior's own
    spread keeps them even where the posterior is near normal, and weighs honestly where not.
    The recovery with it (same page) still saw them collapse: an option, not the shipped choice."""

    def __init__(self, scaling: float = 1.0):
        super().__init__()
        self.scaling = scaling

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        if len(X) == 0:
            raise NotEnoughParticles("Fitting not possible.")
        weights = w / w.sum()
        mean = weights @ X.to_numpy()
        self.normal = stats.multivariate_normal(mean=mean, cov=smart_cov(X.to_numpy(), weights) * self.scaling,
                                                allow_singular=True)

    def rvs_single(self) -> pyabc.Parameter:
        return pyabc.Parameter(dict(zip(self.X.columns, np.atleast_1d(self.normal.rvs()))))

    def pdf(self, x: pyabc.Parameter | pd.Series | pd.DataFrame) -> float | np.ndarray:
        if isinstance(x, pyabc.Parameter | pd.Series):
            return float(self.normal.pdf(np.array([x[key] for key in self.X.columns])))
        return np.atleast_1d(self.normal.pdf(x[self.X.columns].to_numpy()))
