"""Stage: corruption as a collective-action problem, and the funds it diverts
(:mod:`sim.mechanisms.corruption`)."""

from __future__ import annotations

import numpy as np

from ..mechanisms import corruption
from ..mechanisms.common import relax
from ..world import World


def update_corruption(world: World) -> None:
    """Officials move toward the logit best response to their peers' corruption, the risk of
    detection and capture by spoilers; reform funds are diverted in proportion to the lead
    ministries' corruption.

    Reads: integrity function and drive (last month's overload of its lead ministry),
    oversight, monitoring, ``pressure.capture``, scheduled anti-corruption pushes.
    Writes: ``corruption``, ``diversion``.
    """
    state, p = world.state, world.params.corruption
    ministries, parliament = state.types["ministry"], state.types["parliament"]
    integrity = state.pillar("integrity")
    no_drive = np.zeros((world.replications, 1))
    integrity_function = no_drive if integrity is None else state.de_facto[:, integrity:integrity + 1]
    if integrity is None:
        integrity_drive = no_drive
    else:
        # A drive is as strong as the will and the spare capability behind it.
        lead = state.pillar_lead[integrity]
        integrity_drive = (world.effort[:, integrity:integrity + 1]
                           * world.pillar_returns[:, integrity:integrity + 1]
                           * state.stance[:, ministries.index[lead]][:, None]
                           * (1.0 - p.drive_overload_damping * world.overload[:, lead:lead + 1]))
    detection = corruption.detection_risk(
        np.maximum(integrity_function, integrity_drive), state.type_mean("parliament", parliament.oversight_capacity),
        state.type_mean("parliament", parliament.independence),
        state.type_mean("civil_society", state.types["civil_society"].monitoring), p.base_detection)
    detection = np.minimum(detection + world.event_strength("anticorruption_push"), 1.0)
    if p.enabled:
        prevalence = corruption.peer_prevalence(state.corruption, world.matrices.peers, world.matrices.has_peers,
                                                world.sector_corruption())
        target = corruption.corruption_target(prevalence, detection, world.pressure.capture,
                                              corruption.rent_opportunity(integrity_function),
                                              world.coefficients["corruption"])
        state.corruption = np.where(state.corruptible, relax(state.corruption, target, p.adjustment_rate), 0.0)
    lead_corruption = state.corruption[:, ministries.index][:, state.pillar_lead]
    world.diversion = corruption.diversion_share(lead_corruption, p.diversion_rate)
