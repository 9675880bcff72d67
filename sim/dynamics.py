"""The reform dynamics for a batch of replications: build the world, draw, step the stages, record.

:class:`ReformBatch` runs R replications of one scenario side by side. Each replication has
its own generator (its seed), its own jittered actors and its own random network; the world
(:class:`sim.world.World`) carries the replications as a leading array axis, the networks are
one block-diagonal sparse matrix, and a month is the stages of :data:`sim.stages.STEP` in
order, each array operations over every actor of every replication. No stage loops over
agents, and none over replications except to log events.

Why one engine for one run and for many: the Mesa model (:class:`sim.model.ReformModel`) is a
batch of one, and sweeps run batches of many (:func:`run_seeds`), so there is one
implementation of the science and a replication's numbers do not depend on what else is in
its batch. Every reduction is along the last (actor or pillar) axis of a contiguous array,
and every sparse product is a row of the block-diagonal matrix, so a replication computes bit
for bit what it computes alone (tested).

ReformBatch itself only builds the world, draws each month's random numbers, runs the stages
and records indicators and summaries; every rule lives in :mod:`sim.mechanisms` and is wired
by :mod:`sim.stages`.

Random numbers: every month takes the same draws whatever happens (so two strategies run with
one seed share their shocks: common random numbers). They are drawn per replication in blocks
of :data:`DRAW_BLOCK_MONTHS` months, one uniform and one normal array per block, so a month's
draws do not depend on the horizon or on how the run is stepped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .fields import HEADLINE_INDICATORS
from .mechanisms.common import row_mean, row_total, shares
from .batching import batch_values, layout_key
from .network import Ties, build_matrices, build_networks
from .outcomes import summarise
from .scenario import Context, Intervention, Scenario
from .stages import STEP
from .stages.donors import perceived_progress
from .stages.monitoring import OBSERVABLE, observe
from .strategy import Strategy, phase_efforts as strategy_phase_efforts
from .state import CORRUPTIBLE, UNRECORDED_FIELDS, build_states
from .world import Draws, Monitoring, Programme, Tally, World

#: Months of random numbers drawn at once per replication (a fixed size, so the numbers of a
#: month never depend on the run's length).
DRAW_BLOCK_MONTHS = 120
#: What the run summary needs every month.
SUMMARY_SERIES = (*HEADLINE_INDICATORS, "reform_index")
MODEL_INDICATORS = (*HEADLINE_INDICATORS, "reform_index", "political_will", "public_trust", "violence",
                    "donor_funding", "spoiler_strength", "mean_de_jure", "mean_de_facto", "phase")


class ReformBatch:
    """R replications, stepped together: of one scenario, or of scenarios that share a layout
    (different design points, synthetic countries or parameter draws; :mod:`sim.batching`).

    Args:
        scenario: a validated :class:`Scenario` (its strategy included) for every replication,
            or one per replication, all with the same :func:`sim.batching.layout_key`; read-only.
        generators: one ``numpy.random.Generator`` per replication, its only source of randomness.
        collect_all: compute every indicator each month (per-pillar and per-type series too);
            False computes only what the step and the summary need.
        record: names of indicators whose monthly series to keep (the summary's are always kept).
        keep_ties: keep each replication's ties (:class:`sim.network.Ties`, for inspection and
            the app; sweeps leave them once the matrices are built).
    """

    def __init__(self, scenario: Scenario | Sequence[Scenario], generators: Sequence[np.random.Generator], *,
                 collect_all: bool = False, record: Iterable[str] = (), keep_ties: bool = False) -> None:
        if not generators:
            raise ValueError("a batch needs at least one generator")
        self.collect_all = collect_all
        self.generators = list(generators)
        self.scenarios = [scenario] * len(self.generators) if isinstance(scenario, Scenario) else list(scenario)
        if len(self.scenarios) != len(self.generators):
            raise ValueError(f"{len(self.scenarios)} scenarios for {len(self.generators)} generators")
        keys = {layout_key(member) for member in {id(member): member for member in self.scenarios}.values()}
        if len(keys) > 1:
            raise ValueError("the scenarios of one batch must share a layout (sim.batching.layout_key): actors, "
                             "pillars, switches, events and horizon")
        self.world, self.ties = _build_world(self.scenarios, self.generators, keep_ties)
        self._draw_blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.record = tuple(dict.fromkeys((*SUMMARY_SERIES, *record)))
        self.history: dict[str, list[np.ndarray]] = {name: [] for name in self.record}
        self._record_month()

    # --- read-only views of the world, for the Mesa model, the app and tests ---------------
    scenario = property(lambda self: self.world.scenario)
    params = property(lambda self: self.world.params)
    strategy = property(lambda self: self.world.scenario.strategy)
    state = property(lambda self: self.world.state)
    matrices = property(lambda self: self.world.matrices)
    month = property(lambda self: self.world.month)
    replications = property(lambda self: self.world.replications)
    events = property(lambda self: self.world.tally.events)
    observed = property(lambda self: self.world.monitoring.observed)

    def schedule(self, intervention: Intervention) -> None:
        """Add an intervention to every replication's schedule (it acts in the first month
        after its year, applied by the ``interventions`` stage)."""
        if round(12 * intervention.year) + 1 <= self.month:
            raise ValueError(f"an intervention at year {intervention.year:g} acts in month "
                             f"{round(12 * intervention.year) + 1}, which has passed (month {self.month})")
        self.world.interventions.append(intervention)

    # --- the step --------------------------------------------------------------------------
    def step(self) -> None:
        """One month: draw, then every stage of :data:`sim.stages.STEP` in order, then record."""
        world = self.world
        world.month += 1
        world.draws = self._draw(world.month)
        for stage in STEP:
            stage.run(world)
        self._record_month()

    def run(self, months: int | None = None) -> "ReformBatch":
        """Step to the scenario's horizon (or ``months`` more months)."""
        end = self.scenario.steps if months is None else self.month + months
        while self.month < end:
            self.step()
        return self

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
        noise = self.world.context.monitoring_noise
        return Draws(
            relapse=uniforms[:, 0:1], coup=uniforms[:, 1:2], coup_success=uniforms[:, 2:3],
            violence=uniforms[:, 3:4], sanctions=uniforms[:, 4:],
            pillar_noise=noise * normals[:, :pillars],
            indicator_noise=noise * normals[:, pillars:pillars + observable],
            elections=normals[:, pillars + observable:],
        )

    # --- recording ---------------------------------------------------------------------
    def _record_month(self) -> None:
        """Keep this month's indicators (the monitoring stage measured them) and their series."""
        self.indicators = dict(self.world.monitoring.indicators)
        if self.collect_all:
            self.indicators.update(self._detail_indicators())
        for name in self.record:
            self.history[name].append(self.indicator(name))

    def _detail_indicators(self) -> dict[str, np.ndarray]:
        """Everything else a full record holds: money, spoilers, means, per pillar, per type."""
        state = self.state
        values = {
            "donor_funding": self.world.donor_funding[:, 0],
            "spoiler_strength": (row_total(state.types["spoiler"].strength)[:, 0] if self.params.spoilers.enabled
                                 else np.zeros(self.replications)),
            "mean_de_jure": row_mean(state.de_jure)[:, 0],
            "mean_de_facto": row_mean(state.de_facto)[:, 0],
            "phase": self.world.programme.phase_index.astype(float),
        }
        for position, pillar in enumerate(state.pillar_names):
            values[f"de_jure_{pillar}"] = state.de_jure[:, position]
            values[f"de_facto_{pillar}"] = state.de_facto[:, position]
            values[f"effort_{pillar}"] = self.world.programme.effort[:, position]
        # A per-type mean never replaces a model-level series of the same name
        # (``spoiler_strength`` is the total effective strength, not the spoilers' mean).
        for name, value in self._type_aggregates().items():
            values.setdefault(name, value)
        return values

    def _type_aggregates(self) -> dict[str, np.ndarray]:
        """Per-type means of every state array (influence-weighted), e.g. ``security_force_abuse``."""
        state = self.state
        out = {}
        for type_name, arrays in state.types.items():
            if not len(arrays):
                continue
            for field_name, values in arrays.values.items():
                if values.dtype == float and values.ndim == 2 and field_name not in UNRECORDED_FIELDS:
                    out[f"{type_name}_{field_name}"] = state.type_mean(type_name, values)[:, 0]
            if type_name in CORRUPTIBLE:
                out[f"{type_name}_corruption"] = state.type_mean(type_name, state.corruption[:, arrays.index])[:, 0]
            out[f"{type_name}_stance"] = state.type_mean(type_name, state.stance[:, arrays.index])[:, 0]
        return out

    def indicator_names(self) -> list[str]:
        """Every indicator a full record (``collect_all``) holds, in order."""
        pillars = self.state.pillar_names
        return list(dict.fromkeys([*MODEL_INDICATORS, *(f"de_jure_{p}" for p in pillars),
                                   *(f"de_facto_{p}" for p in pillars), *(f"effort_{p}" for p in pillars),
                                   *self._type_aggregates()]))

    def indicator(self, name: str) -> np.ndarray:
        """This month's value of one indicator, per replication (computed on demand if not kept)."""
        if name not in self.indicators:
            self.indicators.update(self._detail_indicators())
        return self.indicators[name]

    # --- results -------------------------------------------------------------------------
    def series(self, name: str) -> np.ndarray:
        """A recorded indicator's monthly values, (months + 1, R), month 0 first."""
        return np.array(self.history[name])

    def summaries(self) -> list[dict[str, Any]]:
        """Run-level outcomes of every replication (see :func:`sim.outcomes.summarise`)."""
        donor, tally = self.state.types["donor"], self.world.tally
        finals = {name: self.indicator(name) for name in self.indicator_names()}
        recorded = {name: self.series(name) for name in SUMMARY_SERIES}
        results = []
        for row in range(self.replications):
            outcomes = self.scenarios[row].outcomes
            # Donors still paying at the horizon have not left (inf); a scenario without donors
            # has nothing to leave (NaN).
            exits = donor.exit_month[row][np.isfinite(donor.exit_month[row])]
            last_exit = math.inf if donor.active[row].any() else (float(exits.max()) if len(exits) else math.nan)
            relapse = int(tally.relapse_month[row])
            events = {
                "conflict_relapse": relapse >= 0,
                "relapse_year": math.nan if relapse < 0 else relapse / 12.0,
                "coup_attempts": int(tally.coup_attempts[row]),
                "coup_successes": int(tally.coup_successes[row]),
                "phases_started": int(self.world.programme.phases_started[row]),
                "months": self.month,
            }
            results.append(summarise({name: values[:, row] for name, values in recorded.items()},
                                     {name: float(values[row]) for name, values in finals.items()},
                                     outcomes.threshold, int(round(12 * outcomes.success_sustain_years)),
                                     last_exit, events))
        return results


