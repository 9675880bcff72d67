"""Stage: the strategy in force, phase changes and adaptive reallocation (:mod:`sim.strategy`)."""

from __future__ import annotations

import numpy as np

from ..strategy import reallocate_effort
from ..world import World


def advance_strategy(world: World) -> None:
    """Per replication: start the next phase when its condition is met on last month's
    observed indicators; otherwise, at a review month, reallocate effort (PDIA).

    Reads: ``monitoring.observed``, ``monitoring.observed_function``. Writes: ``programme``.
    """
    strategy, programme, month = world.scenario.strategy, world.programme, world.month
    observed = world.monitoring.observed
    next_phase = programme.phase_index + 1
    advancing = np.zeros(world.replications, dtype=bool)
    for phase in np.unique(next_phase[next_phase < len(strategy.phases)]):
        rows = next_phase == phase
        advancing[rows] = strategy.phases[phase].start.is_met(
            month, {name: values[rows] for name, values in observed.items()})
    if advancing.any():
        programme.phase_index[advancing] += 1
        programme.phases_started[advancing] += 1
        programme.effort[advancing] = world.phase_efforts[programme.phase_index[advancing]]
        world.commit(advancing)
        programme.last_review_function[advancing] = world.monitoring.observed_function[advancing]
        for row in np.flatnonzero(advancing):
            world.log([row], "phase", strategy.phases[programme.phase_index[row]].name)
    adaptation = strategy.adaptive
    if adaptation is not None and month % max(adaptation.review_every_months, 1) == 0:
        reviewing = ~advancing
        gain = world.monitoring.observed_function[reviewing] - programme.last_review_function[reviewing]
        programme.effort[reviewing] = reallocate_effort(programme.effort[reviewing], gain, adaptation)
        programme.last_review_function[reviewing] = world.monitoring.observed_function[reviewing]
