"""Stage: capability, de jure form and de facto function (:mod:`sim.mechanisms.capacity`)."""

from __future__ import annotations

from ..fields import LAW_PILLARS
from ..mechanisms import capacity
from ..mechanisms.common import shares, sum_by_group
from ..world import World


def update_capability(world: World) -> None:
    """Capability grows from absorbed investment and is strained by overload; form follows
    effort and will; function follows form where capability carries it, pushed only as hard
    as each lead ministry's bandwidth allows (a ministry leading several pillars divides it).

    Reads: ``funding``, ``diversion``, ``pressure.obstruction``, ``effort`` (in force), will.
    Writes: ministries' ``capacity`` and ``absorptive_capacity``, ``overload``, ``de_jure``, ``de_facto``.
    Reads also ``pillar_returns`` (each pillar's tractability in this replication).
    """
    state, p, funding, effort = world.state, world.params.capacity, world.funding, world.effort
    ministries, parliament = state.types["ministry"], state.types["parliament"]
    will_by_ministry = state.stance[:, ministries.index]
    ministry_corruption = state.corruption[:, ministries.index]
    domestic = p.domestic_budget * state.type_mean("ministry", will_by_ministry)
    # The domestic budget follows the effort in force, the government's own included.
    pillar_funds = (funding.pillar_funds + domestic * shares(effort)) * (1.0 - world.diversion)
    n_ministries = len(ministries)
    # Routine budgets reach every ministry, reform or not.
    investment = (sum_by_group(pillar_funds, state.pillar_lead, n_ministries)
                  + p.routine_budget_share * p.domestic_budget)
    managed = 1.0
    if p.enabled:
        load = capacity.reform_load(effort, state.de_jure, state.de_facto, state.pillar_lead, n_ministries,
                                    p.shared_load)
        managed = capacity.bandwidth_share(load, ministries.capacity, p.load_tolerance)[:, state.pillar_lead]
        world.overload = capacity.overload(load, ministries.capacity, p.load_tolerance)
        absorbed = capacity.absorbed_investment(investment, ministries.absorptive_capacity)
        ministries.values["capacity"] = capacity.capability_update(
            ministries.capacity, absorbed, ministry_corruption, world.overload,
            p.growth_rate, p.decay_rate, p.overload_erosion, will_by_ministry, p.authority_weight,
            p.trap_weight)
        ministries.values["absorptive_capacity"] = capacity.absorptive_update(
            ministries.absorptive_capacity, ministries.capacity, p.absorptive_rate)
    lead_will = will_by_ministry[:, state.pillar_lead]
    mandates = state.type_mean("parliament", parliament.legal_mandates)
    # What effort achieves in function depends on how tractable the pillar is here; form does
    # not (laws pass and units are created whether or not they will work: isomorphic mimicry),
    # so a blocked pillar costs bandwidth, provokes spoilers and builds form, not function.
    working = effort * world.pillar_returns
    pace = p.de_facto_rate * world.pillar_pace
    pace[:, state.present_pillars(LAW_PILLARS)] *= p.rule_of_law_pace
    new_de_jure = capacity.de_jure_update(state.de_jure, effort, lead_will, world.pressure.obstruction,
                                          mandates, p.de_jure_rate)
    state.de_facto = capacity.de_facto_update(
        state.de_facto, state.de_jure, managed * working, ministries.capacity[:, state.pillar_lead], lead_will,
        world.pressure.obstruction, world.diversion, ministry_corruption[:, state.pillar_lead],
        pace, p.de_facto_decay)
    state.de_jure = new_de_jure