def _build_world(scenarios: Sequence[Scenario], generators: Sequence[np.random.Generator],
                 keep_ties: bool) -> tuple[World, list[Ties]]:
    """The world at month 0: per replication, its actors then its network, each drawn from
    its own generator and built from its own scenario; the programme's first phase in force;
    monitoring's first report (without noise); donors' yearly memory filled with the first
    perception."""
    state = build_states(scenarios, generators)
    networks = build_networks(scenarios, state, generators)
    layout, pillars = scenarios[0], state.pillar_names
    pillar_returns = np.stack([pillar_tractability(scenario.context, len(pillars), generator)
                               for scenario, generator in zip(scenarios, generators)])
    replications = len(generators)
    # Each distinct strategy once: a design's points and a population's countries share a few.
    strategies: list[Strategy] = []
    by_content: dict[str, int] = {}
    by_object: dict[int, int] = {}
    for strategy in (scenario.strategy for scenario in scenarios):
        if id(strategy) not in by_object:
            by_object[id(strategy)] = by_content.setdefault(strategy.model_dump_json(), len(strategies))
            if by_object[id(strategy)] == len(strategies):
                strategies.append(strategy)
    strategy_of = np.array([by_object[id(scenario.strategy)] for scenario in scenarios], dtype=int)
    phase_efforts = strategy_phase_efforts(strategies, pillars)[strategy_of]
    effort = phase_efforts[:, 0].copy()
    params = batch_values([scenario.mechanisms for scenario in scenarios], "mechanisms")
    donor = state.types["donor"]
    if not params.donors.enabled:  # no donors at all: none to exit, none present
        donor.values["active"][:] = False
    world = World(
        scenario=layout,
        strategies=strategies,
        strategy_of=strategy_of,
        params=params,
        context=batch_values([scenario.context for scenario in scenarios], "context"),
        matrices=build_matrices(networks, state, layout.network.self_weight),
        phase_efforts=phase_efforts,
        state=state,
        programme=Programme(phase_index=np.zeros(replications, dtype=int),
                            phases_started=np.ones(replications, dtype=int), effort=effort,
                            committed_shares=shares(effort), previous_period=state.de_facto.copy(),
                            period_total=np.zeros_like(state.de_facto),
                            period_months=np.zeros((replications, 1), dtype=int),
                            estimated_returns=np.zeros((replications, len(pillars))),
                            reviews=np.zeros((replications, 1), dtype=int)),
        monitoring=Monitoring(observed_function=state.de_facto.copy(),
                              perceived_history=np.zeros((12, replications, len(donor)))),
        tally=Tally(relapse_month=np.full(replications, -1), coup_attempts=np.zeros(replications, dtype=int),
                    coup_successes=np.zeros(replications, dtype=int), events=[[] for _ in range(replications)]),
        donor_funding=np.zeros((replications, 1)),
        overload=np.zeros((replications, len(state.types["ministry"]))),
        civil_society_support=np.array([[scenario.mechanisms.civil_society.donor_support] for scenario in scenarios]),
        election_called=np.zeros(replications, dtype=bool),
        pillar_returns=pillar_returns,
        pillar_pace=np.array([[pillar.pace for pillar in scenario.pillars] for scenario in scenarios]),
        interventions=list(layout.interventions),
    )
    observe(world)
    # Reviews compare what monitoring reports with what it reported before: start from a report.
    world.programme.previous_period[:] = world.monitoring.observed_function
    world.monitoring.perceived_history[:] = perceived_progress(world)
    return world, networks if keep_ties else []


