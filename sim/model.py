"""ReformModel: wires scenario -> state -> mechanisms, in a documented order, one month a step.

The step is array operations over the whole actor population; the Mesa agents
(:mod:`sim.agents`) are read-only views for inspection and the app. ``model.rng`` is the only
source of randomness, and every step draws the same numbers whatever happens (so two
strategies run with one seed share their shocks: common random numbers).

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
11. indicators, and the noisy, manipulated indicators that monitoring observes; data collection
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, NamedTuple, get_args

import mesa
import numpy as np

from .agents import AGENT_CLASSES
from .fields import HEADLINE_INDICATORS, IndicatorName
from .mechanisms import capacity, civil_society, corruption, donors, influence, security, spoilers, will
from .mechanisms.common import relax, weighted_mean
from .network import build_graph, build_matrices
from .provenance import provenance
from .outcomes import headline_indicators, reform_index, summarise
from .scenario import Scenario, load_scenario
from .state import CORRUPTIBLE, build_state
from .strategy import Strategy, load_strategy_source, reallocate_effort

OBSERVABLE = get_args(IndicatorName)


class Draws(NamedTuple):
    """The random numbers of one step (always the same amount, in the same order)."""

    pillar_noise: np.ndarray     # M&E noise on each pillar's observed function
    indicator_noise: np.ndarray  # M&E noise on each observable indicator
    elections: np.ndarray        # shocks to each ministry leadership's will, used in election months
    sanctions: np.ndarray        # per donor: a breach is sanctioned when below its enforcement
    relapse: float
    coup: float
    coup_success: float
    violence: float


class Funding(NamedTuple):
    """This month's aid, as the later stages of the step need it."""

    pillar_funds: np.ndarray
    effort_shares: np.ndarray
    yearly_gain: np.ndarray      # each donor's perceived progress over the past year
    flexible_share: float
    peacekeeping: float
    assistance: float


class SpoilerPressure(NamedTuple):
    threatened: np.ndarray       # rents each spoiler stands to lose
    strength: np.ndarray         # effective strength (zero when the mechanism is off)
    obstruction: np.ndarray      # per pillar
    violence: float              # push on violence from outside spoilers
    capture: np.ndarray          # per actor, through patronage ties
    threat: np.ndarray           # per actor, through patronage ties


MODEL_INDICATORS = (*HEADLINE_INDICATORS, "reform_index", "political_will", "public_trust", "violence",
                    "donor_funding", "spoiler_strength", "mean_de_jure", "mean_de_facto", "phase")


