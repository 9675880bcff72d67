"""Sequencing strategies as data: phases with start conditions and effort per pillar.

A strategy is a list of phases. Each phase starts at a month, or when an *observed* (noisy)
indicator crosses a level, and sets the reform effort on each pillar (0 = untouched,
1 = full push). Funds follow effort. Phases are sequential: a phase can start only after
the previous one has. An optional ``adaptive`` block turns the strategy into problem-driven
iterative adaptation (Andrews, Pritchett & Woolcock 2013): at every review each pillar's
return per unit of effort is learnt from observed function, and effort moves from what does
not work toward what does, within the same total (:func:`estimate_returns`,
:func:`reallocate_effort`).

Effort is an intensity per pillar on [0, 1]: the managerial and political push a pillar
gets. A strategy with ``total_effort`` is a plan for spending a stated budget: each phase's
efforts are then priority weights, scaled so the month's efforts sum to ``total_effort``
(none above 1: what a pillar cannot take goes to the phase's other pillars, by weight).
Comparisons between strategies hold that total fixed (equal resources), so a ranking reflects
*what* is pushed *when*, not how much; how much is its own dimension (an experiment's
``total_effort``). Without ``total_effort`` the efforts are used as written (an intensity
per pillar, as in a workshop team's plan).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import Field, Strict, model_validator

from .fields import IndicatorName, Month, Name, PillarName, ScenarioError, Schema, Unit
from .loading import _describe, load_validated
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
    """Problem-driven iterative adaptation: learn each pillar's return from observed progress
    and move effort toward the pillars that return most, within the same total."""

    review_every_months: Month = Field(12, description="months between reviews")
    learning_rate: Unit = Field(0.5, description="share of effort moved toward the target allocation per review")
    memory: Unit = Field(0.5, description="weight of earlier reviews in the estimated return of a pillar")
    min_effort: Unit = Field(0.05, description="least effort an authorised pillar keeps (to keep learning about it)")


class Strategy(Schema):
    name: Name
    description: str = ""
    phases: list[Phase] = Field(..., min_length=1, max_length=50)
    adaptive: Adaptation | None = None
    total_effort: Annotated[float, Strict(), Field(gt=0.0, le=6.0, allow_inf_nan=False)] | None = Field(
        None, description="pillar-efforts spent each month; phase efforts become priority weights scaled to it")

    def effort_vector(self, phase_index: int, pillars: list[str]) -> np.ndarray:
        """Effort per pillar (in the scenario's pillar order) for a phase; unnamed pillars get 0.

        A strategy may name pillars a scenario lacks (DDR outside post-conflict settings): they
        are ignored, so one strategy file serves every scenario; with ``total_effort`` the
        phase's remaining weights are scaled to the total (:func:`spend`)."""
        return phase_efforts([self], pillars)[0, phase_index]

    def carrying_problems(self, pillars: list[str]) -> list[str]:
        """Phases that cannot spend ``total_effort`` on these pillars (at most 1 per named pillar)."""
        if self.total_effort is None:
            return []
        problems = []
        for phase in self.phases:
            named = [p for p in pillars if phase.effort.get(p, 0.0) > 0]
            if len(named) < self.total_effort:
                problems.append(f"phase '{phase.name}' can spend at most {len(named)} pillar-efforts on this "
                                f"scenario's pillars ({', '.join(named) or 'none named'}), less than "
                                f"total_effort {self.total_effort:g}")
        return problems


def phase_efforts(strategies: Sequence[Strategy], pillars: list[str]) -> np.ndarray:
    """Effort per pillar (in the scenario's pillar order) of every phase of each strategy,
    (strategies, most phases, P), as :meth:`Strategy.effort_vector` gives one; zero beyond a
    strategy's last phase (never reached: the strategy stage stops there).

    One :func:`spend` scales every row whose strategy has a ``total_effort``: a batch of design
    points costs one bisection, not one per point, and a row's numbers are those it has alone
    (spend works row by row)."""
    most = max(len(strategy.phases) for strategy in strategies)
    weights = np.array([[[phase.effort.get(p, 0.0) for p in pillars] for phase in strategy.phases]
                        + [[0.0] * len(pillars)] * (most - len(strategy.phases))
                        for strategy in strategies], dtype=float)
    totals = np.array([np.nan if strategy.total_effort is None else strategy.total_effort for strategy in strategies])
    scaled = ~np.isnan(totals)
    if scaled.any():
        weights[scaled] = spend(weights[scaled], np.broadcast_to(totals[scaled, None], weights[scaled].shape[:-1]))
    return weights


def spend(weights: np.ndarray, total: float | np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Allocate ``total`` over the pillars with positive weight, in proportion to the weights,
    none above 1 and none below ``floor``; zero elsewhere. Works on the last axis, so on one
    weight vector or one per replication.

        x_p = clip(lambda w_p, floor, 1),  lambda such that sum_p x_p = total

    The sum is monotone in lambda, so lambda is found by bisection (on its logarithm, per
    row), and the pillars strictly inside the bounds then absorb the last rounding so the total
    is met to machine precision. Where the total cannot be carried (more than 1 per weighted
    pillar) every weighted pillar gets 1; below ``floor`` per pillar, every one gets the floor.
    """
    weights = np.asarray(weights, dtype=float)
    total = np.asarray(total, dtype=float)
    total = total[..., None] if total.ndim else np.full(weights.shape[:-1] + (1,), float(total))
    authorised = weights > 0
    safe = np.where(authorised, weights, 1.0)

    def allocation(log_scale: np.ndarray) -> np.ndarray:
        return np.where(authorised, np.clip(np.exp(log_scale) * safe, floor, 1.0), 0.0)

    smallest = np.min(np.where(authorised, weights, np.inf), axis=-1, keepdims=True)
    high = -np.log(np.where(np.isfinite(smallest), smallest, 1.0)) + 1.0  # every weighted pillar at 1
    low = np.full_like(high, -60.0)
    for _ in range(100):
        middle = 0.5 * (low + high)
        short = row_total(allocation(middle)) < total
        narrowed = np.where(short, middle, low), np.where(short, high, middle)
        # Once no bound moves, no later step moves one (each step is a function of the two):
        # stopping there gives the 100 steps' result, usually after about 70.
        if np.array_equal(narrowed[0], low) and np.array_equal(narrowed[1], high):
            break
        low, high = narrowed
    spent = allocation(high)
    inside = authorised & (spent > floor) & (spent < 1.0)
    room = row_total(np.where(inside, spent, 0.0))
    residual = total - row_total(spent)
    adjusted = spent + np.where(inside, spent * residual / np.where(room > 0, room, 1.0), 0.0)
    return np.clip(adjusted, 0.0, 1.0)


def estimate_returns(estimate: np.ndarray, reviews: np.ndarray, observed_gain: np.ndarray, effort: np.ndarray,
                     months: np.ndarray, memory: float) -> np.ndarray:
    """A pillar's return per unit of effort, learnt from what monitoring reports.

        rho_p = g_p / (e_p T)                          at the first review
        rho_p = m rho_p + (1 - m) g_p / (e_p T)        after it

    g_p is the observed gain in function, the mean observed over this review period minus
    the mean over the last (noisy, and inflated toward form by indicator manipulation, so the
    lesson can be wrong), e_p the effort the pillar had, T the months of the period ((R, 1)),
    m the memory (PDIA's tight feedback loops:
    Andrews, Pritchett & Woolcock 2013). ``reviews`` (R, 1) counts earlier reviews; unfunded
    pillars keep their estimate.
    """
    funded = effort > 0
    lesson = observed_gain / (np.where(funded, effort, 1.0) * np.maximum(months, 1))
    updated = np.where(reviews > 0, memory * estimate + (1.0 - memory) * lesson, lesson)
    return np.where(funded, updated, estimate)


def reallocate_effort(effort: np.ndarray, returns: np.ndarray, adaptation: Adaptation) -> np.ndarray:
    """PDIA reallocation (Andrews, Pritchett & Woolcock 2013): keep the budget, move a share
    ``learning_rate`` of it away from what does not work, toward an even spread over what does.

        w_p = min(1, rho_p+ / mean_funded(rho+));   target = spend(w, E);
        e' = spend((1 - eta) e + eta target, E, e_min)

    A pillar returning at least the average gets full weight, one returning less gets weight
    in proportion ("scale what works, drop what doesn't"; an even spread over what works,
    because absorptive capacity and ministries' bandwidth give concentrated effort
    diminishing returns). E is the month's total effort, which reallocation never sheds. Pillars outside the
    current phase (effort 0) stay at 0: adaptation reallocates within the authorised agenda, it
    does not open new fronts; each funded pillar keeps at least ``min_effort`` (to go on
    learning about it). Where no pillar shows a positive return, effort stays. Works on the
    last axis, so on one effort vector or on one per replication.
    """
    funded = effort > 0
    budget = row_total(effort)
    promising = np.where(funded, np.maximum(returns, 0.0), 0.0)
    anything = row_total(promising) > 0
    average = row_total(promising) / np.maximum(row_total(funded.astype(float)), 1.0)
    target = spend(np.minimum(promising / np.where(anything, average, 1.0), 1.0), budget[..., 0])
    moved = (1 - adaptation.learning_rate) * effort + adaptation.learning_rate * target
    kept = spend(np.where(funded, np.maximum(moved, 1e-12), 0.0), budget[..., 0], adaptation.min_effort)
    return np.where(anything, kept, effort)


def load_strategy_file(path: Path) -> Strategy:
    return load_validated(path, Strategy, "'name' and 'phases'")


def resolve_strategy_path(name: str, base_dir: Path) -> Path | None:
    """A strategy named in a scenario: a path relative to it, or a shipped strategy's name."""
    candidates = [base_dir / name, base_dir / "strategies" / f"{name}.yaml", STRATEGY_DIR / f"{name}.yaml"]
    try:
        return next((c for c in candidates if c.is_file()), None)
    except OSError:  # a name too long for a file name (ENAMETOOLONG) names no file
        return None


def shipped_strategies() -> list[str]:
    return sorted(p.stem for p in STRATEGY_DIR.glob("*.yaml"))


def load_strategy_source(value: Any, base_dir: Path, source: str | Path) -> Any:
    """Turn a scenario's ``strategy`` field into a Strategy (by name or path) or leave a mapping
    for the scenario's own validation (so its errors point at ``strategy.phases...``)."""
    if isinstance(value, str):
        path = resolve_strategy_path(value, base_dir)
        if path is None:
            raise ScenarioError(f"{source}: strategy {_describe(value)} not found; shipped strategies: "
                                f"{', '.join(shipped_strategies())} (or give a path to a YAML file)")
        return load_strategy_file(path)
    return value
