"""ReformModel: wires scenario -> state -> mechanisms, in a documented order, one month a step.

The step is array operations over the whole actor population; the Mesa agents
(:mod:`sim.agents`) are read-only views for inspection and the app. ``model.rng`` is the only
source of randomness, and every step draws the same numbers whatever happens (so two
strategies run with one seed share their shocks: common random numbers).

Order of a step (docs/ODD.md, "Process overview and scheduling"):
 1. monitoring: noisy, manipulated indicators; strategy phase and adaptive effort
 2. donors: exits, sanctions, disbursement, fragmentation
 3. spoilers: threatened rents, obstruction, capture, violence pressure
 4. influence and political will (Friedkin-Johnsen with pressure-driven anchors)
 5. corruption (collective action) and diversion
 6. capability, de jure form, de facto function
 7. security forces
 8. civil society and parliament
 9. violence, conflict relapse, coups
10. spoiler strength, donor patience, elections and scheduled events
11. indicators, data collection
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, get_args

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
MODEL_INDICATORS = (*HEADLINE_INDICATORS, "reform_index", "political_will", "public_trust", "violence",
                    "donor_funding", "spoiler_strength", "mean_de_jure", "mean_de_facto", "phase")


class ReformModel(mesa.Model):
    """Security-sector reform on an influence network of six kinds of actor.

    Args:
        scenario: a validated :class:`Scenario`, or a path / shipped name to load.
        strategy: optional strategy (object, shipped name or path) replacing the scenario's.
        rng: seed or ``numpy.random.Generator``; the model's only source of randomness.
    """

    def __init__(self, scenario: Scenario | str | Path = "baseline", *, strategy: Strategy | str | None = None,
                 rng: Any = None) -> None:
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if strategy is not None:
            loaded = load_strategy_source(strategy, Path.cwd(), "--strategy") if isinstance(strategy, str) else strategy
            scenario = scenario.model_validate({**dict(scenario), "strategy": loaded})
        # Not ``self.scenario``: Mesa 3.5 reserves that name for its own Scenario objects.
        self.reform_scenario = scenario
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
        self._update_indicators(observation_noise=np.zeros(len(self.state.pillar_names)))
        self.perceived_history[:] = self._perceived_progress()
        self.datacollector = mesa.DataCollector(model_reporters=self._reporters())
        self.datacollector.collect(self)

    # --- data --------------------------------------------------------------------------
    def _reporters(self) -> dict[str, Any]:
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

    def _update_indicators(self, observation_noise: np.ndarray) -> None:
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
            "spoiler_strength": float(state.types["spoiler"].strength.sum()) if len(state.types["spoiler"]) else 0.0,
            "mean_de_jure": float(state.de_jure.mean()),
            "mean_de_facto": float(state.de_facto.mean()),
            "phase": float(self.phase_index),
        }
        for position, pillar in enumerate(state.pillar_names):
            values[f"de_jure_{pillar}"] = float(state.de_jure[position])
            values[f"de_facto_{pillar}"] = float(state.de_facto[position])
            values[f"effort_{pillar}"] = float(self.effort[position])
        values.update(self._type_aggregates())
        self.indicators = values
        self.observed_function = donors.observed_function(
            state.de_facto, state.de_jure, self.reform_scenario.context.indicator_manipulation, observation_noise)
        noise = float(observation_noise.mean()) if observation_noise.size else 0.0
        self.observed = {k: min(max(values[k] + noise, 0.0), 1.0) for k in OBSERVABLE}

    # --- the step ----------------------------------------------------------------------
    def step(self) -> None:
        state, params, rng = self.state, self.params, self.rng
        context = self.reform_scenario.context
        n_pillars, n_ministries = len(state.pillar_names), len(state.types["ministry"])
        ministries, forces = state.types["ministry"], state.types["security_force"]
        parliament, civil = state.types["parliament"], state.types["civil_society"]
        donor, spoiler = state.types["donor"], state.types["spoiler"]
        # Draw every random number this step needs up front, in a fixed order and amount.
        observation_noise = context.monitoring_noise * rng.standard_normal(n_pillars)
        election_draws = rng.standard_normal(n_ministries)
        sanction_draws = rng.random(len(donor))
        relapse_draw, coup_draw, coup_success_draw, violence_noise = rng.random(4)
        self.month += 1
        month = self.month

        # 1. monitoring and strategy
        self._advance_strategy(month)

        # 2. donors
        was_active = donor.active.copy()
        donor.values["active"] = (donor.patience > 0) & (month <= donor.horizon_month) & donor.active
        for row in np.flatnonzero(was_active & ~donor.active):
            donor.exit_month[row] = month
            self.events.append((month, "donor_exit", state.names[donor.index[row]]))
        perceived = self._perceived_progress()
        yearly_gain = perceived - self.perceived_history[month % 12]
        self.perceived_history[month % 12] = perceived
        breach = yearly_gain < params.donors.expected_progress_per_year
        sanctioned = (breach & (sanction_draws < donor.enforcement)).astype(float)
        paid = donors.disbursement(donor.budget, donor.active, donor.conditionality, sanctioned)
        efficiency = donors.fragmentation_efficiency(donor.budget, donor.coordination, donor.active,
                                                     params.donors.fragmentation_cost)
        self.donor_funding = float(paid.sum() * efficiency)
        flexible_share = float(paid @ donor.flexibility / paid.sum()) if paid.sum() > 0 else 0.0
        effort_shares = self.effort / max(self.effort.sum(), 1e-9)
        donor_funds = self.donor_funding * (flexible_share * effort_shares + (1 - flexible_share) * self.committed_shares)
        active_weight = np.where(donor.active, 1.0, 0.0)
        peacekeeping = float(min((donor.peacekeeping * active_weight).sum(), 1.0))
        assistance = float(min((donor.security_assistance * active_weight).sum(), 1.0))

        # 3. spoilers
        pressure = spoilers.reform_pressure(self.effort, state.de_facto)
        threatened = spoilers.threatened_rents(state.spoiler_rents, pressure)
        strength = spoiler.strength * (1.0 if params.spoilers.enabled else 0.0)
        obstruction = spoilers.obstruction(strength, spoiler.resolve, spoiler.inside, state.spoiler_rents,
                                           pressure, params.spoilers.obstruction)
        spoiler_push = spoilers.spoiler_violence(strength, spoiler.resolve, spoiler.inside, threatened,
                                                 params.spoilers.violence)
        capture = self.matrices.patronage_from_spoilers @ (strength * spoiler.inside)
        spoiler_threat = self.matrices.patronage_from_spoilers @ (strength * spoiler.resolve * threatened)

        # 4. influence and political will
        lead_effort = np.bincount(state.pillar_lead, weights=self.effort, minlength=n_ministries)
        anchor = self._anchors(threatened, capture, spoiler_threat, lead_effort, donor)
        if params.influence.enabled:
            state.stance = influence.friedkin_johnsen_step(state.stance, anchor, self.matrices.influence,
                                                           state.susceptibility)
        else:
            state.stance = anchor
        will_by_ministry = state.stance[ministries.index]

        # 5. corruption and diversion
        oversight = state.type_mean("parliament", parliament.oversight_capacity)
        independence = state.type_mean("parliament", parliament.independence)
        monitoring = state.type_mean("civil_society", civil.monitoring)
        integrity = state.pillar("integrity")
        integrity_function = float(state.de_facto[integrity]) if integrity is not None else 0.0
        # An anti-corruption drive is as strong as the will and the spare capability behind it.
        integrity_drive = (float(self.effort[integrity] * will_by_ministry[state.pillar_lead[integrity]]
                                 * (1.0 - 0.5 * self.overload[state.pillar_lead[integrity]]))
                           if integrity is not None else 0.0)
        detection = corruption.detection_risk(max(integrity_function, integrity_drive), oversight, independence,
                                              monitoring, params.corruption.base_detection)
        detection = min(detection + self._event_strength("anticorruption_push", month), 1.0)
        if params.corruption.enabled:
            corruptible = state.corruptible
            sector = float(state.corruption[corruptible] @ state.corruptible_weights)
            prevalence = corruption.peer_prevalence(state.corruption, self.matrices.peers,
                                                    self.matrices.has_peers, sector)
            target = corruption.corruption_target(prevalence, detection, capture,
                                                  corruption.rent_opportunity(integrity_function),
                                                  self.coefficients["corruption"])
            state.corruption = np.where(corruptible, relax(state.corruption, target,
                                                           params.corruption.adjustment_rate), 0.0)
        ministry_corruption = state.corruption[ministries.index]
        lead_corruption = ministry_corruption[state.pillar_lead]
        diversion = corruption.diversion_share(lead_corruption, params.corruption.diversion_rate)

        # 6. capability, form and function
        cap = params.capacity
        domestic = cap.domestic_budget * state.type_mean("ministry", will_by_ministry)
        pillar_funds = (donor_funds + domestic * effort_shares) * (1.0 - diversion)
        investment = np.bincount(state.pillar_lead, weights=pillar_funds, minlength=n_ministries)
        investment = investment + 0.1 * cap.domestic_budget
        load = capacity.reform_load(self.effort, state.de_jure, state.de_facto, state.pillar_lead, n_ministries,
                                    cap.shared_load)
        overload = capacity.overload(load, ministries.capacity, cap.load_tolerance) if cap.enabled else 0 * load
        self.overload = overload
        absorbed = capacity.absorbed_investment(investment, ministries.absorptive_capacity)
        ministries.values["capacity"] = capacity.capability_update(
            ministries.capacity, absorbed, ministry_corruption, overload,
            cap.growth_rate, cap.decay_rate, cap.overload_erosion)
        ministries.values["absorptive_capacity"] = capacity.absorptive_update(
            ministries.absorptive_capacity, ministries.capacity, cap.growth_rate)
        lead_will = will_by_ministry[state.pillar_lead]
        mandates = state.type_mean("parliament", parliament.legal_mandates)
        new_de_jure = capacity.de_jure_update(state.de_jure, self.effort, lead_will, obstruction, mandates,
                                              cap.de_jure_rate)
        state.de_facto = capacity.de_facto_update(
            state.de_facto, state.de_jure, self.effort, ministries.capacity[state.pillar_lead], lead_will,
            obstruction, diversion, overload[state.pillar_lead], lead_corruption,
            cap.de_facto_rate, cap.de_facto_decay, cap.overload_erosion)
        state.de_jure = new_de_jure

        # 7. security forces
        oversight_pillar = state.pillar("oversight")
        oversight_function = float(state.de_facto[oversight_pillar]) if oversight_pillar is not None else 0.0
        defence_pillar = state.pillar("defence_governance")
        defence_effort = float(self.effort[defence_pillar]) if defence_pillar is not None else 0.0
        force_corruption = state.corruption[forces.index]
        political_will = state.type_mean("ministry", will_by_ministry)
        targets = security.force_targets(
            state.de_facto[forces.pillar], force_corruption, oversight_function, political_will, state.violence,
            oversight * independence, assistance, defence_effort * force_corruption,
            params.security.assistance_autonomy)
        for name, target in targets.items():
            forces.values[name] = relax(forces.values[name], target, params.security.force_adjustment_rate)

        # 8. civil society and parliament
        abuse = state.type_mean("security_force", forces.abuse)
        effectiveness = state.type_mean("security_force", forces.effectiveness)
        sector_corruption = 1.0 - self.indicators["corruption_control"]
        cs = params.civil_society
        if cs.enabled:
            funded = float(donor.active.any()) * cs.donor_support * float(np.mean(donor.flexibility)) if len(donor) else 0.0
            civic_space = state.de_jure[oversight_pillar] if oversight_pillar is not None else 0.1
            threat = self.matrices.threat_on_civil_society
            civil.values["monitoring"] = civil_society.monitoring_update(
                civil.monitoring, funded, float(civic_space), abuse * (1 - political_will), cs.growth_rate, cs.repression)
            grievance = 0.5 * (sector_corruption + abuse)
            civil.values["mobilisation"] = civil_society.mobilisation_update(
                civil.mobilisation, civil.monitoring, grievance, threat, cs.trust_rate)
        security_delivered = (1.0 - state.violence) * (0.5 + 0.5 * effectiveness)
        civil.values["trust"] = civil_society.trust_update(civil.trust, security_delivered, abuse, sector_corruption,
                                                           cs.trust_rate)
        mobilisation = state.type_mean("civil_society", civil.mobilisation)
        (parliament.values["oversight_capacity"], parliament.values["independence"],
         parliament.values["legal_mandates"]) = civil_society.parliament_update(
            parliament.oversight_capacity, parliament.independence, parliament.legal_mandates,
            state.corruption[parliament.index], oversight_function, float(state.de_jure.mean()), mobilisation,
            cs.trust_rate)

        # 9. violence, relapse, coups
        sec = params.security
        if sec.enabled:
            legitimacy = state.type_mean("civil_society", civil.trust)
            target = security.violence_target(sec.base_violence, spoiler_push, effectiveness, peacekeeping,
                                              0.5 * (sector_corruption + abuse), legitimacy)
            moved = state.violence + sec.violence_rate * (target - state.violence) + 0.02 * (violence_noise - 0.5)
            state.violence = min(max(moved, 0.0), 1.0)
            self._relapse(month, relapse_draw, peacekeeping)
            self._coup(month, coup_draw, coup_success_draw, mobilisation, independence, defence_effort)
        state.violence = min(state.violence + self._event_onset("violence_shock", month), 1.0)

        # 10. slow variables
        if params.spoilers.enabled and len(spoiler):
            spoiler.values["strength"] = spoilers.strength_update(
                spoiler.strength, spoiler.cooptable, spoiler.cooptability, spoiler.inside, sector_corruption,
                effectiveness, params.spoilers.cooptation_effort, params.spoilers.growth, params.spoilers.coercion)
        donor.values["patience"] = donors.patience_update(donor.patience, donor.active, yearly_gain,
                                                          params.donors.stall_tolerance)
        interval = int(round(12 * params.political_will.election_interval_years))
        if (params.political_will.enabled and month % interval == 0) or self._event_onset("election", month):
            ministries.values["leadership_will"] = will.election_shock(
                ministries.leadership_will, election_draws, params.political_will.election_shock_sd)
            self.events.append((month, "election", ""))

        # 11. indicators
        self._update_indicators(observation_noise)
        self.datacollector.collect(self)
        if self.month >= self.reform_scenario.steps:
            self.running = False

    # --- pieces of the step ------------------------------------------------------------
    def _anchors(self, threatened, capture, spoiler_threat, lead_effort, donor) -> np.ndarray:
        """Each actor's own interest (Friedkin-Johnsen anchor): pressures for ministries,
        professional integrity for forces and parliament, rents for spoilers."""
        state, p = self.state, self.params.political_will
        anchor = state.stance.copy()
        ministries = state.types["ministry"]
        if p.enabled:
            pressure_on_ministries = donors.donor_pressure(
                self.matrices.funding_of_ministries, donor.conditionality, donor.enforcement, donor.active)
            parliament = state.types["parliament"]
            civil = state.types["civil_society"]
            anchor[ministries.index] = will.will_anchor(
                ministries.leadership_will, pressure_on_ministries,
                state.type_mean("civil_society", civil.mobilisation),
                state.type_mean("parliament", parliament.oversight_capacity * parliament.independence),
                np.minimum(spoiler_threat[ministries.index], 1.0),
                will.rents_lost(state.corruption[ministries.index], lead_effort),
                self.coefficients["political_will"])
        else:
            anchor[ministries.index] = ministries.leadership_will
        forces = state.types["security_force"]
        anchor[forces.index] = 0.2 + 0.6 * forces.professionalism * (1.0 - state.corruption[forces.index])
        parliament = state.types["parliament"]
        anchor[parliament.index] = 0.3 + 0.6 * parliament.independence * (1.0 - state.corruption[parliament.index])
        spoiler = state.types["spoiler"]
        cooptation = self.params.spoilers.cooptation_effort * spoiler.cooptable * spoiler.cooptability
        anchor[spoiler.index] = np.clip(0.5 * (1.0 - threatened) * (1.0 - spoiler.strength) + cooptation, 0, 1)
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
            self.last_review_function = self.observed_function.copy()
            self.events.append((month, "phase", strategy.phases[next_phase].name))
            return
        adaptation = strategy.adaptive
        if adaptation is not None and month % max(adaptation.review_every_months, 1) == 0:
            gain = self.observed_function - self.last_review_function
            self.effort = reallocate_effort(self.effort, gain, adaptation)
            self.last_review_function = self.observed_function.copy()

    def _relapse(self, month: int, draw: float, peacekeeping: float) -> None:
        """Conflict relapse in post-conflict scenarios: violence jumps, will and function fall."""
        if not self.reform_scenario.context.post_conflict or self.relapse_month is not None:
            return
        state, sec = self.state, self.params.security
        spoiler = state.types["spoiler"]
        outside_strength = float(np.sum(spoiler.strength * ~spoiler.inside * spoiler.resolve))
        ddr = state.pillar("ddr")
        hazard = security.relapse_hazard(sec.relapse_hazard, state.violence, min(outside_strength, 1.0),
                                         peacekeeping, float(state.de_facto[ddr]) if ddr is not None else 0.0,
                                         month / 12.0, sec.peace_memory_years)
        if draw < hazard:
            self.relapse_month = month
            state.violence = max(state.violence, sec.relapse_violence)
            state.de_facto *= 0.7
            ministries = state.types["ministry"]
            ministries.values["leadership_will"] = np.clip(
                ministries.leadership_will - self.params.political_will.relapse_shock, 0, 1)
            self.events.append((month, "relapse", ""))

    def _coup(self, month: int, draw: float, success_draw: float, mobilisation: float, independence: float,
              defence_effort: float) -> None:
        """Coup attempts by coup-capable forces; success resets will and oversight (Svolik 2012)."""
        state, sec = self.state, self.params.security
        forces = state.types["security_force"]
        army = forces.coup_capable
        if not army.any():
            return
        weight = state.influence[forces.index][army]
        autonomy = weighted_mean(forces.political_autonomy[army], weight)
        loyalty = weighted_mean(forces.loyalty[army], weight)
        threatened = defence_effort * weighted_mean(state.corruption[forces.index][army], weight)
        hazard = security.coup_hazard(sec.coup_hazard, autonomy, loyalty, threatened, self.coup_successes, sec.coup_trap)
        if draw >= hazard:
            return
        self.coup_attempts += 1
        if success_draw < security.coup_success_probability(autonomy, mobilisation, independence):
            self.coup_successes += 1
            ministries, parliament = state.types["ministry"], state.types["parliament"]
            ministries.values["leadership_will"] = np.minimum(ministries.leadership_will, 0.2)
            parliament.values["independence"] = parliament.independence * 0.5
            forces.values["political_autonomy"] = np.clip(forces.political_autonomy + 0.2 * army, 0, 1)
            oversight = state.pillar("oversight")
            if oversight is not None:
                state.de_jure[oversight] *= 0.5
            donor = state.types["donor"]
            donor.values["patience"] = donor.patience - 24.0
            self.events.append((month, "coup", "success"))
        else:
            state.types["ministry"].values["leadership_will"] = np.clip(
                state.types["ministry"].leadership_will - 0.05, 0, 1)
            self.events.append((month, "coup", "failed"))

    def _event_strength(self, kind: str, month: int) -> float:
        return sum(e.strength for e in self.reform_scenario.events
                   if e.kind == kind and 12 * e.start_year <= month < 12 * (e.start_year + e.duration_years))

    def _event_onset(self, kind: str, month: int) -> float:
        return sum(e.strength for e in self.reform_scenario.events if e.kind == kind and month == round(12 * e.start_year))

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
        last_exit = math.inf if present else (float(np.nanmax(donor.exit_month)) if len(donor) else math.nan)
        series = self.datacollector.model_vars
        events = {
            "conflict_relapse": self.relapse_month is not None,
            "relapse_year": math.nan if self.relapse_month is None else self.relapse_month / 12.0,
            "coup_attempts": self.coup_attempts,
            "coup_successes": self.coup_successes,
            "phases_started": len(self.phase_start_months),
            "months": self.month,
        }
        return summarise(series, self.reform_scenario.outcomes.threshold,
                         int(round(12 * self.reform_scenario.outcomes.success_sustain_years)), last_exit, events)
