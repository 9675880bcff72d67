"""Small numerical helpers shared by the mechanisms."""

from __future__ import annotations

import numpy as np

#: A model-level quantity (violence, will, a type mean): a float, or one per replication, (R, 1).
Level = float | np.ndarray


def relax(value: np.ndarray | float, target: np.ndarray | float, rate: float) -> np.ndarray:
    """First-order adjustment toward a target, kept on [0, 1]: x' = x + rate (target - x)."""
    return np.clip(value + rate * (np.asarray(target) - value), 0.0, 1.0)


def logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def row_total(values: np.ndarray) -> np.ndarray:
    """Sum over the last axis, keeping it ((R, n) gives (R, 1)).

    Every sum over actors or pillars in the model goes through here. It sums each row as a
    contiguous run, so a row's result is the same bit for bit whatever the array's memory
    layout (fancy indexing returns Fortran-ordered arrays) and however many rows there are:
    a replication computes the same numbers alone or in a batch of any size.
    """
    return np.add.reduce(np.ascontiguousarray(values), axis=-1, keepdims=True)


def row_mean(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis, keeping it (see :func:`row_total`)."""
    return row_total(values) / values.shape[-1]


def weighted_total(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_i w_i x_i over the last axis, keeping it: a dot product that is the same for a row
    alone or in a batch (a matrix product's summation order depends on the BLAS kernel)."""
    return row_total(values * weights)


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean over the last axis, keeping it ((R, n) gives (R, 1)); 0 without weight."""
    total = weights.sum()
    if total <= 0:
        return np.zeros(values.shape[:-1] + (1,))
    return weighted_total(values, weights) / total


def sum_by_group(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum the last axis's entries by group: ``out[..., g] = sum of values[..., i] with groups[i] == g``.

    ``np.bincount`` for arrays with a leading replication axis (a one-hot product, summed by
    :func:`row_total`)."""
    one_hot = (np.arange(n_groups)[:, None] == groups).astype(float)  # groups x entries
    return row_total(values[..., None, :] * one_hot)[..., 0]


def shares(values: np.ndarray) -> np.ndarray:
    """Each entry's share of its row's total, x_i / sum_j x_j (zeros for a row of zeros)."""
    return values / np.maximum(row_total(values), 1e-9)
