"""Shared fixtures and helpers for the model's tests."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from sim import load_scenario, resolve_scenario, run_seeds
from sim.scenario import SCENARIO_DIR, shipped_scenario_names

SHIPPED_SCENARIOS = shipped_scenario_names()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that share a costly module fixture (marked ``xdist_group``) come first: pytest-xdist
    hands tests out in this order, and a long group handed out last would leave the other
    workers idle while it runs. The sort is stable, so each group keeps its own order."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


@pytest.fixture(scope="session")
def baseline():
    return load_scenario(SCENARIO_DIR / "baseline.yaml")


def run_summaries(scenario: str, seeds: int, strategy: str | None = None, overrides: dict | None = None,
                  total_effort: float | None = None) -> list[dict]:
    """Summaries of seeds 0..seeds-1 on the batch engine (:func:`sim.run_seeds`: each one the
    numbers of ``ReformModel(..., rng=seed)``), cached across tests; ``total_effort`` replaces
    the strategy's."""
    return list(_cached_summaries(scenario, seeds, strategy, json.dumps(overrides or {}, sort_keys=True),
                                  total_effort))


@lru_cache(maxsize=None)
def _cached_summaries(scenario: str, seeds: int, strategy: str | None, overrides_json: str,
                      total_effort: float | None) -> tuple[dict, ...]:
    loaded = resolve_scenario(load_scenario(SCENARIO_DIR / f"{scenario}.yaml", json.loads(overrides_json)), strategy)
    if total_effort is not None:
        loaded = loaded.replace(strategy=loaded.strategy.model_copy(update={"total_effort": total_effort}))
    return tuple(run_seeds(loaded, range(seeds)).summaries)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
