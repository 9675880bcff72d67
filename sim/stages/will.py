"""Stage: elections move each leadership's own will (:mod:`sim.mechanisms.will`)."""

from __future__ import annotations

import numpy as np

from ..mechanisms import will
from ..world import World


def elections(world: World) -> None:
    """Regular elections every ``election_interval_years``, scheduled ones (scenario
    ``events``) and those called by an intervention redraw each leadership's will.

    Reads: ``draws.elections``, ``election_called``. Writes: leadership will, ``election_called``."""
    p, month = world.params.political_will, world.month
    interval = int(round(12 * p.election_interval_years))
    scheduled = (p.enabled and month % interval == 0) or world.event_onset("election")
    holding = world.election_called | bool(scheduled)
    world.election_called = np.zeros_like(world.election_called)
    if not holding.any():
        return
    ministries = world.state.types["ministry"]
    shocked = will.election_shock(ministries.leadership_will, world.draws.elections, p.election_shock_sd)
    ministries.values["leadership_will"] = np.where(holding[:, None], shocked, ministries.leadership_will)
    world.log(holding, "election")
