"""The step: an ordered list of named stages, each a function of the :class:`~sim.world.World`.

Each stage lives in the module named after its mechanism module (``sim/stages/security.py``
wires ``sim/mechanisms/security.py``), says in its docstring what it reads and writes, and
passes nothing to the next stage except through the world. docs/ODD.md ("Process overview and
scheduling") lists the same stages in the same order; docs/architecture.md shows how data
flows from a scenario file to a summary.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from ..world import World
from . import capacity, civil_society, corruption, donors, influence, interventions, monitoring, security, spoilers, strategy, will


class Stage(NamedTuple):
    name: str
    run: Callable[[World], None]


#: One month, in order. Everything a stage reads that a later stage writes is last month's.
STEP: tuple[Stage, ...] = (
    Stage("interventions", interventions.apply_due),           # decisions due this month
    Stage("strategy", strategy.advance_strategy),              # phase changes, adaptive review
    Stage("donors", donors.disburse),                          # exits, sanctions, money per pillar
    Stage("spoilers", spoilers.press),                         # threatened rents, obstruction, capture
    Stage("influence", influence.update_stances),              # anchors, Friedkin-Johnsen
    Stage("corruption", corruption.update_corruption),         # collective action, diversion
    Stage("capability", capacity.update_capability),           # capability, overload, form, function
    Stage("forces", security.update_forces),                   # professionalism ... effectiveness
    Stage("civil_society", civil_society.update_civil_society),  # monitoring, trust, parliament
    Stage("violence", security.update_violence),
    Stage("relapse", security.relapse),
    Stage("coups", security.coups),
    Stage("violence_shocks", security.violence_shocks),
    Stage("spoiler_strength", spoilers.update_strength),
    Stage("donor_patience", donors.update_patience),
    Stage("elections", will.elections),
    Stage("monitoring", monitoring.observe),                   # indicators, as reported
)

__all__ = ["STEP", "Stage"]
