"""Interventions a workshop team makes mid-run, applied to a running ReformModel.

The model has no API for changing course mid-run (its strategy is data fixed at the start),
so each intervention here edits the model's public state between steps, in one small
function that says what it moves and why. Where the model already has a mechanism for the
effect (conditionality, security assistance, peacekeeping, elections, donor support to civil
society) the intervention moves that mechanism's input and lets the model's own equations do
the rest; only co-opting and confronting a spoiler, which the model treats as a standing
policy for all spoilers, are one-off changes to the chosen spoiler.

No intervention draws random numbers: the model's stream stays the same, so a team's run and
the shipped strategies' runs on the same seed share their shocks (common random numbers).
Every function returns one sentence saying what happened, for the decision log.
"""

from __future__ import annotations

import numpy as np

from sim import ReformModel
from sim.scenario import Event

EFFORT_STEP = 0.5          # a decision moves a pillar's effort by half the range
CONDITIONALITY_STEP = 0.2
ASSISTANCE_STEP = 0.2
PEACEKEEPING_STEP = 0.3
CIVIL_SOCIETY_SUPPORT_STEP = 0.3


def _set_effort(model: ReformModel, pillar: str, change: float) -> str:
    """A new effort on one pillar, committed like a strategy's new phase (earmarked money follows)."""
    position = model.state.pillar_names.index(pillar)
    before = float(model.effort[position])
    model.effort[position] = float(np.clip(before + change, 0.0, 1.0))
    model.committed_shares = model.effort / max(model.effort.sum(), 1e-9)
    return f"effort on {pillar} {before:.1f} -> {model.effort[position]:.1f}"


def fund_pillar(model: ReformModel, pillar: str) -> str:
    """Raise reform effort on a pillar; donors' money follows effort (and so does the load)."""
    return _set_effort(model, pillar, EFFORT_STEP)


def scale_back_pillar(model: ReformModel, pillar: str) -> str:
    """Lower reform effort on a pillar: less load on a weak administration, fewer rents threatened."""
    return _set_effort(model, pillar, -EFFORT_STEP)


def _move_active_donors(model: ReformModel, field: str, change: float) -> str:
    donor = model.state.types["donor"]
    active = donor.active
    if not active.any():
        return "no donor is left to act"
    values = donor.values[field]
    values[active] = np.clip(values[active] + change, 0.0, 1.0)
    return f"{field.replace('_', ' ')} of active donors now {float(values[active].mean()):.2f} on average"


def tighten_conditionality(model: ReformModel, target: str | None = None) -> str:
    """Tie more aid to progress and enforce it more often (withheld money, stronger pressure on will)."""
    text = _move_active_donors(model, "conditionality", CONDITIONALITY_STEP)
    _move_active_donors(model, "enforcement", CONDITIONALITY_STEP)
    return text


def relax_conditionality(model: ReformModel, target: str | None = None) -> str:
    """Untie aid: steadier money, weaker leverage on political will."""
    text = _move_active_donors(model, "conditionality", -CONDITIONALITY_STEP)
    _move_active_donors(model, "enforcement", -CONDITIONALITY_STEP)
    return text


def train_army(model: ReformModel, target: str | None = None) -> str:
    """Donor security assistance: professionalism rises, and so does the forces' political
    autonomy (the model's assistance_autonomy, after Savage & Caverley 2017)."""
    return _move_active_donors(model, "security_assistance", ASSISTANCE_STEP)


def deploy_peacekeepers(model: ReformModel, target: str | None = None) -> str:
    """Peacekeepers come with a donor: the active donor already contributing most (the mission,
    if there is one) adds troops. They hold violence and relapse risk down while it stays."""
    donor = model.state.types["donor"]
    if not donor.active.any():
        return "no donor is left to deploy peacekeepers"
    ranking = np.where(donor.active, donor.peacekeeping + 1e-6 * donor.budget, -np.inf)
    row = int(np.argmax(ranking))
    donor.values["peacekeeping"][row] = min(donor.peacekeeping[row] + PEACEKEEPING_STEP, 1.0)
    total = min(float(donor.peacekeeping @ donor.active), 1.0)
    return f"{model.state.names[donor.index[row]]} deploys peacekeepers (total {total:.2f})"


def back_civil_society(model: ReformModel, target: str | None = None) -> str:
    """More donor support to NGOs and media: monitoring grows faster (while donors pay flexibly)."""
    params = model.params.civil_society
    support = min(params.donor_support + CIVIL_SOCIETY_SUPPORT_STEP, 10.0)
    model.params = model.params.model_copy(
        update={"civil_society": params.model_copy(update={"donor_support": support})})
    return f"donor support to civil society now {support:.1f}"


def hold_elections(model: ReformModel, target: str | None = None) -> str:
    """Call an election for next month: the model's election shock redraws each ministry
    leadership's will (a gamble: it can rise or fall)."""
    event = Event(kind="election", start_year=model.month / 12.0, duration_years=0.0, strength=1.0)
    scenario = model.reform_scenario
    model.reform_scenario = scenario.model_copy(update={"events": [*scenario.events, event]})
    return f"elections called for month {model.month + 1}"


def _spoiler_row(model: ReformModel, name: str) -> int:
    spoiler = model.state.types["spoiler"]
    names = [model.state.names[i] for i in spoiler.index]
    if name not in names:
        raise ValueError(f"no spoiler named '{name}'; spoilers: {', '.join(names) or 'none'}")
    return names.index(name)


def coopt_spoiler(model: ReformModel, spoiler_name: str) -> str:
    """Buy a spoiler in (Stedman 1997: inducement): its strength and opposition fall in proportion
    to its co-optability, and the officials it patronises get a little more corrupt (the price).
    Total spoilers cannot be bought."""
    state, row = model.state, _spoiler_row(model, spoiler_name)
    spoiler = state.types["spoiler"]
    pull = float(spoiler.cooptable[row] * spoiler.cooptability[row])
    if pull == 0.0:
        return f"{spoiler_name} cannot be co-opted (a total spoiler, or not co-optable)"
    spoiler.values["strength"][row] *= 1.0 - 0.5 * pull
    index = spoiler.index[row]
    state.stance[index] += 0.5 * pull * (1.0 - state.stance[index])
    clients = model.matrices.patronage_from_spoilers[:, row].toarray().ravel() > 0
    state.corruption[clients] = np.clip(state.corruption[clients] + 0.02 * pull, 0.0, 1.0)
    return f"{spoiler_name} co-opted: strength now {spoiler.strength[row]:.2f}"


def confront_spoiler(model: ReformModel, spoiler_name: str) -> str:
    """Coerce a spoiler (Stedman 1997: coercion): its strength falls with the forces'
    effectiveness; an outside spoiler fights back (violence rises with its resolve)."""
    state, row = model.state, _spoiler_row(model, spoiler_name)
    spoiler, forces = state.types["spoiler"], state.types["security_force"]
    before = float(spoiler.strength[row])
    capacity = state.type_mean("security_force", forces.effectiveness)
    spoiler.values["strength"][row] = before * (1.0 - (0.2 + 0.4 * capacity))
    if not spoiler.inside[row]:
        state.violence = min(state.violence + 0.1 * before * spoiler.resolve[row], 1.0)
    return f"{spoiler_name} confronted: strength {before:.2f} -> {spoiler.strength[row]:.2f}"
