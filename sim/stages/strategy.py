"""Stage: the strategy in force, phase changes and adaptive reallocation (:mod:`sim.strategy`)."""

from __future__ import annotations

import numpy as np

from ..mechanisms.capacity import applied_effort, domestic_effort
from ..strategy import estimate_returns, reallocate_effort
from ..world import Programme, World


def advance_strategy(world: World) -> None:
    """Per replication, under its own strategy: start the next phase when its condition is met
    on last month's observed indicators; otherwise, at a review month, learn each pillar's
    return from the change in observed function between review periods and reallocate effort
    within the same total (PDIA). Then the effort in force: the programme's plus what each
    lead ministry pushes by itself (:func:`sim.mechanisms.capacity.domestic_effort`).

    The replications of a batch may follow different strategies (:mod:`sim.batching`): each
    rule is applied to the rows of each distinct strategy, a handful per batch.

    Reads: ``monitoring.observed``, ``monitoring.observed_function``, ministries' will.
    Writes: ``programme``, ``effort``.
    """
    programme, month = world.programme, world.month
    observed = world.monitoring.observed
    # A review compares period means, as an annual M&E report does: a month's report is noisy.
    programme.period_total += world.monitoring.observed_function
    programme.period_months += 1
    next_phase = programme.phase_index + 1
    advancing = np.zeros(world.replications, dtype=bool)
    strategy_rows = world.strategy_rows()
    for strategy, following in strategy_rows:
        for phase in np.unique(next_phase[following & (next_phase < len(strategy.phases))]):
            rows = following & (next_phase == phase)
            advancing[rows] = strategy.phases[phase].start.is_met(
                month, {name: values[rows] for name, values in observed.items()})
    if advancing.any():
        programme.phase_index[advancing] += 1
        programme.phases_started[advancing] += 1
        programme.effort[advancing] = world.phase_efforts[np.flatnonzero(advancing), programme.phase_index[advancing]]
        world.commit(advancing)
        _start_period(programme, advancing, world.monitoring.observed_function)
        for row in np.flatnonzero(advancing):
            phases = world.strategies[world.strategy_of[row]].phases
            world.log([row], "phase", phases[programme.phase_index[row]].name)
    for strategy, following in strategy_rows:
        adaptation = strategy.adaptive
        if adaptation is None or month % max(adaptation.review_every_months, 1) != 0:
            continue
        rows = following & ~advancing
        months = programme.period_months[rows]
        period = programme.period_total[rows] / np.maximum(months, 1)
        programme.estimated_returns[rows] = estimate_returns(
            programme.estimated_returns[rows], programme.reviews[rows], period - programme.previous_period[rows],
            programme.effort[rows], months, adaptation.memory)
        programme.effort[rows] = reallocate_effort(programme.effort[rows], programme.estimated_returns[rows],
                                                   adaptation)
        programme.reviews[rows] += 1
        programme.previous_period[rows] = period
        programme.period_total[rows] = 0.0
        programme.period_months[rows] = 0
    p, state = world.params.capacity, world.state
    lead_will = state.stance[:, state.types["ministry"].index][:, state.pillar_lead]
    world.effort = applied_effort(programme.effort, domestic_effort(lead_will, p.domestic_effort,
                                                                    p.domestic_will_threshold))


def _start_period(programme: Programme, rows: np.ndarray, observed_function: np.ndarray) -> None:
    """A new phase starts a new review period, measured from what is observed now."""
    programme.previous_period[rows] = observed_function[rows]
    programme.period_total[rows] = 0.0
    programme.period_months[rows] = 0