def pillar_tractability(context: Context, pillars: int, generator: np.random.Generator) -> np.ndarray:
    """How much function a unit of effort buys on each pillar in this run, relative to the
    scenario's rate: blocked (``blocked_pillar_return``) with chance ``blocked_pillar_share``,
    else log-normal with mean 1 and log-s.d. ``pillar_return_spread``.

    Why: what works differs by country and is not known in advance (Andrews, Pritchett &
    Woolcock 2013: problem-driven iterative adaptation exists because solutions cannot be
    read off a template); on a blocked pillar effort builds form but little function until
    the context changes (isomorphic mimicry), while it still loads the ministry and threatens
    rents. Drawn after the actors and the network (one uniform and one
    normal per pillar), so every run draws the same amount whatever the values.
    """
    blocked = generator.random(pillars) < context.blocked_pillar_share
    spread = context.pillar_return_spread
    usual = np.exp(spread * generator.standard_normal(pillars) - 0.5 * spread ** 2)
    return np.where(blocked, context.blocked_pillar_return, usual)


#: Actors in one batch at most (replications x actors per run): about 20 MB of state and networks.
MAX_BATCH_ACTORS = 20_000


class SeedRuns(NamedTuple):
    """The runs of one scenario, one per seed (in the order of the seeds)."""

    seeds: tuple[int, ...]
    summaries: list[dict[str, Any]]     # run-level outcomes (:func:`sim.outcomes.summarise`)
    series: dict[str, np.ndarray]       # each recorded indicator, (months + 1, runs), month 0 first
    events: list[list[tuple[int, str, str]]]

    def take(self, start: int, stop: int) -> "SeedRuns":
        """The runs ``start`` to ``stop`` (exclusive), as if they had been run alone: a run's
        numbers do not depend on the runs beside it in a batch."""
        return SeedRuns(self.seeds[start:stop], self.summaries[start:stop],
                        {name: values[:, start:stop] for name, values in self.series.items()}, self.events[start:stop])


