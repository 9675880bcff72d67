"""Stage: stances move on the influence network toward each actor's interests
(:mod:`sim.mechanisms.influence`, :mod:`sim.mechanisms.will`)."""

from __future__ import annotations

import numpy as np

from ..mechanisms import donors, influence, will
from ..mechanisms.common import sum_by_group
from ..world import World


def anchors(world: World) -> np.ndarray:
    """Each actor's own interest (Friedkin-Johnsen anchor), (R, n): pressures for ministries,
    professional integrity for forces and parliament, rents for spoilers; the rest keep their
    current stance.

    Reads: ``effort`` (in force), ``pressure``, donors, civil society, parliament."""
    state, params, pressure = world.state, world.params, world.pressure
    p, anchor_params = params.political_will, params.influence
    ministries, forces, parliament = state.types["ministry"], state.types["security_force"], state.types["parliament"]
    civil, donor, spoiler = state.types["civil_society"], state.types["donor"], state.types["spoiler"]
    anchor = state.stance.copy()
    if p.enabled:
        lead_effort = sum_by_group(world.effort, state.pillar_lead, len(ministries))
        # Conditionality needs a programme to condition: none under the status quo.
        paying = donor.active & params.donors.enabled & world.programme_running()
        anchor[:, ministries.index] = will.will_anchor(
            ministries.leadership_will,
            donors.donor_pressure(world.matrices.funding_of_ministries, donor.conditionality, donor.enforcement,
                                  paying),
            state.type_mean("civil_society", civil.mobilisation),
            state.type_mean("parliament", parliament.oversight_capacity * parliament.independence),
            np.minimum(pressure.threat[:, ministries.index], 1.0),
            will.rents_lost(state.corruption[:, ministries.index], lead_effort),
            world.coefficients["political_will"])
    else:
        anchor[:, ministries.index] = ministries.leadership_will
    anchor[:, forces.index] = influence.integrity_anchor(
        anchor_params.force_anchor_base, anchor_params.force_anchor_integrity, forces.professionalism,
        state.corruption[:, forces.index])
    anchor[:, parliament.index] = influence.integrity_anchor(
        anchor_params.parliament_anchor_base, anchor_params.parliament_anchor_independence, parliament.independence,
        state.corruption[:, parliament.index])
    anchor[:, spoiler.index] = influence.spoiler_anchor(
        anchor_params.spoiler_anchor, pressure.threatened, pressure.strength,
        params.spoilers.cooptation_effort * spoiler.cooptable * spoiler.cooptability)
    return anchor


def update_stances(world: World) -> None:
    """Friedkin-Johnsen: stances move toward neighbours', anchored by each actor's interests.

    Reads: :func:`anchors`, the influence matrix. Writes: ``stance``."""
    state = world.state
    anchor = anchors(world)
    if world.params.influence.enabled:
        state.stance = influence.friedkin_johnsen_step(state.stance, anchor, world.matrices.influence,
                                                       state.susceptibility)
    else:
        state.stance = anchor
