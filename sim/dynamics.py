"""The reform dynamics, for a batch of replications at once: scenario -> state -> mechanisms.

:class:`ReformBatch` runs R replications of one scenario side by side. Each replication has
its own generator (its seed), its own jittered actors and its own random network; the state
carries the replications as a leading array axis, the networks are one block-diagonal sparse
matrix, and the step is array operations over every actor of every replication. No step loops
over agents, and none over replications except to draw each one's random numbers from its
own stream.

Why one engine for one run and for many: the Mesa model (:class:`sim.model.ReformModel`) is a
batch of one, and sweeps run batches of many, so there is one implementation of the science
and a replication's numbers do not depend on what else is in its batch. Every reduction is
along the last (actor or pillar) axis of a contiguous array, and every sparse product is a
row of the block-diagonal matrix, so a replication computes bit for bit what it computes
alone (tested).

Shapes: per-actor arrays are (R, n), per-pillar arrays (R, P), and a per-replication scalar
inside the step is (R, 1) so it broadcasts over actors and pillars. Indicators are (R,).
Arrays that no replication can change (types, pillars led, rents, budgets) stay 1-D.

Order of a step (docs/ODD.md, "Process overview and scheduling"):
 1. strategy: phase changes and adaptive reallocation, read off last month's observed indicators
 2. donors: exits, sanctions, disbursement, fragmentation
 3. spoilers: threatened rents, obstruction, capture, violence pressure
 4. influence and political will (Friedkin-Johnsen with pressure-driven anchors)
 5. corruption (collective action, anti-corruption pushes) and diversion
 6. capability, de jure form, de facto function
 7. security forces
 8. civil society and parliament
 9. violence (and violence shocks), conflict relapse, coups
10. spoiler strength, donor patience, elections
11. indicators, and the noisy, manipulated indicators that monitoring observes

Random numbers: every month takes the same draws whatever happens (so two strategies run with
one seed share their shocks: common random numbers). They are drawn per replication in blocks
of :data:`DRAW_BLOCK_MONTHS` months, one uniform and one normal array per block, so a month's
draws do not depend on the horizon or on how the run is stepped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, get_args

import numpy as np

from .fields import HEADLINE_INDICATORS, IndicatorName
from .mechanisms import capacity, civil_society, corruption, donors, influence, security, spoilers, will
from .mechanisms.common import relax, row_mean, row_total, sum_by_group, weighted_mean, weighted_total
from .network import NetworkMatrices, build_graph, build_matrices, ties
from .outcomes import headline_indicators, reform_index, summarise
from .scenario import Scenario
from .state import CORRUPTIBLE, ReformState, build_state, stack_states
from .strategy import reallocate_effort

OBSERVABLE = get_args(IndicatorName)
#: Months of random numbers drawn at once per replication (a fixed size, so the numbers of a
#: month never depend on the run's length).
DRAW_BLOCK_MONTHS = 120
#: What the run summary needs every month.
SUMMARY_SERIES = (*HEADLINE_INDICATORS, "reform_index")
MODEL_INDICATORS = (*HEADLINE_INDICATORS, "reform_index", "political_will", "public_trust", "violence",
                    "donor_funding", "spoiler_strength", "mean_de_jure", "mean_de_facto", "phase")


class Draws(NamedTuple):
    """The random numbers of one month, per replication (always the same amount, in the same order)."""

    relapse: np.ndarray          # (R, 1) each
    coup: np.ndarray
    coup_success: np.ndarray
    violence: np.ndarray
    sanctions: np.ndarray        # (R, donors): a breach is sanctioned when below the donor's enforcement
    pillar_noise: np.ndarray     # (R, P): M&E noise on each pillar's observed function
    indicator_noise: np.ndarray  # (R, observable indicators)
    elections: np.ndarray        # (R, ministries): shocks to each leadership's will, used in election months


class Funding(NamedTuple):
    """This month's aid, as the later stages of the step need it."""

    pillar_funds: np.ndarray     # (R, P)
    effort_shares: np.ndarray    # (R, P)
    yearly_gain: np.ndarray      # (R, donors): each donor's perceived progress over the past year
    flexible_share: np.ndarray   # (R, 1)
    peacekeeping: np.ndarray     # (R, 1)
    assistance: np.ndarray       # (R, 1)


class SpoilerPressure(NamedTuple):
    threatened: np.ndarray       # (R, spoilers): rents each spoiler stands to lose
    strength: np.ndarray         # (R, spoilers): effective strength (zero when the mechanism is off)
    obstruction: np.ndarray      # (R, P)
    violence: np.ndarray         # (R, 1): push on violence from outside spoilers
    capture: np.ndarray          # (R, actors), through patronage ties
    threat: np.ndarray           # (R, actors), through patronage ties


