"""Module-level toy models for engine tests (must be importable by worker processes)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import numpy as np


def toy_run(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Noisy success probability that depends on params; ``mode == "boom"`` raises.

    Returns a mix of float, int, bool and an outcome that is sometimes None,
    so schema unification across shards is exercised.
    """
    if params.get("mode") == "boom":
        raise ValueError(f"boom at x={params.get('x')}")
    rng = np.random.default_rng(seed)
    x = float(params.get("x", 0.0))
    noise = rng.normal()
    score = x + 0.3 * noise
    turn = int(rng.integers(1, 50))
    return {
        "score": score,
        "success": bool(score > 0.5),
        "turns": turn,
        "time_to_event": float(turn) if score > 0.2 else None,
    }


def toy_run_with_timeseries(params: Mapping[str, Any], seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Summary plus a short per-step series whose length depends on the seed."""
    rng = np.random.default_rng(seed)
    steps = int(rng.integers(2, 6))
    level = np.cumsum(rng.normal(size=steps)) + float(params.get("x", 0.0))
    series = [{"step": step, "level": float(value)} for step, value in enumerate(level)]
    return {"final_level": float(level[-1]), "steps": steps}, series


def slow_toy_run(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """``toy_run`` that takes a few milliseconds, so a sweep can be killed midway."""
    time.sleep(float(params.get("sleep", 0.005)))
    return toy_run(params, seed)


def flaky_toy_run(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """``toy_run`` that fails for negative x while the env var TOY_FAIL_NEGATIVE is set (serial executor only)."""
    if os.environ.get("TOY_FAIL_NEGATIVE") and float(params.get("x", 0.0)) < 0:
        raise RuntimeError("transient failure")
    return toy_run(params, seed)


def malformed_toy_run(params: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Returns what a flat table cannot hold: a list outcome, or an outcome named like an engine column."""
    if params["shape"] == "list":
        return {"trajectory": [1.0, 2.0]}
    if params["shape"] == "reserved":
        return {"seed": 1}
    return {"value": np.float64(seed % 7)}  # numpy scalars are fine


def toy_run_with_series(params: Mapping[str, Any], seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``toy_run``'s summary (including its failures) plus a seed-dependent series."""
    summary = toy_run(params, seed)
    _, series = toy_run_with_timeseries(params, seed)
    return summary, series


class BatchedToy:
    """``toy_run`` with a ``run_batch`` (the engine's batched protocol). A run whose seed is
    ``params["bad_seed"]`` raises, alone or in a batch; with ``params["drop_last"]`` a batch
    returns one result too few. ``calls`` logs batch sizes (serial only)."""

    calls: list[int] = []

    def __call__(self, params: Mapping[str, Any], seed: int) -> dict[str, Any]:
        if seed == params.get("bad_seed"):
            raise ValueError(f"bad seed {seed}")
        return toy_run(params, seed)

    def run_batch(self, runs: list[tuple[Mapping[str, Any], int]]) -> list[dict[str, Any]]:
        self.calls.append(len(runs))
        results = [self(params, seed) for params, seed in runs]
        return results[:-1] if any(params.get("drop_last") for params, _ in runs) else results
