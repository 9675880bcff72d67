"""Stage: civil society's monitoring, mobilisation and trust; parliament's oversight
(:mod:`sim.mechanisms.civil_society`)."""

from __future__ import annotations

from ..mechanisms import civil_society
from ..mechanisms.common import row_mean
from ..world import World


def update_civil_society(world: World) -> None:
    """Monitoring grows with donor support and civic space and shrinks under repression;
    mobilisation follows monitoring and grievance; trust follows security delivered;
    parliament gains oversight, independence and mandates from function and mobilisation.

    Reads: forces' abuse and effectiveness, corruption, oversight form and function,
    ``civil_society_support``, ``funding.flexible_share``, will, violence.
    Writes: civil society's monitoring, mobilisation, trust; parliament's three traits.
    """
    state, p = world.state, world.params.civil_society
    if not p.enabled:
        return
    civil, parliament, forces = state.types["civil_society"], state.types["parliament"], state.types["security_force"]
    abuse = state.type_mean("security_force", forces.abuse)
    effectiveness = state.type_mean("security_force", forces.effectiveness)
    corruption_level = world.sector_corruption()
    oversight = state.pillar("oversight")
    funded = world.civil_society_support * world.funding.flexible_share
    civic_space = (p.civic_space_without_oversight if oversight is None
                   else state.de_jure[:, oversight:oversight + 1])
    civil.values["monitoring"] = civil_society.monitoring_update(
        civil.monitoring, funded, civic_space, abuse * (1 - world.political_will()), p.growth_rate, p.repression)
    civil.values["mobilisation"] = civil_society.mobilisation_update(
        civil.mobilisation, civil.monitoring, 0.5 * (corruption_level + abuse),
        world.matrices.threat_on_civil_society, p.mobilisation_rate)
    security_delivered = (1.0 - state.violence) * (0.5 + 0.5 * effectiveness)
    civil.values["trust"] = civil_society.trust_update(civil.trust, security_delivered, abuse, corruption_level,
                                                       p.trust_rate)
    (parliament.values["oversight_capacity"], parliament.values["independence"],
     parliament.values["legal_mandates"]) = civil_society.parliament_update(
        parliament.oversight_capacity, parliament.independence, parliament.legal_mandates,
        state.corruption[:, parliament.index], world.pillar_function("oversight", 0.0),
        row_mean(state.de_jure), state.type_mean("civil_society", civil.mobilisation),
        p.parliament_rate)
