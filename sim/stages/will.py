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
    # The interval may differ per replication ((R, 1)): a regular election is due where it divides the month.
    regular = p.enabled & (month % np.round(12 * p.election_interval_years) == 0)
    holding = (world.election_called | np.broadcast_to(regular, (world.replications, 1))[:, 0]
               | bool(world.event_onset("election")))
    world.election_called = np.zeros_like(world.election_called)
    if not holding.any():
        return
    ministries = world.state.types["ministry"]
    shocked = will.election_shock(ministries.leadership_will, world.draws.elections, p.election_shock_sd)
    ministries.values["leadership_will"] = np.where(holding[:, None], shocked, ministries.leadership_will)
    world.log(holding, "election")
