"""Stages: spoilers' pressure on reform, and their strength (:mod:`sim.mechanisms.spoilers`)."""

from __future__ import annotations

from ..mechanisms import spoilers
from ..world import SpoilerPressure, World


def press(world: World) -> None:
    """Rents each pillar threatens, inside obstruction and capture, outside violence.

    Reads: ``effort`` (in force), de facto function (DDR's disarms outside spoilers), spoilers.
    Writes: ``pressure``."""
    state, p, matrices = world.state, world.params.spoilers, world.matrices
    spoiler = state.types["spoiler"]
    pressure = spoilers.reform_pressure(world.effort, state.de_facto)
    threatened = spoilers.threatened_rents(state.spoiler_rents, pressure)
    strength = spoiler.strength * (1.0 if p.enabled else 0.0)
    world.pressure = SpoilerPressure(
        threatened=threatened, strength=strength,
        obstruction=spoilers.obstruction(strength, spoiler.resolve, spoiler.inside, state.spoiler_rents,
                                         pressure, p.obstruction),
        violence=spoilers.spoiler_violence(strength, spoiler.resolve, spoiler.inside, threatened, p.violence,
                                           p.ddr_disarmament * world.pillar_function("ddr", 0.0)),
        capture=matrices.patronage_from_spoilers @ (strength * spoiler.inside),
        threat=matrices.patronage_from_spoilers @ (strength * spoiler.resolve * threatened),
    )


def update_strength(world: World) -> None:
    """Spoilers grow on rents and shrink under coercion and co-optation.

    Reads: sector corruption, the forces' effectiveness. Writes: spoilers' ``strength``."""
    state, p = world.state, world.params.spoilers
    spoiler = state.types["spoiler"]
    if not (p.enabled and len(spoiler)):
        return
    spoiler.values["strength"] = spoilers.strength_update(
        spoiler.strength, spoiler.cooptable, spoiler.cooptability, spoiler.inside, world.sector_corruption(),
        state.type_mean("security_force", state.types["security_force"].effectiveness),
        p.cooptation_effort, p.growth, p.coercion)
