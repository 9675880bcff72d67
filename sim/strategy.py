"""Sequencing strategies as data: phases with start conditions and effort per pillar.

A strategy is a list of phases. Each phase starts at a month, or when an *observed* (noisy)
indicator crosses a level, and sets the reform effort on each pillar (0 = untouched,
1 = full push). Funds follow effort. Phases are sequential: a phase can start only after
the previous one has. An optional ``adaptive`` block turns the strategy into problem-driven
iterative adaptation (Andrews, Pritchett & Woolcock 2013): at every review the effort is
shifted toward the pillars whose observed function improved most since the last review.

Why effort is an intensity per pillar and not a share summing to one: the premature
load-bearing argument (Pritchett & de Weijer 2010) is about *how much* is pushed onto an
organisation at once, so a "big bang" that pushes every pillar must carry more total load
than a phased plan, not the same load spread thinner.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from .fields import IndicatorName, Month, Name, PillarName, ScenarioError, Schema, Unit
from .loading import load_validated
from .mechanisms.common import row_total

STRATEGY_DIR = Path(__file__).resolve().parent.parent / "scenarios" / "strategies"


class StartCondition(Schema):
    """When a phase starts: not before ``after_month``; then when the observed indicator is
    above/below its level; at ``latest_month`` at the latest."""

    after_month: Month = 0
    indicator: IndicatorName | None = None
    above: Unit | None = None
    below: Unit | None = None
    latest_month: Month | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "StartCondition":
        if self.indicator is None and (self.above is not None or self.below is not None):
            raise ValueError("start: 'above'/'below' need an 'indicator'")
        if self.indicator is not None and self.above is None and self.below is None:
            raise ValueError(f"start: indicator '{self.indicator}' needs 'above' or 'below'")
        if self.latest_month is not None and self.latest_month < self.after_month:
            raise ValueError("start: 'latest_month' must not be before 'after_month'")
        return self

    def is_met(self, month: int, observed: dict[str, np.ndarray]) -> bool | np.ndarray:
        """Whether the phase starts this month; per replication (an array) when it depends on
        the observed indicators, which are arrays over replications."""
        if month < self.after_month:
            return False
        if self.latest_month is not None and month >= self.latest_month:
            return True
        if self.indicator is None:
            return True
        value = np.asarray(observed[self.indicator])
        met = np.ones(value.shape, dtype=bool)
        if self.above is not None:
            met &= value > self.above
        if self.below is not None:
            met &= value < self.below
        return met


class Phase(Schema):
    name: Name
    start: StartCondition = StartCondition()
    effort: dict[PillarName, Unit] = Field(..., min_length=1)


class Adaptation(Schema):
    """Problem-driven iterative adaptation: review observed progress and reallocate effort."""

    review_every_months: Month = 12
    learning_rate: Unit = 0.5
    min_effort: Unit = 0.05


class Strategy(Schema):
    name: Name
    description: str = ""
    phases: list[Phase] = Field(..., min_length=1, max_length=50)
    adaptive: Adaptation | None = None

    def effort_vector(self, phase_index: int, pillars: list[str]) -> np.ndarray:
        """Effort per pillar (in the scenario's pillar order) for a phase; unnamed pillars get 0.

        A strategy may name pillars a scenario lacks (DDR outside post-conflict settings): they
        are ignored, so one strategy file serves every scenario."""
        effort = self.phases[phase_index].effort
        return np.array([effort.get(p, 0.0) for p in pillars], dtype=float)


def reallocate_effort(effort: np.ndarray, observed_gain: np.ndarray, adaptation: Adaptation) -> np.ndarray:
    """PDIA reallocation (Andrews, Pritchett & Woolcock 2013): keep the total effort, move a
    share ``learning_rate`` of it toward pillars in proportion to their observed positive gain.

        e' = (1 - eta) e + eta E g+ / sum(g+),   then clipped to [min_effort, 1] on active pillars

    Pillars outside the current phase (effort 0) stay at 0: adaptation reallocates within the
    authorised agenda, it does not open new fronts. Where nothing improved, effort stays.
    Works on the last axis, so on one effort vector or on one per replication.
    """
    active = effort > 0
    gain = np.where(active, np.maximum(observed_gain, 0.0), 0.0)
    gain_total = row_total(gain)
    target = row_total(effort) * gain / np.where(gain_total > 0, gain_total, 1.0)
    moved = (1 - adaptation.learning_rate) * effort + adaptation.learning_rate * target
    return np.where(gain_total > 0, np.where(active, np.clip(moved, adaptation.min_effort, 1.0), 0.0), effort)


def load_strategy_file(path: Path) -> Strategy:
    return load_validated(path, Strategy, "'name' and 'phases'")


def resolve_strategy_path(name: str, base_dir: Path) -> Path | None:
    """A strategy named in a scenario: a path relative to it, or a shipped strategy's name."""
    candidates = [base_dir / name, base_dir / "strategies" / f"{name}.yaml", STRATEGY_DIR / f"{name}.yaml"]
    return next((c for c in candidates if c.is_file()), None)


def shipped_strategies() -> list[str]:
    return sorted(p.stem for p in STRATEGY_DIR.glob("*.yaml"))


def load_strategy_source(value: Any, base_dir: Path, source: str | Path) -> Any:
    """Turn a scenario's ``strategy`` field into a Strategy (by name or path) or leave a mapping
    for the scenario's own validation (so its errors point at ``strategy.phases...``)."""
    if isinstance(value, str):
        path = resolve_strategy_path(value, base_dir)
        if path is None:
            raise ScenarioError(f"{source}: strategy '{value}' not found; shipped strategies: "
                                f"{', '.join(shipped_strategies())} (or give a path to a YAML file)")
        return load_strategy_file(path)
    return value
