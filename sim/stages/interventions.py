"""Stage: interventions due this month, from the scenario's ``interventions`` or scheduled
mid-run (a workshop team's decisions), applied through :mod:`sim.mechanisms.interventions`.

Every intervention applies to every replication of the batch, and logs an
``intervention`` event whose detail says what it did (the app's decision log shows it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..mechanisms import interventions
from ..world import World
from .donors import present_donors


def apply_due(world: World) -> None:
    """Apply the interventions due this month, in the order they were scheduled.

    Reads and writes what each intervention moves (:data:`APPLY`); logs what it did."""
    for intervention in world.interventions_due():
        effect = APPLY[intervention.kind](world, intervention.target)
        label = intervention.kind if intervention.target is None else f"{intervention.kind}: {intervention.target}"
        for row, text in enumerate(effect):
            world.log([row], "intervention", f"{label}: {text}")


def _set_effort(world: World, pillar: str, change: float) -> list[str]:
    """Effort moved on one pillar and committed like a new phase (earmarked money follows)."""
    programme, position = world.programme, world.state.pillar_names.index(pillar)
    before = programme.effort[:, position].copy()
    programme.effort[:] = interventions.shift_effort(programme.effort, position, change)
    world.commit(np.ones(world.replications, dtype=bool))
    return [f"effort on {pillar} {a:.1f} -> {b:.1f}" for a, b in zip(before, programme.effort[:, position])]


def fund_pillar(world: World, pillar: str) -> list[str]:
    """More effort on a pillar: donors' money follows effort (and so does the load)."""
    return _set_effort(world, pillar, world.params.interventions.effort_step)


def scale_back_pillar(world: World, pillar: str) -> list[str]:
    """Less effort on a pillar: less load on a weak administration, fewer rents threatened."""
    return _set_effort(world, pillar, -world.params.interventions.effort_step)


def _move_active_donors(world: World, fields: tuple[str, ...], change: float) -> list[str]:
    donor = world.state.types["donor"]
    active = present_donors(world)
    for name in fields:
        donor.values[name] = interventions.nudge_active(donor.values[name], active, change)
    values = donor.values[fields[0]]
    label = fields[0].replace("_", " ")
    return [f"{label} of active donors now {values[row][active[row]].mean():.2f} on average" if active[row].any()
            else "no donor is left to act" for row in range(world.replications)]


def tighten_conditionality(world: World, target: None) -> list[str]:
    """Tie more aid to progress and enforce it more often (withheld money, more pressure on will)."""
    return _move_active_donors(world, ("conditionality", "enforcement"), world.params.interventions.conditionality_step)


def relax_conditionality(world: World, target: None) -> list[str]:
    """Untie aid: steadier money, weaker leverage on political will."""
    return _move_active_donors(world, ("conditionality", "enforcement"),
                               -world.params.interventions.conditionality_step)


def train_army(world: World, target: None) -> list[str]:
    """Donor security assistance: professionalism rises, and so does the forces' political
    autonomy (``security.assistance_autonomy``, after Savage & Caverley 2017)."""
    return _move_active_donors(world, ("security_assistance",), world.params.interventions.assistance_step)


def deploy_peacekeepers(world: World, target: None) -> list[str]:
    """The active donor already contributing most troops adds more; they hold violence and
    relapse risk down while it stays."""
    state, donor = world.state, world.state.types["donor"]
    active = present_donors(world)
    before = donor.peacekeeping.copy()
    donor.values["peacekeeping"] = interventions.reinforce_peacekeeping(
        donor.peacekeeping, active, donor.budget, world.params.interventions.peacekeeping_step)
    texts = []
    for row in range(world.replications):
        if not active[row].any():
            texts.append("no donor is left to deploy peacekeepers")
            continue
        leader = int(np.argmax(donor.peacekeeping[row] - before[row]))
        total = min(float(donor.peacekeeping[row] @ active[row]), 1.0)
        texts.append(f"{state.names[donor.index[leader]]} deploys peacekeepers (total {total:.2f})")
    return texts


def back_civil_society(world: World, target: None) -> list[str]:
    """More donor support to NGOs and media: monitoring grows faster while donors pay flexibly."""
    world.civil_society_support = np.minimum(
        world.civil_society_support + world.params.interventions.civil_society_support_step, 10.0)
    return [f"donor support to civil society now {value:.1f}" for value in world.civil_society_support[:, 0]]


def hold_elections(world: World, target: None) -> list[str]:
    """Call an election this month: the election stage redraws each leadership's will (a gamble)."""
    world.election_called[:] = True
    return ["elections called"] * world.replications


def _chosen(world: World, member: str) -> np.ndarray:
    """The agents of a spoiler member, as a mask over the spoilers."""
    spoiler = world.state.types["spoiler"]
    return np.array([world.state.member_of[i] == member for i in spoiler.index])


def coopt_spoiler(world: World, member: str) -> list[str]:
    """Buy a spoiler in (Stedman 1997: inducement): strength and opposition fall with its
    co-optability; the officials it patronises grow more corrupt (the price). Total spoilers
    cannot be bought."""
    state, p = world.state, world.params.interventions
    spoiler, chosen = state.types["spoiler"], _chosen(world, member)
    pull = np.where(chosen, spoiler.cooptable * spoiler.cooptability, 0.0)
    if not pull.any():
        return [f"{member} cannot be co-opted (a total spoiler, or not co-optable)"] * world.replications
    stance = state.stance[:, spoiler.index]
    spoiler.values["strength"], state.stance[:, spoiler.index] = interventions.coopt(
        spoiler.strength, stance, pull, p.cooptation_strength_cut, p.cooptation_stance_pull)
    clients = (world.matrices.patronage_from_spoilers @ chosen.astype(float)[None, :].repeat(world.replications, 0)) > 0
    state.corruption = interventions.cooptation_price(state.corruption, clients & state.corruptible,
                                                      pull.max(axis=-1, keepdims=True), p.cooptation_client_corruption)
    return [f"{member} co-opted: strength now {strength[chosen].mean():.2f}" for strength in spoiler.strength]


def confront_spoiler(world: World, member: str) -> list[str]:
    """Coerce a spoiler (Stedman 1997: coercion): its strength falls with the forces'
    effectiveness; an outside spoiler fights back (violence rises with its resolve)."""
    state, p = world.state, world.params.interventions
    spoiler, forces, chosen = state.types["spoiler"], state.types["security_force"], _chosen(world, member)
    before = spoiler.strength[:, chosen].mean(axis=-1)
    spoiler.values["strength"], state.violence = interventions.confront(
        spoiler.strength, chosen, spoiler.resolve, spoiler.inside,
        state.type_mean("security_force", forces.effectiveness), state.violence,
        p.confrontation_base, p.confrontation_capacity, p.confrontation_backlash)
    return [f"{member} confronted: strength {a:.2f} -> {b:.2f}"
            for a, b in zip(before, spoiler.strength[:, chosen].mean(axis=-1))]


#: What each kind of intervention does: a function of the world and its target, returning
#: one sentence per replication for the event log.
APPLY: dict[str, Callable[[World, str | None], list[str]]] = {
    "fund_pillar": fund_pillar, "scale_back_pillar": scale_back_pillar,
    "tighten_conditionality": tighten_conditionality, "relax_conditionality": relax_conditionality,
    "coopt_spoiler": coopt_spoiler, "confront_spoiler": confront_spoiler,
    "back_civil_society": back_civil_society, "train_army": train_army,
    "deploy_peacekeepers": deploy_peacekeepers, "hold_elections": hold_elections,
}