class ReformModel(mesa.Model):
    """Security-sector reform on an influence network of six kinds of actor.

    Args:
        scenario: a validated :class:`Scenario`, or a path / shipped name to load.
        strategy: optional strategy (object, shipped name or path) replacing the scenario's.
        rng: seed or ``numpy.random.Generator``; the model's only source of randomness.
        collect_all: record every series each month (default). False keeps only the series
            the run summary needs (the five headline indicators and the reform index), which
            sweeps use; the summary is identical either way.
    """

    def __init__(self, scenario: Scenario | str | Path = "baseline", *, strategy: Strategy | str | None = None,
                 rng: Any = None, collect_all: bool = True) -> None:
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if strategy is not None:
            loaded = load_strategy_source(strategy, Path.cwd(), "--strategy") if isinstance(strategy, str) else strategy
            scenario = scenario.model_validate({**dict(scenario), "strategy": loaded})
        # Not ``self.scenario``: Mesa 3.5 reserves that name for its own Scenario objects.
        self.reform_scenario = scenario
        self.collect_all = collect_all
        self.strategy = scenario.strategy
        self.seed = rng if isinstance(rng, (int, np.integer)) else None
        self.params = scenario.mechanisms
        self.coefficients = {name: getattr(self.params, name).model_dump() for name in ("corruption", "political_will")}
        self.state = build_state(scenario, self.rng)
        self.graph = build_graph(scenario, self.state, self.rng)
        self.matrices = build_matrices(self.graph, self.state, scenario.network.self_weight)

        self.month = 0
        self.phase_index = 0
        self.phase_start_months = [0]
        self.effort = self.strategy.effort_vector(0, self.state.pillar_names)
        self.committed_shares = self.effort / max(self.effort.sum(), 1e-9)
        self.last_review_function = self.state.de_facto.copy()
        donor_count = len(self.state.types["donor"])
        self.perceived_history = np.zeros((12, donor_count))
        if not self.params.donors.enabled:  # no donors at all: none to exit, none present
            self.state.types["donor"].values["active"][:] = False
        self.donor_funding = 0.0
        self.overload = np.zeros(len(self.state.types["ministry"]))  # last step's, read by the integrity drive
        self.coup_attempts = 0
        self.coup_successes = 0
        self.relapse_month: int | None = None
        self.events: list[tuple[int, str, str]] = []
        self.observed: dict[str, float] = {}
        self.indicators: dict[str, float] = {}

        for index in range(len(self.state.names)):
            AGENT_CLASSES[self.state.actor_type[index]](self, index)
        self._update_indicators(Draws(np.zeros(len(self.state.pillar_names)), np.zeros(len(OBSERVABLE)),
                                      np.zeros(0), np.zeros(0), 0.0, 0.0, 0.0, 0.5))
        self.perceived_history[:] = self._perceived_progress()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)

    # --- data --------------------------------------------------------------------------
    def _reporters(self) -> dict[str, Any]:
        if not self.collect_all:
            return {name: (lambda model, key=name: model.indicators[key])
                    for name in (*HEADLINE_INDICATORS, "reform_index")}
        names = list(MODEL_INDICATORS)
        names += [f"de_jure_{p}" for p in self.state.pillar_names] + [f"de_facto_{p}" for p in self.state.pillar_names]
        names += [f"effort_{p}" for p in self.state.pillar_names]
        names += list(self._type_aggregates())
        return {name: (lambda model, key=name: model.indicators[key]) for name in names}

    def _type_aggregates(self) -> dict[str, float]:
        """Per-type means of every state array (influence-weighted), e.g. ``security_force_abuse``."""
        state = self.state
        out = {}
        for type_name, arrays in state.types.items():
            if not len(arrays):
                continue
            for field_name, values in arrays.values.items():
                if values.dtype == float and field_name != "exit_month":
                    out[f"{type_name}_{field_name}"] = state.type_mean(type_name, values)
            if type_name in CORRUPTIBLE:
                out[f"{type_name}_corruption"] = state.type_mean(type_name, state.corruption[arrays.index])
            out[f"{type_name}_stance"] = state.type_mean(type_name, state.stance[arrays.index])
        return out

    def _update_indicators(self, draws: Draws) -> None:
        state = self.state
        headline = headline_indicators(state)
        ministries = state.types["ministry"]
        civil = state.types["civil_society"]
        values = {
            **headline,
            "reform_index": reform_index(headline),
            "political_will": state.type_mean("ministry", state.stance[ministries.index]),
            "public_trust": state.type_mean("civil_society", civil.trust),
            "violence": state.violence,
            "donor_funding": self.donor_funding,
            "spoiler_strength": float(state.types["spoiler"].strength.sum()) if self.params.spoilers.enabled else 0.0,
            "mean_de_jure": float(state.de_jure.mean()),
            "mean_de_facto": float(state.de_facto.mean()),
            "phase": float(self.phase_index),
        }
        for position, pillar in enumerate(state.pillar_names):
            values[f"de_jure_{pillar}"] = float(state.de_jure[position])
            values[f"de_facto_{pillar}"] = float(state.de_facto[position])
            values[f"effort_{pillar}"] = float(self.effort[position])
        if self.collect_all:
            values.update(self._type_aggregates())
        self.indicators = values
        self.observed_function = donors.observed_function(
            state.de_facto, state.de_jure, self.reform_scenario.context.indicator_manipulation, draws.pillar_noise)
        self.observed = {k: min(max(values[k] + noise, 0.0), 1.0) for k, noise in zip(OBSERVABLE, draws.indicator_noise)}

    # --- the step ----------------------------------------------------------------------
    def _draw(self) -> Draws:
        """Every random number a step needs, drawn up front in a fixed order and amount."""
        rng, state = self.rng, self.state
        noise = self.reform_scenario.context.monitoring_noise
        relapse, coup, coup_success, violence = rng.random(4)
        return Draws(
            pillar_noise=noise * rng.standard_normal(len(state.pillar_names)),
            indicator_noise=noise * rng.standard_normal(len(OBSERVABLE)),
            elections=rng.standard_normal(len(state.types["ministry"])),
            sanctions=rng.random(len(state.types["donor"])),
            relapse=float(relapse), coup=float(coup), coup_success=float(coup_success), violence=float(violence),
        )

    def step(self) -> None:
        draws = self._draw()
        self.month += 1
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
        self.datacollector.collect(self)
        if self.month >= self.reform_scenario.steps:
            self.running = False

    # --- the stages of a step ----------------------------------------------------------
    def _donors(self, draws: Draws) -> Funding:
        """Exits, sanctions (drawn with each donor's enforcement probability), disbursement."""
        state, month, p = self.state, self.month, self.params.donors
        donor = state.types["donor"]
        was_active = donor.active.copy()
        donor.values["active"] = (donor.patience > 0) & (month <= donor.horizon_month) & donor.active
        for row in np.flatnonzero(was_active & ~donor.active):
            donor.exit_month[row] = month
            self.events.append((month, "donor_exit", state.names[donor.index[row]]))
        perceived = self._perceived_progress()
        yearly_gain = perceived - self.perceived_history[month % 12]
        self.perceived_history[month % 12] = perceived
        breach = yearly_gain < p.expected_progress_per_year
        sanctioned = (breach & (draws.sanctions < donor.enforcement)).astype(float)
        # Donors fund a reform programme: with no effort anywhere there is nothing to pay for.
        programme = p.enabled and self.effort.sum() > 0
        paid = donors.disbursement(donor.budget, donor.active & programme, donor.conditionality, sanctioned)
        efficiency = donors.fragmentation_efficiency(donor.budget, donor.coordination, donor.active, p.fragmentation_cost)
        self.donor_funding = float(paid.sum() * efficiency)
        flexible_share = float(paid @ donor.flexibility / paid.sum()) if paid.sum() > 0 else 0.0
        effort_shares = self.effort / max(self.effort.sum(), 1e-9)
        # Flexible money follows this month's effort; earmarked money stays where the current
        # phase committed it (it cannot follow adaptive reallocation).
        pillar_funds = self.donor_funding * (flexible_share * effort_shares
                                             + (1 - flexible_share) * self.committed_shares)
        present = donor.active & p.enabled
        return Funding(
            pillar_funds=pillar_funds, effort_shares=effort_shares, yearly_gain=yearly_gain,
            flexible_share=flexible_share,
            peacekeeping=float(min(donor.peacekeeping @ present, 1.0)),
            assistance=float(min(donor.security_assistance @ present, 1.0)),
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
        integrity_function = float(state.de_facto[integrity]) if integrity is not None else 0.0
        if integrity is None:
            integrity_drive = 0.0
        else:
            # A drive is as strong as the will and the spare capability behind it.
            lead = state.pillar_lead[integrity]
            integrity_drive = float(self.effort[integrity] * state.stance[ministries.index[lead]]
                                    * (1.0 - 0.5 * self.overload[lead]))
        detection = corruption.detection_risk(
            max(integrity_function, integrity_drive), state.type_mean("parliament", parliament.oversight_capacity),
            state.type_mean("parliament", parliament.independence),
            state.type_mean("civil_society", state.types["civil_society"].monitoring), p.base_detection)
        detection = min(detection + self._event_strength("anticorruption_push", self.month), 1.0)
        if p.enabled:
            sector = float(state.corruption[state.corruptible] @ state.corruptible_weights)
            prevalence = corruption.peer_prevalence(state.corruption, self.matrices.peers,
                                                    self.matrices.has_peers, sector)
            target = corruption.corruption_target(prevalence, detection, pressure.capture,
                                                  corruption.rent_opportunity(integrity_function),
                                                  self.coefficients["corruption"])
            state.corruption = np.where(state.corruptible, relax(state.corruption, target, p.adjustment_rate), 0.0)
        lead_corruption = state.corruption[ministries.index][state.pillar_lead]
        return corruption.diversion_share(lead_corruption, p.diversion_rate)

    def _capability(self, funding: Funding, pressure: SpoilerPressure, diversion: np.ndarray) -> None:
        """Capability from absorbed investment, eroded by overload; form and function per pillar."""
        state, p = self.state, self.params.capacity
        ministries, parliament = state.types["ministry"], state.types["parliament"]
        will_by_ministry = state.stance[ministries.index]
        ministry_corruption = state.corruption[ministries.index]
        domestic = p.domestic_budget * state.type_mean("ministry", will_by_ministry)
        pillar_funds = (funding.pillar_funds + domestic * funding.effort_shares) * (1.0 - diversion)
        n_ministries = len(ministries)
        # Routine budgets (a tenth of the domestic reform budget) reach every ministry.
        investment = np.bincount(state.pillar_lead, weights=pillar_funds, minlength=n_ministries)
        investment += 0.1 * p.domestic_budget
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
        lead_will = will_by_ministry[state.pillar_lead]
        mandates = state.type_mean("parliament", parliament.legal_mandates)
        new_de_jure = capacity.de_jure_update(state.de_jure, self.effort, lead_will, pressure.obstruction,
                                              mandates, p.de_jure_rate)
        state.de_facto = capacity.de_facto_update(
            state.de_facto, state.de_jure, self.effort, ministries.capacity[state.pillar_lead], lead_will,
            pressure.obstruction, diversion, self.overload[state.pillar_lead],
            ministry_corruption[state.pillar_lead], p.de_facto_rate, p.de_facto_decay, p.overload_erosion)
        state.de_jure = new_de_jure

    def _forces(self, funding: Funding) -> None:
        """Security forces follow their pillar's function, oversight, will and threatened privileges."""
        state = self.state
        forces, parliament = state.types["security_force"], state.types["parliament"]
        oversight = state.pillar("oversight")
        scrutiny = state.type_mean("parliament", parliament.oversight_capacity * parliament.independence)
        force_corruption = state.corruption[forces.index]
        targets = security.force_targets(
            state.de_facto[forces.pillar], force_corruption,
            float(state.de_facto[oversight]) if oversight is not None else 0.0,
            self._political_will(), state.violence, scrutiny, funding.assistance,
            self.effort[forces.pillar] * force_corruption, self.params.security.assistance_autonomy)
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
        civic_space = float(state.de_jure[oversight]) if oversight is not None else 0.1
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
            state.corruption[parliament.index], float(state.de_facto[oversight]) if oversight is not None else 0.0,
            float(state.de_jure.mean()), state.type_mean("civil_society", civil.mobilisation), p.parliament_rate)

    def _security(self, draws: Draws, funding: Funding, pressure: SpoilerPressure) -> None:
        """Violence, conflict relapse and coups."""
        state, p = self.state, self.params.security
        if p.enabled:
            forces, civil = state.types["security_force"], state.types["civil_society"]
            abuse = state.type_mean("security_force", forces.abuse)
            at_war = self.relapse_month is not None and self.month < self.relapse_month + 12 * p.war_years
            target = security.violence_target(
                max(p.base_violence, p.relapse_violence if at_war else 0.0), pressure.violence,
                state.type_mean("security_force", forces.effectiveness), funding.peacekeeping,
                0.5 * (self._sector_corruption() + abuse), state.type_mean("civil_society", civil.trust))
            moved = state.violence + p.violence_rate * (target - state.violence) + 0.02 * (draws.violence - 0.5)
            state.violence = min(max(moved, 0.0), 1.0)
            self._relapse(draws.relapse, funding.peacekeeping, pressure.strength)
            self._coup(draws.coup, draws.coup_success)
        state.violence = min(state.violence + self._event_onset("violence_shock"), 1.0)

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
            self.events.append((month, "election", ""))

    # --- helpers of the stages ---------------------------------------------------------
    def _political_will(self) -> float:
        ministries = self.state.types["ministry"]
        return self.state.type_mean("ministry", self.state.stance[ministries.index])

    def _sector_corruption(self) -> float:
        return float(self.state.corruption[self.state.corruptible] @ self.state.corruptible_weights)

    def _anchors(self, pressure: SpoilerPressure) -> np.ndarray:
        """Each actor's own interest (Friedkin-Johnsen anchor): pressures for ministries,
        professional integrity for forces and parliament, rents for spoilers."""
        state, p = self.state, self.params.political_will
        ministries, forces, parliament = state.types["ministry"], state.types["security_force"], state.types["parliament"]
        civil, donor, spoiler = state.types["civil_society"], state.types["donor"], state.types["spoiler"]
        anchor = state.stance.copy()
        if p.enabled:
            lead_effort = np.bincount(state.pillar_lead, weights=self.effort, minlength=len(ministries))
            # Conditionality needs a programme to condition: none under the status quo.
            paying = donor.active & self.params.donors.enabled & (self.effort.sum() > 0)
            anchor[ministries.index] = will.will_anchor(
                ministries.leadership_will,
                donors.donor_pressure(self.matrices.funding_of_ministries, donor.conditionality, donor.enforcement,
                                      paying),
                state.type_mean("civil_society", civil.mobilisation),
                state.type_mean("parliament", parliament.oversight_capacity * parliament.independence),
                np.minimum(pressure.threat[ministries.index], 1.0),
                will.rents_lost(state.corruption[ministries.index], lead_effort),
                self.coefficients["political_will"])
        else:
            anchor[ministries.index] = ministries.leadership_will
        anchor[forces.index] = 0.2 + 0.6 * forces.professionalism * (1.0 - state.corruption[forces.index])
        anchor[parliament.index] = 0.3 + 0.6 * parliament.independence * (1.0 - state.corruption[parliament.index])
        cooptation = self.params.spoilers.cooptation_effort * spoiler.cooptable * spoiler.cooptability
        anchor[spoiler.index] = np.clip(0.5 * (1.0 - pressure.threatened) * (1.0 - pressure.strength) + cooptation,
                                        0, 1)
        return anchor

    def _perceived_progress(self) -> np.ndarray:
        donor = self.state.types["donor"]
        return donors.perceived_progress(donor.visibility_preference, float(self.state.de_jure.mean()),
                                         float(self.observed_function.mean()))

    def _advance_strategy(self, month: int) -> None:
        strategy = self.strategy
        next_phase = self.phase_index + 1
        if next_phase < len(strategy.phases) and strategy.phases[next_phase].start.is_met(month, self.observed):
            self.phase_index = next_phase
            self.phase_start_months.append(month)
            self.effort = strategy.effort_vector(next_phase, self.state.pillar_names)
            self.committed_shares = self.effort / max(self.effort.sum(), 1e-9)
            self.last_review_function = self.observed_function.copy()
            self.events.append((month, "phase", strategy.phases[next_phase].name))
            return
        adaptation = strategy.adaptive
        if adaptation is not None and month % max(adaptation.review_every_months, 1) == 0:
            gain = self.observed_function - self.last_review_function
            self.effort = reallocate_effort(self.effort, gain, adaptation)
            self.last_review_function = self.observed_function.copy()

    def _relapse(self, draw: float, peacekeeping: float, strength: np.ndarray) -> None:
        """Conflict relapse in post-conflict scenarios: violence jumps, will and function fall."""
        if not self.reform_scenario.context.post_conflict or self.relapse_month is not None:
            return
        state, p = self.state, self.params.security
        spoiler = state.types["spoiler"]
        outside_strength = float(np.sum(strength * ~spoiler.inside * spoiler.resolve))
        ddr = state.pillar("ddr")
        hazard = security.relapse_hazard(p.relapse_hazard, state.violence, min(outside_strength, 1.0),
                                         peacekeeping, float(state.de_facto[ddr]) if ddr is not None else 0.0,
                                         self.month / 12.0, p.peace_memory_years)
        if draw < hazard:
            self.relapse_month = self.month
            state.violence = max(state.violence, p.relapse_violence)
            state.de_facto *= 0.7
            ministries = state.types["ministry"]
            ministries.values["leadership_will"] = np.clip(
                ministries.leadership_will - self.params.political_will.relapse_shock, 0, 1)
            self.events.append((self.month, "relapse", ""))

    def _coup(self, draw: float, success_draw: float) -> None:
        """Coup attempts by coup-capable forces; success resets will and oversight (Svolik 2012)."""
        state, p = self.state, self.params.security
        forces, parliament = state.types["security_force"], state.types["parliament"]
        army = forces.coup_capable
        if not army.any():
            return
        weight = state.influence[forces.index][army]
        autonomy = weighted_mean(forces.political_autonomy[army], weight)
        loyalty = weighted_mean(forces.loyalty[army], weight)
        privileges = self.effort[forces.pillar] * state.corruption[forces.index]
        hazard = security.coup_hazard(p.coup_hazard, autonomy, loyalty, weighted_mean(privileges[army], weight),
                                      self.coup_successes, p.coup_trap)
        if draw >= hazard:
            return
        self.coup_attempts += 1
        ministries = state.types["ministry"]
        success = security.coup_success_probability(
            autonomy, state.type_mean("civil_society", state.types["civil_society"].mobilisation),
            state.type_mean("parliament", parliament.independence))
        if success_draw < success:
            self.coup_successes += 1
            ministries.values["leadership_will"] = np.minimum(ministries.leadership_will, 0.2)
            parliament.values["independence"] = parliament.independence * 0.5
            forces.values["political_autonomy"] = np.clip(forces.political_autonomy + 0.2 * army, 0, 1)
            oversight = state.pillar("oversight")
            if oversight is not None:
                state.de_jure[oversight] *= 0.5
            donor = state.types["donor"]
            donor.values["patience"] = np.where(donor.active, donor.patience - 24.0, donor.patience)
            self.events.append((self.month, "coup", "success"))
        else:
            ministries.values["leadership_will"] = np.clip(ministries.leadership_will - 0.05, 0, 1)
            self.events.append((self.month, "coup", "failed"))

    def _event_strength(self, kind: str, month: int) -> float:
        """Total strength of the events of this kind in force this month (month m covers the
        time from m - 1 to m, so an event from year 0 lasting a year acts in months 1-12)."""
        return sum(e.strength for e in self.reform_scenario.events
                   if e.kind == kind and 12 * e.start_year <= month - 1 < 12 * (e.start_year + e.duration_years))

    def _event_onset(self, kind: str) -> float:
        """Total strength of the events of this kind starting this month."""
        return sum(e.strength for e in self.reform_scenario.events
                   if e.kind == kind and self.month == round(12 * e.start_year) + 1)

    # --- running and results -----------------------------------------------------------
    def run(self, steps: int | None = None) -> "ReformModel":
        """Step to the horizon (or ``steps`` more months)."""
        end = self.reform_scenario.steps if steps is None else self.month + steps
        while self.month < end and (steps is not None or self.running):
            self.step()
        return self

    def provenance(self) -> dict[str, Any]:
        """What reproduces this run: seed, scenario and strategy identity, versions, git commit."""
        return provenance(seed=self.seed, scenario=self.reform_scenario.name, strategy=self.strategy.name,
                          scenario_sha256=self.reform_scenario.content_hash())

    def summary(self) -> dict[str, Any]:
        """Run-level outcomes (see :func:`sim.outcomes.summarise`)."""
        donor = self.state.types["donor"]
        present = bool(donor.active.any())
        # Donors still paying at the horizon have not left (inf); a scenario without donors has
        # nothing to leave (NaN).
        exits = donor.exit_month[np.isfinite(donor.exit_month)]
        last_exit = math.inf if present else (float(exits.max()) if len(exits) else math.nan)
        finals = self.indicators if self.collect_all else {**self.indicators, **self._type_aggregates()}
        events = {
            "conflict_relapse": self.relapse_month is not None,
            "relapse_year": math.nan if self.relapse_month is None else self.relapse_month / 12.0,
            "coup_attempts": self.coup_attempts,
            "coup_successes": self.coup_successes,
            "phases_started": len(self.phase_start_months),
            "months": self.month,
        }
        return summarise(self.datacollector.model_vars, finals, self.reform_scenario.outcomes.threshold,
                         int(round(12 * self.reform_scenario.outcomes.success_sustain_years)), last_exit, events)
