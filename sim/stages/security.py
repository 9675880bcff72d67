"""Stages: security forces, violence, conflict relapse, coups and violence shocks
(:mod:`sim.mechanisms.security`)."""

from __future__ import annotations

import numpy as np

from ..mechanisms import security
from ..mechanisms.common import relax, weighted_mean, weighted_total
from ..world import World


def update_forces(world: World) -> None:
    """Security forces follow their pillar's function, oversight, will and threatened privileges.

    Reads: de facto function, corruption, will, violence, scrutiny, ``funding.assistance``,
    ``effort`` (in force). Writes: the forces' professionalism, autonomy, loyalty, abuse, effectiveness.
    """
    state, p = world.state, world.params.security
    forces, parliament = state.types["security_force"], state.types["parliament"]
    scrutiny = state.type_mean("parliament", parliament.oversight_capacity * parliament.independence)
    force_corruption = state.corruption[:, forces.index]
    targets = security.force_targets(
        state.de_facto[:, forces.pillar], force_corruption, world.pillar_function("oversight", 0.0),
        world.political_will(), state.violence, scrutiny, world.funding.assistance,
        world.effort[:, forces.pillar] * force_corruption, p.assistance_autonomy, p.autonomy_ceiling,
        p.oversight_restraint, p.professional_restraint)
    for name, target in targets.items():
        forces.values[name] = relax(forces.values[name], target, p.force_adjustment_rate)


def update_violence(world: World) -> None:
    """Violence heads to its target (spoilers, grievance, forces, peacekeeping), with noise;
    a relapsed state is at war for ``war_years``.

    Reads: ``pressure.violence``, ``funding.peacekeeping``, forces, corruption, trust,
    ``tally.relapse_month``, ``draws.violence``. Writes: ``violence``."""
    state, p = world.state, world.params.security
    if not p.enabled:
        return
    forces, civil = state.types["security_force"], state.types["civil_society"]
    abuse = state.type_mean("security_force", forces.abuse)
    relapse_month = world.tally.relapse_month[:, None]
    at_war = (relapse_month >= 0) & (world.month < relapse_month + 12 * p.war_years)
    target = security.violence_target(
        np.where(at_war, np.maximum(p.base_violence, p.relapse_violence), p.base_violence), world.pressure.violence,
        state.type_mean("security_force", forces.effectiveness), world.funding.peacekeeping,
        0.5 * (world.sector_corruption() + abuse), state.type_mean("civil_society", civil.trust))
    state.violence = security.violence_update(state.violence, target, p.violence_rate, world.draws.violence,
                                              p.violence_noise)


def relapse(world: World) -> None:
    """Conflict relapse in post-conflict scenarios: at most once a run, with a hazard that
    fades with years of peace; renewed war raises violence and destroys function and will.

    Reads: violence, outside spoilers' strength, ``funding.peacekeeping``, DDR and policing
    function, last month's governance (rule of law, government effectiveness), ``draws.relapse``. Writes: ``tally.relapse_month``, violence, de facto, leadership will."""
    state, p = world.state, world.params.security
    if not (p.enabled and world.context.post_conflict):
        return
    spoiler, ministries = state.types["spoiler"], state.types["ministry"]
    outside_strength = weighted_total(world.pressure.strength, ~spoiler.inside * spoiler.resolve)
    indicators = world.monitoring.indicators  # last month's true values (monitoring is the last stage)
    governance = 0.5 * (indicators["rule_of_law"] + indicators["government_effectiveness"])[:, None]
    hazard = security.relapse_hazard(p.relapse_hazard, state.violence, np.minimum(outside_strength, 1.0),
                                     world.funding.peacekeeping, world.pillar_function("ddr", 0.0),
                                     world.pillar_function("policing", 0.0), governance,
                                     world.month / 12.0, p.peace_memory_years, world.coefficients["security"])
    relapsing = (world.tally.relapse_month < 0) & (world.draws.relapse < hazard)[:, 0]
    if not relapsing.any():
        return
    world.tally.relapse_month[relapsing] = world.month
    state.violence, state.de_facto, ministries.values["leadership_will"] = security.relapse_consequences(
        relapsing, state.violence, state.de_facto, ministries.leadership_will, p.relapse_violence,
        p.relapse_function_loss, world.params.political_will.relapse_shock)
    world.log(relapsing, "relapse")


def coups(world: World) -> None:
    """Coup attempts by coup-capable forces (Svolik 2012); the coup trap raises the hazard
    after each success (Londregan & Poole 1990). What a coup does is
    :func:`sim.mechanisms.security.coup_consequences`.

    Reads: the army's autonomy, loyalty and threatened privileges, mobilisation, parliament's
    independence, ``draws.coup`` and ``draws.coup_success``. Writes: ``tally`` counters,
    leadership will, parliament's independence, the forces' autonomy, oversight form, donors' patience.
    """
    state, p = world.state, world.params.security
    forces, parliament, donor = state.types["security_force"], state.types["parliament"], state.types["donor"]
    army = forces.coup_capable
    if not (p.enabled and army.any()):
        return
    weight = state.influence[forces.index][army]
    autonomy = weighted_mean(forces.political_autonomy[:, army], weight)
    loyalty = weighted_mean(forces.loyalty[:, army], weight)
    privileges = world.effort[:, forces.pillar] * state.corruption[:, forces.index]
    hazard = security.coup_hazard(p.coup_hazard, autonomy, loyalty, weighted_mean(privileges[:, army], weight),
                                  world.tally.coup_successes[:, None], p.coup_trap)
    attempting = (world.draws.coup < hazard)[:, 0]
    if not attempting.any():
        return
    world.tally.coup_attempts[attempting] += 1
    success = security.coup_success_probability(
        autonomy, state.type_mean("civil_society", state.types["civil_society"].mobilisation),
        state.type_mean("parliament", parliament.independence))
    succeeding = attempting & (world.draws.coup_success < success)[:, 0]
    world.tally.coup_successes[succeeding] += 1
    ministries, oversight = state.types["ministry"], state.pillar("oversight")
    oversight_form = None if oversight is None else state.de_jure[:, oversight:oversight + 1]
    (ministries.values["leadership_will"], parliament.values["independence"], forces.values["political_autonomy"],
     oversight_form, donor.values["patience"]) = security.coup_consequences(
        succeeding, attempting & ~succeeding, ministries.leadership_will, parliament.independence,
        forces.political_autonomy, army, oversight_form, donor.patience, donor.active,
        world.coefficients["security"])
    if oversight is not None:
        state.de_jure[:, oversight:oversight + 1] = oversight_form
    for row in np.flatnonzero(attempting):
        world.log([row], "coup", "success" if succeeding[row] else "failed")


def violence_shocks(world: World) -> None:
    """Scheduled violence shocks (scenario ``events``) add to violence in their first month.

    Writes: ``violence``."""
    state = world.state
    state.violence = np.minimum(state.violence + world.event_onset("violence_shock"), 1.0)
