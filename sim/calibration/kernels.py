"""pyabc perturbation kernels of the calibration (:func:`sim.calibration.abc.perturbation_kernel`
says when each is used). Its own module because it subclasses pyabc at import time, which the
rest of the calibration imports only when it runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyabc


class EqualCentresNormalTransition(pyabc.MultivariateNormalTransition):
    """pyabc's multivariate normal mixture with every particle an equal centre: fitted as if the
    importance weights were equal, so the covariance is the particles' unweighted one, proposals
    pick their centre uniformly, and the density pyabc divides the prior by is this same equal
    mixture."""

    def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:
        super().fit(X, np.full(len(X), 1.0 / len(X)))
