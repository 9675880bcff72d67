"""Stages: donors' exits, sanctions and disbursement; their patience (:mod:`sim.mechanisms.donors`).

Donor exit is decided here only: a donor leaves when its patience runs out or its horizon
passes (:func:`disburse`); patience is spent and regained by :func:`update_patience`, and
cut by a successful coup (:func:`sim.mechanisms.security.coup_consequences`).
"""

from __future__ import annotations

import numpy as np

from ..mechanisms import donors
from ..mechanisms.common import row_mean, row_total, shares, weighted_total
from ..world import Funding, World


def perceived_progress(world: World) -> np.ndarray:
    """Each donor's view of progress, (R, donors): form and observed function, by its taste."""
    donor = world.state.types["donor"]
    return donors.perceived_progress(donor.visibility_preference, row_mean(world.state.de_jure),
                                     row_mean(world.monitoring.observed_function))


def disburse(world: World) -> None:
    """Exits, sanctions (drawn with each donor's enforcement probability), disbursement and
    fragmentation losses.

    Reads: donors' patience and policy, ``programme.effort``, ``monitoring``, ``draws.sanctions``.
    Writes: donors' ``active`` and ``exit_month``, ``donor_funding``, ``funding``.
    """
    state, month, p = world.state, world.month, world.params.donors
    donor, monitoring, programme = state.types["donor"], world.monitoring, world.programme
    was_active = donor.active
    donor.values["active"] = (donor.patience > 0) & (month <= donor.horizon_month) & was_active
    exited = was_active & ~donor.active
    if exited.any():
        donor.exit_month[exited] = month
        for row, column in zip(*np.nonzero(exited)):
            world.log([row], "donor_exit", state.names[donor.index[column]])
    perceived = perceived_progress(world)
    yearly_gain = perceived - monitoring.perceived_history[month % 12]
    monitoring.perceived_history[month % 12] = perceived
    breach = yearly_gain < p.expected_progress_per_year
    sanctioned = (breach & (world.draws.sanctions < donor.enforcement)).astype(float)
    # Donors fund a reform programme: with no effort anywhere there is nothing to pay for.
    programme_running = p.enabled & world.programme_running()
    paid = donors.disbursement(donor.budget, donor.active & programme_running, donor.conditionality, sanctioned)
    efficiency = donors.fragmentation_efficiency(donor.budget, donor.coordination, donor.active, p.fragmentation_cost)
    total_paid = row_total(paid)
    world.donor_funding = total_paid * efficiency
    flexible_share = weighted_total(paid, donor.flexibility) / np.where(total_paid > 0, total_paid, 1.0)
    effort_shares = shares(programme.effort)
    # Flexible money follows this month's effort; earmarked money stays where the current
    # phase committed it (it cannot follow adaptive reallocation).
    pillar_funds = world.donor_funding * (flexible_share * effort_shares
                                          + (1 - flexible_share) * programme.committed_shares)
    present = present_donors(world)
    world.funding = Funding(
        pillar_funds=pillar_funds, yearly_gain=yearly_gain,
        flexible_share=flexible_share,
        peacekeeping=np.minimum(weighted_total(donor.peacekeeping, present), 1.0),
        assistance=np.minimum(weighted_total(donor.security_assistance, present), 1.0),
    )


def present_donors(world: World) -> np.ndarray:
    """(R, donors): donors still in the country (and the donor mechanism switched on)."""
    return world.state.types["donor"].active & world.params.donors.enabled


def update_patience(world: World) -> None:
    """Donors lose a month of patience for each month their perceived yearly progress stalls.

    Reads: ``funding.yearly_gain``. Writes: donors' ``patience``."""
    donor = world.state.types["donor"]
    donor.values["patience"] = donors.patience_update(donor.patience, donor.active, world.funding.yearly_gain,
                                                      world.params.donors.stall_tolerance, donor.full_patience)
