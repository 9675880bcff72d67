"""ReformModel: the Mesa face of the reform dynamics, one run at a time.

The science lives in :class:`sim.dynamics.ReformBatch`, which steps any number of
replications as array operations. A ReformModel is a batch of one: it owns the Mesa
``rng`` (the run's only source of randomness), the agents (read-only views of the actors,
:mod:`sim.agents`), and a ``DataCollector`` with every indicator each month. ``model.state``
shows the run's arrays without the batch axis, so the app and users can inspect and edit a
run as a single model. Sweeps run :class:`ReformBatch` directly, and get the same numbers.
"""

from __future__ import annotations

import functools
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import mesa
import networkx as nx
import numpy as np

from .agents import AGENT_CLASSES
from .dynamics import SUMMARY_SERIES, ReformBatch
from .network import network_graph
from .provenance import provenance
from .scenario import ACTOR_TYPES, Intervention, Scenario, load_scenario
from .state import ReplicationState
from .strategy import Strategy, load_strategy_source


def resolve_scenario(scenario: Scenario | str | Path, strategy: Strategy | str | None = None) -> Scenario:
    """A validated scenario from an object, a path or a shipped name, its strategy replaced if given."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if strategy is not None:
        loaded = load_strategy_source(strategy, Path.cwd(), "--strategy") if isinstance(strategy, str) else strategy
        scenario = scenario.replace(f"{scenario.name} [{loaded.name}]", strategy=loaded)
    return scenario


class ReformModel(mesa.Model):
    """Security-sector reform on an influence network of six kinds of actor.

    Args:
        scenario: a validated :class:`Scenario`, or a path / shipped name to load.
        strategy: optional strategy (object, shipped name or path) replacing the scenario's.
        rng: seed or ``numpy.random.Generator``; the model's only source of randomness.
        collect_all: record every series each month (default). False keeps only the series
            the run summary needs (the five headline indicators and the reform index); the
            summary is identical either way.
    """

    def __init__(self, scenario: Scenario | str | Path = "baseline", *, strategy: Strategy | str | None = None,
                 rng: Any = None, collect_all: bool = True) -> None:
        super().__init__(rng=rng)
        self.seed = rng if isinstance(rng, (int, np.integer)) else None
        self.collect_all = collect_all
        self.batch = ReformBatch(resolve_scenario(scenario, strategy), [self.rng], collect_all=collect_all,
                                 keep_ties=True)
        self.state = ReplicationState(self.batch.state, 0)
        self.ties = self.batch.ties[0]
        self.matrices = SimpleNamespace(**self.batch.matrices.replication(0))
        for type_name, agent_class in zip(ACTOR_TYPES, AGENT_CLASSES):
            for row, index in enumerate(self.state.types[type_name].index.tolist()):
                agent_class(self, index, row)
        names = self.batch.indicator_names() if collect_all else SUMMARY_SERIES
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda model, key=name: float(model.batch.indicator(key)[0])) for name in names})
        self.datacollector.collect(self)

    @functools.cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The run's network as a ``networkx`` multigraph (built on first use from :attr:`ties`;
        the step uses the sparse matrices, never this graph)."""
        return network_graph(self.state, self.ties)

    def step(self) -> None:
        self.batch.step()
        self.datacollector.collect(self)
        if self.month >= self.reform_scenario.steps:
            self.running = False

    def run(self, steps: int | None = None) -> "ReformModel":
        """Step to the horizon (or ``steps`` more months)."""
        end = self.reform_scenario.steps if steps is None else self.month + steps
        while self.month < end and (steps is not None or self.running):
            self.step()
        return self

    # --- the run, without the batch axis (read-only: a run's inputs are fixed at construction;
    # change course through :meth:`intervene`) -------------------------------------------------
    # Not ``scenario``: Mesa 3.5 reserves that name for its own Scenario objects.
    reform_scenario = property(lambda self: self.batch.scenario)
    params = property(lambda self: self.batch.params, doc="the mechanism coefficients (immutable)")
    strategy = property(lambda self: self.batch.strategy)
    month = property(lambda self: self.batch.month)
    phase_index = property(lambda self: int(self.batch.world.programme.phase_index[0]))
    effort = property(lambda self: self.batch.world.programme.effort[0].copy(), doc="effort per pillar")
    committed_shares = property(lambda self: self.batch.world.programme.committed_shares[0].copy())
    events = property(lambda self: self.batch.events[0], doc="(month, kind, detail) of phases, coups, exits...")
    donor_funding = property(lambda self: float(self.batch.world.donor_funding[0, 0]))
    coup_attempts = property(lambda self: int(self.batch.world.tally.coup_attempts[0]))
    coup_successes = property(lambda self: int(self.batch.world.tally.coup_successes[0]))

    def intervene(self, kind: str, target: str | None = None) -> Intervention:
        """Schedule an intervention for the next month (``scenario.interventions`` kinds:
        fund_pillar, coopt_spoiler, ...). The ``interventions`` stage applies it at the start
        of the next step, exactly as the same entry in a scenario file at year ``month / 12``
        would, and logs what it did as an ``intervention`` event. Raises ScenarioError for an
        unknown kind or a target this scenario lacks."""
        entry = {"kind": kind, "year": self.month / 12.0, **({} if target is None else {"target": target})}
        intervention = self.reform_scenario.replace("intervention", interventions=[entry]).interventions[0]
        self.batch.schedule(intervention)
        return intervention

    @property
    def relapse_month(self) -> int | None:
        month = int(self.batch.world.tally.relapse_month[0])
        return None if month < 0 else month

    @property
    def phase_start_months(self) -> list[int]:
        return [0, *(month for month, kind, _ in self.events if kind == "phase")]

    @property
    def indicators(self) -> dict[str, float]:
        """This month's indicators."""
        names = self.batch.indicator_names() if self.collect_all else self.batch.indicators
        return {name: float(self.batch.indicator(name)[0]) for name in names}

    @property
    def observed(self) -> dict[str, float]:
        """This month's indicators as monitoring reports them (noisy, manipulated)."""
        return {name: float(values[0]) for name, values in self.batch.observed.items()}

    def provenance(self) -> dict[str, Any]:
        """What reproduces this run: seed, scenario and strategy identity, versions, git commit."""
        return provenance(seed=self.seed, scenario=self.reform_scenario.name, strategy=self.strategy.name,
                          scenario_sha256=self.reform_scenario.content_hash())

    def summary(self) -> dict[str, Any]:
        """Run-level outcomes (see :func:`sim.outcomes.summarise`)."""
        return self.batch.summaries()[0]