class ReformBatch:
    """R replications of one scenario, stepped together.

    Args:
        scenario: a validated :class:`Scenario` (its strategy included).
        generators: one ``numpy.random.Generator`` per replication, its only source of randomness.
        collect_all: compute every indicator each month (per-pillar and per-type series too);
            False computes only what the step and the summary need.
        record: names of indicators whose monthly series to keep (the summary's are always kept).
        keep_graphs: keep each replication's networkx graph (for inspection and the app;
            sweeps leave them).
    """

    def __init__(self, scenario: Scenario, generators: Sequence[np.random.Generator], *,
                 collect_all: bool = False, record: Iterable[str] = (), keep_graphs: bool = False) -> None:
        if not generators:
            raise ValueError("a batch needs at least one generator")
        self.scenario = scenario
        self.strategy = scenario.strategy
        self.params = scenario.mechanisms
        self.collect_all = collect_all
        self.generators = list(generators)
        replications = len(self.generators)
        self.replications = replications
        self.coefficients = {name: getattr(self.params, name).model_dump() for name in ("corruption", "political_will")}

        states, networks, self.graphs = [], [], []
        for generator in self.generators:  # per replication: actors first, then the network
            states.append(build_state(scenario, generator))
            graph = build_graph(scenario, states[-1], generator)
            networks.append(ties(graph))  # a graph is heavy: keep its ties, not the graph
            if keep_graphs:
                self.graphs.append(graph)
        self.state: ReformState = stack_states(states)
        self.matrices: NetworkMatrices = build_matrices(networks, self.state, scenario.network.self_weight)

        state = self.state
        pillars = state.pillar_names
        self.phase_efforts = np.array([self.strategy.effort_vector(k, pillars) for k in range(len(self.strategy.phases))])
        self.month = 0
        self.phase_index = np.zeros(replications, dtype=int)
        self.phases_started = np.ones(replications, dtype=int)
        self.effort = np.repeat(self.phase_efforts[:1], replications, axis=0)
        self.committed_shares = _shares(self.effort)
        self.last_review_function = state.de_facto.copy()
        donor = state.types["donor"]
        self.perceived_history = np.zeros((12, replications, len(donor)))
        if not self.params.donors.enabled:  # no donors at all: none to exit, none present
            donor.values["active"][:] = False
        self.donor_funding = np.zeros((replications, 1))
        self.overload = np.zeros((replications, len(state.types["ministry"])))  # last step's, read by the integrity drive
        self.coup_attempts = np.zeros(replications, dtype=int)
        self.coup_successes = np.zeros(replications, dtype=int)
        self.relapse_month = np.full(replications, -1)  # -1: no relapse (yet)
        self.events: list[list[tuple[int, str, str]]] = [[] for _ in range(replications)]
        self._draw_blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        self.observed_function = state.de_facto.copy()
        self.indicators: dict[str, np.ndarray] = {}
        self.observed: dict[str, np.ndarray] = {}
        self.record = tuple(dict.fromkeys((*SUMMARY_SERIES, *record)))
        self.history: dict[str, list[np.ndarray]] = {name: [] for name in self.record}
        self._update_indicators(None)
        self.perceived_history[:] = self._perceived_progress()

    # --- random numbers ------------------------------------------------------------------
    def _draw(self, month: int) -> Draws:
        """Month ``month``'s random numbers (1-based), per replication, from its block."""
        block, position = divmod(month - 1, DRAW_BLOCK_MONTHS)
        types, pillars, observable = self.state.types, len(self.state.pillar_names), len(OBSERVABLE)
        if block not in self._draw_blocks:
            uniform_count = 4 + len(types["donor"])
            normal_count = pillars + observable + len(types["ministry"])
            self._draw_blocks = {block: (
                np.stack([g.random((DRAW_BLOCK_MONTHS, uniform_count)) for g in self.generators]),
                np.stack([g.standard_normal((DRAW_BLOCK_MONTHS, normal_count)) for g in self.generators]),
            )}
        uniforms, normals = (draws[:, position] for draws in self._draw_blocks[block])
        noise = self.scenario.context.monitoring_noise
        return Draws(
            relapse=uniforms[:, 0:1], coup=uniforms[:, 1:2], coup_success=uniforms[:, 2:3],
            violence=uniforms[:, 3:4], sanctions=uniforms[:, 4:],
            pillar_noise=noise * normals[:, :pillars],
            indicator_noise=noise * normals[:, pillars:pillars + observable],
            elections=normals[:, pillars + observable:],
        )

    # --- the step ------------------------------------------------------------------------
    def step(self) -> None:
        self.month += 1
        draws = self._draw(self.month)
        self._advance_strategy(self.month)               # 1
        funding = self._donors(draws)                    # 2
        pressure = self._spoilers()                      # 3
        self._influence(pressure)                        # 4
        diversion = self._corruption(pressure)           # 5
        self._capability(funding, pressure, diversion)   # 6
        self._forces(funding)                            # 7
        self._civil_society(funding)                     # 8
        self._security(draws, funding, pressure)         # 9
        self._slow_variables(draws, funding)             # 10
        self._update_indicators(draws)                   # 11

    def run(self, months: int | None = None) -> "ReformBatch":
        """Step to the scenario's horizon (or ``months`` more months)."""
        end = self.scenario.steps if months is None else self.month + months
        while self.month < end:
            self.step()
        return self

    # --- the stages of a step ------------------------------------------------------------
    def _advance_strategy(self, month: int) -> None:
        """Per replication: start the next phase when its condition is met, else (PDIA) review."""
        strategy = self.strategy
        next_phase = self.phase_index + 1
        advancing = np.zeros(self.replications, dtype=bool)
        for phase in np.unique(next_phase[next_phase < len(strategy.phases)]):
            rows = next_phase == phase
            advancing[rows] = strategy.phases[phase].start.is_met(
                month, {name: values[rows] for name, values in self.observed.items()})
        if advancing.any():
            self.phase_index[advancing] += 1
            self.phases_started[advancing] += 1
            self.effort[advancing] = self.phase_efforts[self.phase_index[advancing]]
            self.committed_shares[advancing] = _shares(self.effort[advancing])
            self.last_review_function[advancing] = self.observed_function[advancing]
            for row in np.flatnonzero(advancing):
                self.events[row].append((month, "phase", strategy.phases[self.phase_index[row]].name))
        adaptation = strategy.adaptive
        if adaptation is not None and month % max(adaptation.review_every_months, 1) == 0:
            reviewing = ~advancing
            gain = self.observed_function[reviewing] - self.last_review_function[reviewing]
            self.effort[reviewing] = reallocate_effort(self.effort[reviewing], gain, adaptation)
            self.last_review_function[reviewing] = self.observed_function[reviewing]

    def _donors(self, draws: Draws) -> Funding:
        """Exits, sanctions (drawn with each donor's enforcement probability), disbursement."""
        state, month, p = self.state, self.month, self.params.donors
        donor = state.types["donor"]
        was_active = donor.active
        donor.values["active"] = (donor.patience > 0) & (month <= donor.horizon_month) & was_active
        exited = was_active & ~donor.active
        if exited.any():
            donor.exit_month[exited] = month
            for row, column in zip(*np.nonzero(exited)):
                self.events[row].append((month, "donor_exit", state.names[donor.index[column]]))
        perceived = self._perceived_progress()
        yearly_gain = perceived - self.perceived_history[month % 12]
        self.perceived_history[month % 12] = perceived
        breach = yearly_gain < p.expected_progress_per_year
        sanctioned = (breach & (draws.sanctions < donor.enforcement)).astype(float)
        # Donors fund a reform programme: with no effort anywhere there is nothing to pay for.
        programme = p.enabled & (row_total(self.effort) > 0)
        paid = donors.disbursement(donor.budget, donor.active & programme, donor.conditionality, sanctioned)
        efficiency = donors.fragmentation_efficiency(donor.budget, donor.coordination, donor.active, p.fragmentation_cost)
        total_paid = row_total(paid)
        self.donor_funding = total_paid * efficiency
        flexible_share = weighted_total(paid, donor.flexibility) / np.where(total_paid > 0, total_paid, 1.0)
        effort_shares = _shares(self.effort)
        # Flexible money follows this month's effort; earmarked money stays where the current
        # phase committed it (it cannot follow adaptive reallocation).
        pillar_funds = self.donor_funding * (flexible_share * effort_shares
                                             + (1 - flexible_share) * self.committed_shares)
        present = donor.active & p.enabled
        return Funding(
            pillar_funds=pillar_funds, effort_shares=effort_shares, yearly_gain=yearly_gain,
            flexible_share=flexible_share,
            peacekeeping=np.minimum(weighted_total(donor.peacekeeping, present), 1.0),
            assistance=np.minimum(weighted_total(donor.security_assistance, present), 1.0),
        )

    def _spoilers(self) -> SpoilerPressure:
        """Rents each pillar threatens, inside obstruction and capture, outside violence."""
        state, p = self.state, self.params.spoilers
        spoiler = state.types["spoiler"]
        pressure = spoilers.reform_pressure(self.effort, state.de_facto)
        threatened = spoilers.threatened_rents(state.spoiler_rents, pressure)
        strength = spoiler.strength * (1.0 if p.enabled else 0.0)
        return SpoilerPressure(
            threatened=threatened, strength=strength,
            obstruction=spoilers.obstruction(strength, spoiler.resolve, spoiler.inside, state.spoiler_rents,
                                             pressure, p.obstruction),
            violence=spoilers.spoiler_violence(strength, spoiler.resolve, spoiler.inside, threatened, p.violence),
            capture=self.matrices.patronage_from_spoilers @ (strength * spoiler.inside),
            threat=self.matrices.patronage_from_spoilers @ (strength * spoiler.resolve * threatened),
        )

    def _influence(self, pressure: SpoilerPressure) -> None:
        """Stances move by Friedkin-Johnsen toward neighbours, anchored by each actor's interests."""
        state = self.state
        anchor = self._anchors(pressure)
        if self.params.influence.enabled:
            state.stance = influence.friedkin_johnsen_step(state.stance, anchor, self.matrices.influence,
                                                           state.susceptibility)
        else:
            state.stance = anchor

    def _corruption(self, pressure: SpoilerPressure) -> np.ndarray:
        """Collective-action corruption dynamics; returns the share of funds diverted per pillar."""
        state, p = self.state, self.params.corruption
        ministries, parliament = state.types["ministry"], state.types["parliament"]
        integrity = state.pillar("integrity")
        no_drive = np.zeros((self.replications, 1))
        integrity_function = no_drive if integrity is None else state.de_facto[:, integrity:integrity + 1]
        if integrity is None:
            integrity_drive = no_drive
        else:
            # A drive is as strong as the will and the spare capability behind it.
            lead = state.pillar_lead[integrity]
            integrity_drive = (self.effort[:, integrity:integrity + 1] * state.stance[:, ministries.index[lead]][:, None]
                               * (1.0 - 0.5 * self.overload[:, lead:lead + 1]))
        detection = corruption.detection_risk(
            np.maximum(integrity_function, integrity_drive), state.type_mean("parliament", parliament.oversight_capacity),
            state.type_mean("parliament", parliament.independence),
            state.type_mean("civil_society", state.types["civil_society"].monitoring), p.base_detection)
        detection = np.minimum(detection + self._event_strength("anticorruption_push", self.month), 1.0)
        if p.enabled:
            sector = self._sector_corruption()
            prevalence = corruption.peer_prevalence(state.corruption, self.matrices.peers,
                                                    self.matrices.has_peers, sector)
            target = corruption.corruption_target(prevalence, detection, pressure.capture,
                                                  corruption.rent_opportunity(integrity_function),
                                                  self.coefficients["corruption"])
            state.corruption = np.where(state.corruptible, relax(state.corruption, target, p.adjustment_rate), 0.0)
        lead_corruption = state.corruption[:, ministries.index][:, state.pillar_lead]
        return corruption.diversion_share(lead_corruption, p.diversion_rate)

    def _capability(self, funding: Funding, pressure: SpoilerPressure, diversion: np.ndarray) -> None:
        """Capability from absorbed investment, eroded by overload; form and function per pillar."""
        state, p = self.state, self.params.capacity
        ministries, parliament = state.types["ministry"], state.types["parliament"]
        will_by_ministry = state.stance[:, ministries.index]
        ministry_corruption = state.corruption[:, ministries.index]
        domestic = p.domestic_budget * state.type_mean("ministry", will_by_ministry)
        pillar_funds = (funding.pillar_funds + domestic * funding.effort_shares) * (1.0 - diversion)
        n_ministries = len(ministries)
        # Routine budgets (a tenth of the domestic reform budget) reach every ministry.
        investment = sum_by_group(pillar_funds, state.pillar_lead, n_ministries) + 0.1 * p.domestic_budget
        if p.enabled:
            load = capacity.reform_load(self.effort, state.de_jure, state.de_facto, state.pillar_lead,
                                        n_ministries, p.shared_load)
            self.overload = capacity.overload(load, ministries.capacity, p.load_tolerance)
            absorbed = capacity.absorbed_investment(investment, ministries.absorptive_capacity)
            ministries.values["capacity"] = capacity.capability_update(
                ministries.capacity, absorbed, ministry_corruption, self.overload,
                p.growth_rate, p.decay_rate, p.overload_erosion)
            ministries.values["absorptive_capacity"] = capacity.absorptive_update(
                ministries.absorptive_capacity, ministries.capacity, p.absorptive_rate)
        lead_will = will_by_ministry[:, state.pillar_lead]
        mandates = state.type_mean("parliament", parliament.legal_mandates)
        new_de_jure = capacity.de_jure_update(state.de_jure, self.effort, lead_will, pressure.obstruction,
                                              mandates, p.de_jure_rate)
        state.de_facto = capacity.de_facto_update(
            state.de_facto, state.de_jure, self.effort, ministries.capacity[:, state.pillar_lead], lead_will,
            pressure.obstruction, diversion, self.overload[:, state.pillar_lead],
            ministry_corruption[:, state.pillar_lead], p.de_facto_rate, p.de_facto_decay, p.overload_erosion)
        state.de_jure = new_de_jure

    def _forces(self, funding: Funding) -> None:
        """Security forces follow their pillar's function, oversight, will and threatened privileges."""
        state = self.state
        forces, parliament = state.types["security_force"], state.types["parliament"]
        scrutiny = state.type_mean("parliament", parliament.oversight_capacity * parliament.independence)
        force_corruption = state.corruption[:, forces.index]
        targets = security.force_targets(
            state.de_facto[:, forces.pillar], force_corruption, self._pillar_function("oversight", 0.0),
            self._political_will(), state.violence, scrutiny, funding.assistance,
            self.effort[:, forces.pillar] * force_corruption, self.params.security.assistance_autonomy)
        for name, target in targets.items():
            forces.values[name] = relax(forces.values[name], target, self.params.security.force_adjustment_rate)

    def _civil_society(self, funding: Funding) -> None:
        """Monitoring, mobilisation and trust; parliament's oversight, independence and mandates."""
        state, p = self.state, self.params.civil_society
        if not p.enabled:
            return
        civil, parliament, forces = state.types["civil_society"], state.types["parliament"], state.types["security_force"]
        abuse = state.type_mean("security_force", forces.abuse)
        effectiveness = state.type_mean("security_force", forces.effectiveness)
        corruption_level = self._sector_corruption()
        oversight = state.pillar("oversight")
        funded = p.donor_support * funding.flexible_share
        civic_space = 0.1 if oversight is None else state.de_jure[:, oversight:oversight + 1]
        civil.values["monitoring"] = civil_society.monitoring_update(
            civil.monitoring, funded, civic_space, abuse * (1 - self._political_will()), p.growth_rate, p.repression)
        civil.values["mobilisation"] = civil_society.mobilisation_update(
            civil.mobilisation, civil.monitoring, 0.5 * (corruption_level + abuse),
            self.matrices.threat_on_civil_society, p.mobilisation_rate)
        security_delivered = (1.0 - state.violence) * (0.5 + 0.5 * effectiveness)
        civil.values["trust"] = civil_society.trust_update(civil.trust, security_delivered, abuse, corruption_level,
                                                           p.trust_rate)
        (parliament.values["oversight_capacity"], parliament.values["independence"],
         parliament.values["legal_mandates"]) = civil_society.parliament_update(
            parliament.oversight_capacity, parliament.independence, parliament.legal_mandates,
            state.corruption[:, parliament.index], self._pillar_function("oversight", 0.0),
            row_mean(state.de_jure), state.type_mean("civil_society", civil.mobilisation),
            p.parliament_rate)

    def _security(self, draws: Draws, funding: Funding, pressure: SpoilerPressure) -> None:
        """Violence, conflict relapse and coups."""
        state, p = self.state, self.params.security
        if p.enabled:
            forces, civil = state.types["security_force"], state.types["civil_society"]
            abuse = state.type_mean("security_force", forces.abuse)
            relapsed = self.relapse_month[:, None] >= 0
            at_war = relapsed & (self.month < self.relapse_month[:, None] + 12 * p.war_years)
            target = security.violence_target(
                np.where(at_war, max(p.base_violence, p.relapse_violence), p.base_violence), pressure.violence,
                state.type_mean("security_force", forces.effectiveness), funding.peacekeeping,
                0.5 * (self._sector_corruption() + abuse), state.type_mean("civil_society", civil.trust))
            moved = state.violence + p.violence_rate * (target - state.violence) + 0.02 * (draws.violence - 0.5)
            state.violence = np.clip(moved, 0.0, 1.0)
            self._relapse(draws.relapse, funding.peacekeeping, pressure.strength)
            self._coup(draws.coup, draws.coup_success)
        state.violence = np.minimum(state.violence + self._event_onset("violence_shock"), 1.0)

    def _slow_variables(self, draws: Draws, funding: Funding) -> None:
        """Spoiler strength, donor patience, elections."""
        state, params, month = self.state, self.params, self.month
        spoiler, donor, ministries = state.types["spoiler"], state.types["donor"], state.types["ministry"]
        if params.spoilers.enabled and len(spoiler):
            spoiler.values["strength"] = spoilers.strength_update(
                spoiler.strength, spoiler.cooptable, spoiler.cooptability, spoiler.inside, self._sector_corruption(),
                state.type_mean("security_force", state.types["security_force"].effectiveness),
                params.spoilers.cooptation_effort, params.spoilers.growth, params.spoilers.coercion)
        donor.values["patience"] = donors.patience_update(donor.patience, donor.active, funding.yearly_gain,
                                                          params.donors.stall_tolerance, donor.full_patience)
        interval = int(round(12 * params.political_will.election_interval_years))
        if (params.political_will.enabled and month % interval == 0) or self._event_onset("election"):
            ministries.values["leadership_will"] = will.election_shock(
                ministries.leadership_will, draws.elections, params.political_will.election_shock_sd)
            for events in self.events:
                events.append((month, "election", ""))

    def _update_indicators(self, draws: Draws | None) -> None:
        """This month's indicators (R,) and what monitoring observes of them."""
        state = self.state
        headline = headline_indicators(state)
        civil = state.types["civil_society"]
        values = {
            **headline,
            "reform_index": reform_index(headline),
            "political_will": self._political_will()[:, 0],
            "public_trust": state.type_mean("civil_society", civil.trust)[:, 0],
            "violence": state.violence[:, 0],
        }
        if self.collect_all:
            values.update(self._detail_indicators())
        self.indicators = values
        for name in self.record:
            self.history[name].append(self.indicator(name))
        pillar_noise = 0.0 if draws is None else draws.pillar_noise
        indicator_noise = np.zeros((self.replications, len(OBSERVABLE))) if draws is None else draws.indicator_noise
        self.observed_function = donors.observed_function(
            state.de_facto, state.de_jure, self.scenario.context.indicator_manipulation, pillar_noise)
        self.observed = {name: np.clip(values[name] + indicator_noise[:, k], 0.0, 1.0)
                         for k, name in enumerate(OBSERVABLE)}

    def _detail_indicators(self) -> dict[str, np.ndarray]:
        """Everything else a full record holds: money, spoilers, means, per pillar, per type."""
        state = self.state
        values = {
            "donor_funding": self.donor_funding[:, 0],
            "spoiler_strength": (row_total(state.types["spoiler"].strength)[:, 0] if self.params.spoilers.enabled
                                 else np.zeros(self.replications)),
            "mean_de_jure": row_mean(state.de_jure)[:, 0],
            "mean_de_facto": row_mean(state.de_facto)[:, 0],
            "phase": self.phase_index.astype(float),
        }
        for position, pillar in enumerate(state.pillar_names):
            values[f"de_jure_{pillar}"] = state.de_jure[:, position]
            values[f"de_facto_{pillar}"] = state.de_facto[:, position]
            values[f"effort_{pillar}"] = self.effort[:, position]
        values.update(self._type_aggregates())
        return values

    def _type_aggregates(self) -> dict[str, np.ndarray]:
        """Per-type means of every state array (influence-weighted), e.g. ``security_force_abuse``."""
        state = self.state
        out = {}
        for type_name, arrays in state.types.items():
            if not len(arrays):
                continue
            for field_name, values in arrays.values.items():
                if values.dtype == float and values.ndim == 2 and field_name != "exit_month":
                    out[f"{type_name}_{field_name}"] = state.type_mean(type_name, values)[:, 0]
            if type_name in CORRUPTIBLE:
                out[f"{type_name}_corruption"] = state.type_mean(type_name, state.corruption[:, arrays.index])[:, 0]
            out[f"{type_name}_stance"] = state.type_mean(type_name, state.stance[:, arrays.index])[:, 0]
        return out

    def indicator_names(self) -> list[str]:
        """Every indicator a full record (``collect_all``) holds, in order."""
        pillars = self.state.pillar_names
        return [*MODEL_INDICATORS, *(f"de_jure_{p}" for p in pillars), *(f"de_facto_{p}" for p in pillars),
                *(f"effort_{p}" for p in pillars), *self._type_aggregates()]

    def indicator(self, name: str) -> np.ndarray:
        """This month's value of one indicator, per replication (computed on demand if not kept)."""
        if name not in self.indicators:
            self.indicators.update(self._detail_indicators())
        return self.indicators[name]

    # --- helpers of the stages -----------------------------------------------------------
    def _political_will(self) -> np.ndarray:
        ministries = self.state.types["ministry"]
        return self.state.type_mean("ministry", self.state.stance[:, ministries.index])

    def _sector_corruption(self) -> np.ndarray:
        state = self.state
        return weighted_total(state.corruption[:, state.corruptible], state.corruptible_weights)

    def _pillar_function(self, pillar: str, missing: float) -> np.ndarray | float:
        """De facto function of a pillar, (R, 1); ``missing`` where the scenario lacks it."""
        position = self.state.pillar(pillar)
        return missing if position is None else self.state.de_facto[:, position:position + 1]

    def _anchors(self, pressure: SpoilerPressure) -> np.ndarray:
        """Each actor's own interest (Friedkin-Johnsen anchor): pressures for ministries,
        professional integrity for forces and parliament, rents for spoilers."""
        state, p = self.state, self.params.political_will
        ministries, forces, parliament = state.types["ministry"], state.types["security_force"], state.types["parliament"]
        civil, donor, spoiler = state.types["civil_society"], state.types["donor"], state.types["spoiler"]
        anchor = state.stance.copy()
        if p.enabled:
            lead_effort = sum_by_group(self.effort, state.pillar_lead, len(ministries))
            # Conditionality needs a programme to condition: none under the status quo.
            paying = donor.active & self.params.donors.enabled & (row_total(self.effort) > 0)
            anchor[:, ministries.index] = will.will_anchor(
                ministries.leadership_will,
                donors.donor_pressure(self.matrices.funding_of_ministries, donor.conditionality, donor.enforcement,
                                      paying),
                state.type_mean("civil_society", civil.mobilisation),
                state.type_mean("parliament", parliament.oversight_capacity * parliament.independence),
                np.minimum(pressure.threat[:, ministries.index], 1.0),
                will.rents_lost(state.corruption[:, ministries.index], lead_effort),
                self.coefficients["political_will"])
        else:
            anchor[:, ministries.index] = ministries.leadership_will
        anchor[:, forces.index] = 0.2 + 0.6 * forces.professionalism * (1.0 - state.corruption[:, forces.index])
        anchor[:, parliament.index] = 0.3 + 0.6 * parliament.independence * (1.0 - state.corruption[:, parliament.index])
        cooptation = self.params.spoilers.cooptation_effort * spoiler.cooptable * spoiler.cooptability
        anchor[:, spoiler.index] = np.clip(0.5 * (1.0 - pressure.threatened) * (1.0 - pressure.strength) + cooptation,
                                           0, 1)
        return anchor

    def _perceived_progress(self) -> np.ndarray:
        donor = self.state.types["donor"]
        return donors.perceived_progress(donor.visibility_preference, row_mean(self.state.de_jure),
                                         row_mean(self.observed_function))

    def _relapse(self, draw: np.ndarray, peacekeeping: np.ndarray, strength: np.ndarray) -> None:
        """Conflict relapse in post-conflict scenarios: violence jumps, will and function fall."""
        if not self.scenario.context.post_conflict:
            return
        state, p = self.state, self.params.security
        spoiler = state.types["spoiler"]
        outside_strength = weighted_total(strength, ~spoiler.inside * spoiler.resolve)
        hazard = security.relapse_hazard(p.relapse_hazard, state.violence, np.minimum(outside_strength, 1.0),
                                         peacekeeping, self._pillar_function("ddr", 0.0),
                                         self.month / 12.0, p.peace_memory_years)
        relapsing = (self.relapse_month < 0) & (draw < hazard)[:, 0]
        if not relapsing.any():
            return
        self.relapse_month[relapsing] = self.month
        state.violence[relapsing] = np.maximum(state.violence[relapsing], p.relapse_violence)
        state.de_facto[relapsing] *= 0.7
        ministries = state.types["ministry"]
        ministries.leadership_will[relapsing] = np.clip(
            ministries.leadership_will[relapsing] - self.params.political_will.relapse_shock, 0, 1)
        for row in np.flatnonzero(relapsing):
            self.events[row].append((self.month, "relapse", ""))

    def _coup(self, draw: np.ndarray, success_draw: np.ndarray) -> None:
        """Coup attempts by coup-capable forces; success resets will and oversight (Svolik 2012)."""
        state, p = self.state, self.params.security
        forces, parliament = state.types["security_force"], state.types["parliament"]
        army = forces.coup_capable
        if not army.any():
            return
        weight = state.influence[forces.index][army]
        autonomy = weighted_mean(forces.political_autonomy[:, army], weight)
        loyalty = weighted_mean(forces.loyalty[:, army], weight)
        privileges = self.effort[:, forces.pillar] * state.corruption[:, forces.index]
        hazard = security.coup_hazard(p.coup_hazard, autonomy, loyalty, weighted_mean(privileges[:, army], weight),
                                      self.coup_successes[:, None], p.coup_trap)
        attempting = (draw < hazard)[:, 0]
        if not attempting.any():
            return
        self.coup_attempts[attempting] += 1
        ministries = state.types["ministry"]
        success = security.coup_success_probability(
            autonomy, state.type_mean("civil_society", state.types["civil_society"].mobilisation),
            state.type_mean("parliament", parliament.independence))
        succeeding = attempting & (success_draw < success)[:, 0]
        failing = attempting & ~succeeding
        if succeeding.any():
            self.coup_successes[succeeding] += 1
            ministries.leadership_will[succeeding] = np.minimum(ministries.leadership_will[succeeding], 0.2)
            parliament.independence[succeeding] *= 0.5
            forces.political_autonomy[succeeding] = np.clip(forces.political_autonomy[succeeding] + 0.2 * army, 0, 1)
            oversight = state.pillar("oversight")
            if oversight is not None:
                state.de_jure[succeeding, oversight] *= 0.5
            donor = state.types["donor"]
            donor.patience[succeeding] = np.where(donor.active[succeeding], donor.patience[succeeding] - 24.0,
                                                  donor.patience[succeeding])
        if failing.any():
            ministries.leadership_will[failing] = np.clip(ministries.leadership_will[failing] - 0.05, 0, 1)
        for row in np.flatnonzero(attempting):
            self.events[row].append((self.month, "coup", "success" if succeeding[row] else "failed"))

    def _event_strength(self, kind: str, month: int) -> float:
        """Total strength of the events of this kind in force this month (month m covers the
        time from m - 1 to m, so an event from year 0 lasting a year acts in months 1-12)."""
        return sum(e.strength for e in self.scenario.events
                   if e.kind == kind and 12 * e.start_year <= month - 1 < 12 * (e.start_year + e.duration_years))

    def _event_onset(self, kind: str) -> float:
        """Total strength of the events of this kind starting this month."""
        return sum(e.strength for e in self.scenario.events
                   if e.kind == kind and self.month == round(12 * e.start_year) + 1)

    # --- results -------------------------------------------------------------------------
    def series(self, name: str) -> np.ndarray:
        """A recorded indicator's monthly values, (months + 1, R), month 0 first."""
        return np.array(self.history[name])

    def summaries(self) -> list[dict[str, Any]]:
        """Run-level outcomes of every replication (see :func:`sim.outcomes.summarise`)."""
        donor = self.state.types["donor"]
        finals = {name: self.indicator(name) for name in self.indicator_names()}
        recorded = {name: self.series(name) for name in SUMMARY_SERIES}
        outcomes = self.scenario.outcomes
        sustain = int(round(12 * outcomes.success_sustain_years))
        results = []
        for row in range(self.replications):
            # Donors still paying at the horizon have not left (inf); a scenario without donors
            # has nothing to leave (NaN).
            exits = donor.exit_month[row][np.isfinite(donor.exit_month[row])]
            last_exit = math.inf if donor.active[row].any() else (float(exits.max()) if len(exits) else math.nan)
            relapse = int(self.relapse_month[row])
            events = {
                "conflict_relapse": relapse >= 0,
                "relapse_year": math.nan if relapse < 0 else relapse / 12.0,
                "coup_attempts": int(self.coup_attempts[row]),
                "coup_successes": int(self.coup_successes[row]),
                "phases_started": int(self.phases_started[row]),
                "months": self.month,
            }
            results.append(summarise({name: values[:, row] for name, values in recorded.items()},
                                     {name: float(values[row]) for name, values in finals.items()},
                                     outcomes.threshold, sustain, last_exit, events))
        return results


