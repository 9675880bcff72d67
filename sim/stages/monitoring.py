"""Stage: this month's indicators, and what monitoring and evaluation report of them
(:func:`sim.outcomes.headline_indicators`, :func:`sim.mechanisms.donors.observed_function`)."""

from __future__ import annotations

from typing import get_args

import numpy as np

from ..fields import IndicatorName
from ..mechanisms import donors
from ..outcomes import headline_indicators, reform_index
from ..world import World

#: Indicators monitoring reports (and strategies' start conditions can read).
OBSERVABLE: tuple[str, ...] = get_args(IndicatorName)


def indicators(world: World) -> dict[str, np.ndarray]:
    """The indicators a strategy can watch, (R,) each: the headline five, the reform index,
    political will, public trust and violence."""
    state = world.state
    headline = headline_indicators(state)
    return {
        **headline,
        "reform_index": reform_index(headline),
        "political_will": world.political_will()[:, 0],
        "public_trust": state.type_mean("civil_society", state.types["civil_society"].trust)[:, 0],
        "violence": state.violence[:, 0],
    }


def observe(world: World) -> None:
    """Measure this month's indicators, and report them as monitoring sees them: noisy, and
    function inflated toward form by ``indicator_manipulation`` (isomorphic mimicry).

    Reads: the state, ``draws.pillar_noise`` and ``draws.indicator_noise`` (none at month 0).
    Writes: ``monitoring.indicators``, ``monitoring.observed_function``, ``monitoring.observed``."""
    state, monitoring, draws = world.state, world.monitoring, world.draws
    values = indicators(world)
    monitoring.indicators = values
    pillar_noise = 0.0 if draws is None else draws.pillar_noise
    indicator_noise = np.zeros((world.replications, len(OBSERVABLE))) if draws is None else draws.indicator_noise
    monitoring.observed_function = donors.observed_function(
        state.de_facto, state.de_jure, world.context.indicator_manipulation, pillar_noise)
    # One (indicators, R) array, noised and clipped in two calls rather than two per indicator
    # (the same sums and bounds, element by element); each indicator is a contiguous row of it.
    reported = np.add(np.stack([values[name] for name in OBSERVABLE]), indicator_noise.T, order="C")
    monitoring.observed = dict(zip(OBSERVABLE, np.clip(reported, 0.0, 1.0, out=reported)))
