"""Strategies as budgets: spending a total over pillars, and adaptation that keeps it.

Equal resources is the point of ``total_effort``: every month's efforts sum to it, whatever
the phase, the scenario's pillars or the adaptive reviews (unless the total cannot be
carried, which a scenario refuses at load time).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import ScenarioError, load_scenario, resolve_scenario, run_seeds, shipped_strategies
from sim.dynamics import pillar_tractability
from sim.scenario import Context
from sim.strategy import Adaptation, Strategy, estimate_returns, reallocate_effort, spend

from .conftest import SHIPPED_SCENARIOS, run_summaries


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 5.0)), min_size=2, max_size=6), st.floats(0.05, 1.0),
       st.floats(0.0, 0.2))
def test_spend_reaches_the_total_within_bounds(weights, share, floor):
    weights = np.array(weights)
    named = int((weights > 0).sum())
    total = share * named
    out = spend(weights, total, floor)
    assert np.all(out[weights == 0] == 0)
    if named and floor * named <= total:
        assert out.sum() == pytest.approx(total)
        assert np.all(out[weights > 0] >= floor - 1e-12) and np.all(out <= 1.0)


def test_spend_is_proportional_below_the_cap_and_fills_above_it():
    assert spend(np.array([2.0, 1.0, 1.0, 0.0]), 2.0) == pytest.approx([1.0, 0.5, 0.5, 0.0])
    assert spend(np.array([1.0, 1.0, 1.0]), 1.5) == pytest.approx([0.5, 0.5, 0.5])
    assert spend(np.array([1.0, 0.0]), 2.0) == pytest.approx([1.0, 0.0])  # cannot carry: all at 1


@pytest.mark.parametrize("scenario", SHIPPED_SCENARIOS)
@pytest.mark.parametrize("strategy", [s for s in shipped_strategies() if s != "status_quo"])
def test_every_shipped_strategy_spends_the_same_total_every_month(scenario, strategy):
    loaded = resolve_scenario(load_scenario(scenario, {"horizon_years": 12}), strategy)
    pillars = [p.name for p in loaded.pillars]
    runs = run_seeds(loaded, range(3), record=[f"effort_{p}" for p in pillars])
    totals = sum(runs.series[f"effort_{p}"] for p in pillars)
    assert totals == pytest.approx(np.full_like(totals, 2.4), abs=1e-9)


def test_a_phase_that_cannot_carry_the_total_is_refused_at_load_time():
    narrow = Strategy(name="narrow", total_effort=3.0, phases=[{"name": "one", "effort": {"ddr": 1.0, "justice": 1.0}}])
    with pytest.raises(ScenarioError, match="phase 'one' can spend at most 1 pillar-efforts.*justice"):
        resolve_scenario("baseline", narrow)  # baseline has no DDR pillar


def test_reallocation_keeps_the_budget_and_leaves_unauthorised_pillars_alone():
    adaptation = Adaptation(learning_rate=0.5, min_effort=0.1)
    effort = np.array([[0.6, 0.6, 0.6, 0.6, 0.0]])
    returns = np.array([[1.0, 0.0, 2.0, -1.0, 5.0]])
    for _ in range(20):
        effort = reallocate_effort(effort, returns, adaptation)
        assert effort.sum() == pytest.approx(2.4) and effort[0, 4] == 0.0
    # What works is filled first (evenly, here to the cap); what does not gets only what is left.
    assert effort[0, 0] == pytest.approx(1.0) and effort[0, 2] == pytest.approx(1.0)
    assert effort[0, 1] == pytest.approx(0.2) and effort[0, 3] == pytest.approx(0.2)
    spread = reallocate_effort(np.array([[0.4] * 5]), np.array([[1.0, 0.0, 2.0, -1.0, 5.0]]), adaptation)
    for _ in range(20):
        spread = reallocate_effort(spread, np.array([[1.0, 0.0, 2.0, -1.0, 5.0]]), adaptation)
    assert spread[0, 1] == pytest.approx(0.1) and spread[0, 3] == pytest.approx(0.1)  # dropped to the floor
    assert spread[0, 4] == pytest.approx(spread[0, 2]) and spread[0, 2] > spread[0, 0]  # below the average: less
    assert np.array_equal(reallocate_effort(effort, np.zeros_like(returns), adaptation), effort)


def test_returns_are_learnt_per_unit_of_effort_with_memory():
    first = estimate_returns(np.zeros((1, 2)), np.zeros((1, 1)), np.array([[0.12, 0.0]]), np.array([[0.5, 0.5]]),
                             np.array([[12]]), memory=0.5)
    assert first[0] == pytest.approx([0.02, 0.0])
    second = estimate_returns(first, np.ones((1, 1)), np.array([[0.0, 0.12]]), np.array([[0.5, 0.5]]),
                              np.array([[12]]), memory=0.5)
    assert second[0] == pytest.approx([0.01, 0.01])


def test_tractability_is_blocked_at_the_stated_rate_and_otherwise_mean_one():
    context = Context(blocked_pillar_share=0.25, blocked_pillar_return=0.1, pillar_return_spread=0.4)
    generator = np.random.default_rng(0)
    draws = np.concatenate([pillar_tractability(context, 5, generator) for _ in range(4000)])
    blocked = draws == 0.1
    assert abs(blocked.mean() - 0.25) < 4 * np.sqrt(0.25 * 0.75 / draws.size)
    assert draws[~blocked].mean() == pytest.approx(1.0, abs=0.02)


def test_adaptation_beats_its_non_adaptive_twin_at_equal_total():
    """The value of learning: adaptive and big_bang share phase, total and seeds; only the
    yearly reviews differ. Paired over 300 seeds, the margin is 2.33 standard errors."""
    n = 300
    adaptive = np.array([s["final_reform_index"] for s in run_summaries("baseline", n, "adaptive")])
    twin = np.array([s["final_reform_index"] for s in run_summaries("baseline", n, "big_bang")])
    difference = adaptive - twin
    assert difference.mean() > 2.33 * difference.std(ddof=1) / np.sqrt(n) > 0
