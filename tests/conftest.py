"""Shared fixtures and helpers for the model's tests."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from sim import ReformBatch, ReformModel, load_scenario
from sim.scenario import SCENARIO_DIR

SHIPPED_SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


@pytest.fixture(scope="session")
def baseline():
    return load_scenario(SCENARIO_DIR / "baseline.yaml")


def run_summary(scenario: str, seed: int, strategy: str | None = None, overrides: dict | None = None) -> dict:
    """One run's summary, cached across tests (runs are deterministic by seed)."""
    return _cached_summary(scenario, seed, strategy, json.dumps(overrides or {}, sort_keys=True))


@lru_cache(maxsize=None)
def _cached_summary(scenario: str, seed: int, strategy: str | None, overrides_json: str) -> dict:
    model = ReformModel(load_scenario(SCENARIO_DIR / f"{scenario}.yaml", json.loads(overrides_json)),
                        strategy=strategy, rng=seed)
    return model.run().summary()


def batch_summaries(scenario: str, seeds: int, overrides: dict | None = None) -> list[dict]:
    """Summaries of seeds 0..seeds-1, stepped together (the same numbers as ReformModel per seed)."""
    loaded = load_scenario(SCENARIO_DIR / f"{scenario}.yaml", overrides or {})
    return ReformBatch(loaded, [np.random.default_rng(seed) for seed in range(seeds)]).run().summaries()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