def _shares(effort: np.ndarray) -> np.ndarray:
    """Each pillar's share of the total effort (per replication)."""
    return effort / np.maximum(row_total(effort), 1e-9)


#: Actors in one batch at most (replications x actors per run): about 20 MB of state and networks.
MAX_BATCH_ACTORS = 20_000


class SeedRuns(NamedTuple):
    """The runs of one scenario, one per seed (in the order of the seeds)."""

    seeds: tuple[int, ...]
    summaries: list[dict[str, Any]]     # run-level outcomes (:func:`sim.outcomes.summarise`)
    series: dict[str, np.ndarray]       # each recorded indicator, (months + 1, runs), month 0 first
    events: list[list[tuple[int, str, str]]]


def run_seeds(scenario: Scenario, seeds: Iterable[int], *, record: Iterable[str] = (),
              months: int | None = None, max_batch_actors: int = MAX_BATCH_ACTORS) -> SeedRuns:
    """Run ``scenario`` once per seed on the batch engine: the one way to run many seeds.

    Each run's numbers are those of ``ReformModel(scenario, rng=seed)`` (tested). Seeds are
    stepped together in batches of at most ``max_batch_actors`` actors (replications x actors
    per run), which bounds memory; ``record`` names indicators whose monthly series to keep
    beyond the summary's (:data:`SUMMARY_SERIES`); ``months`` stops early (default: the horizon).
    """
    seeds = tuple(int(seed) for seed in seeds)
    size = max(1, max_batch_actors // max(scenario.actor_count(), 1))
    names = tuple(dict.fromkeys((*SUMMARY_SERIES, *record)))
    summaries: list[dict[str, Any]] = []
    events: list[list[tuple[int, str, str]]] = []
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for start in range(0, len(seeds), size):
        batch = ReformBatch(scenario, [np.random.default_rng(seed) for seed in seeds[start:start + size]],
                            record=names).run(months)
        summaries.extend(batch.summaries())
        events.extend(batch.events)
        for name in names:
            parts[name].append(batch.series(name))
    series = {name: np.concatenate(chunks, axis=1) if chunks else np.zeros((0, 0)) for name, chunks in parts.items()}
    return SeedRuns(seeds, summaries, series, events)
