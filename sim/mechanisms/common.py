"""Small numerical helpers shared by the mechanisms."""

from __future__ import annotations

import numpy as np


def relax(value: np.ndarray | float, target: np.ndarray | float, rate: float) -> np.ndarray:
    """First-order adjustment toward a target, kept on [0, 1]: x' = x + rate (target - x)."""
    return np.clip(value + rate * (np.asarray(target) - value), 0.0, 1.0)


def logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    total = float(weights.sum())
    return float(values @ weights / total) if total > 0 else 0.0