def run_seeds(scenario: Scenario | Sequence[Scenario], seeds: Iterable[int], *, record: Iterable[str] = (),
              months: int | None = None, max_batch_actors: int = MAX_BATCH_ACTORS) -> SeedRuns:
    """Run ``scenario`` once per seed on the batch engine: the one way to run many seeds.

    ``scenario`` is one scenario for every seed, or a sequence of scenarios, one per seed (a
    design point, a synthetic country or a parameter draw per run). Each run's numbers are
    those of ``ReformModel(scenario, rng=seed)`` (tested). Runs whose scenarios share a layout
    (:func:`sim.batching.layout_key`) are stepped together, whatever their values, in batches
    of at most ``max_batch_actors`` actors (replications x actors per run), which bounds memory; ``record`` names indicators whose monthly series to keep beyond the
    summary's (:data:`SUMMARY_SERIES`); ``months`` stops early (default: the horizon).
    """
    seeds = tuple(int(seed) for seed in seeds)
    scenarios = [scenario] * len(seeds) if isinstance(scenario, Scenario) else list(scenario)
    if len(scenarios) != len(seeds):
        raise ValueError(f"{len(scenarios)} scenarios for {len(seeds)} seeds: give one scenario, or one per seed")
    names = tuple(dict.fromkeys((*SUMMARY_SERIES, *record)))
    summaries: list[dict[str, Any]] = [{}] * len(seeds)
    events: list[list[tuple[int, str, str]]] = [[] for _ in seeds]
    columns: dict[str, list[np.ndarray]] = {name: [np.zeros(0)] * len(seeds) for name in names}
    keys: dict[int, str] = {}
    groups: dict[str, list[int]] = {}
    for position, member in enumerate(scenarios):
        if id(member) not in keys:
            keys[id(member)] = layout_key(member)
        groups.setdefault(keys[id(member)], []).append(position)
    for positions in groups.values():
        size = max(1, max_batch_actors // max(scenarios[positions[0]].actor_count(), 1))
        for start in range(0, len(positions), size):
            rows = positions[start:start + size]
            batch = ReformBatch([scenarios[row] for row in rows], [np.random.default_rng(seeds[row]) for row in rows],
                                record=names).run(months)
            for row, summary, log in zip(rows, batch.summaries(), batch.events):
                summaries[row], events[row] = summary, log
            for name in names:
                values = batch.series(name)
                for column, row in enumerate(rows):
                    columns[name][row] = values[:, column]
    series = {name: np.stack(parts, axis=1) if parts else np.zeros((0, 0)) for name, parts in columns.items()}
    return SeedRuns(seeds, summaries, series, events)
