"""What a step reads and writes: the world of a batch of R replications, as named state.

A stage of the step (:mod:`sim.stages`) is a function of a :class:`World`. The world holds
three kinds of thing, and nothing else passes between stages:

- **inputs fixed for the run**: the layout the replications share (their scenario, or the
  first one's where they run different design points: :mod:`sim.batching`), the mechanism
  coefficients and context values (shared scalars, or (R, 1) arrays where replications
  differ), the networks' matrices, the strategy's effort per phase, the interventions due
  (scenario + scheduled);
- **state carried from month to month**: the actors' arrays (:class:`ReformState`), the
  reform programme in force (:class:`Programme`), what monitoring reports
  (:class:`Monitoring`), donors' money, last month's overload, and the run's record of
  relapses, coups and events (:class:`Tally`);
- **this month's flows**, written by one stage and read by later ones in the same month:
  the random numbers (:class:`Draws`), the money (:class:`Funding`), spoilers' pressure
  (:class:`SpoilerPressure`) and the share of funds diverted.

Shapes: per-actor arrays are (R, n), per-pillar (R, P), and a model-level quantity is (R, 1)
so it broadcasts over actors and pillars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

import numpy as np

from .mechanisms.common import row_total, shares, weighted_total
from .network import NetworkMatrices
from .batching import BatchValues
from .scenario import Context, Intervention, Mechanisms, Scenario
from .state import ReformState
from .strategy import Strategy


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
    yearly_gain: np.ndarray      # (R, donors): each donor's perceived progress over the past year
    flexible_share: np.ndarray   # (R, 1)
    peacekeeping: np.ndarray     # (R, 1)
    assistance: np.ndarray       # (R, 1)


class SpoilerPressure(NamedTuple):
    """This month's pressure from spoilers, on pillars and through patronage ties."""

    threatened: np.ndarray       # (R, spoilers): rents each spoiler stands to lose
    strength: np.ndarray         # (R, spoilers): effective strength (zero when the mechanism is off)
    obstruction: np.ndarray      # (R, P)
    violence: np.ndarray         # (R, 1): push on violence from outside spoilers
    capture: np.ndarray          # (R, actors), through patronage ties
    threat: np.ndarray           # (R, actors), through patronage ties


@dataclass
class Programme:
    """The reform programme in force, per replication (the strategy stage and interventions set it)."""

    phase_index: np.ndarray            # (R,) current phase
    phases_started: np.ndarray         # (R,) phases begun so far, the first included
    effort: np.ndarray                 # (R, P) reform effort per pillar, on [0, 1]
    committed_shares: np.ndarray       # (R, P) where earmarked money goes (set when a phase starts)
    previous_period: np.ndarray        # (R, P) mean observed function over the last review period
    period_total: np.ndarray           # (R, P) observed function summed over the months of this one
    period_months: np.ndarray          # (R, 1) months in this review period so far
    estimated_returns: np.ndarray      # (R, P) what adaptation has learnt of each pillar's return
    reviews: np.ndarray                # (R, 1) adaptive reviews held so far


@dataclass
class Monitoring:
    """What monitoring and evaluation report: noisy, and inflated toward form."""

    observed_function: np.ndarray                                    # (R, P)
    perceived_history: np.ndarray                                    # (12, R, donors): by month of the year
    indicators: dict[str, np.ndarray] = field(default_factory=dict)  # true values this month, (R,) each
    observed: dict[str, np.ndarray] = field(default_factory=dict)    # as reported, (R,) each


@dataclass
class Tally:
    """What has happened: relapse, coups, and each replication's event log (month, kind, detail)."""

    relapse_month: np.ndarray          # (R,) -1: none (yet)
    coup_attempts: np.ndarray          # (R,)
    coup_successes: np.ndarray         # (R,)
    events: list[list[tuple[int, str, str]]]


@dataclass
class World:
    """Everything the stages of a step read and write, for R replications of one layout.

    Stages read the layout (events, switches, pillars) from ``scenario``, each replication's
    strategy through ``strategies`` and ``strategy_of``, and every value that may differ per
    replication from ``params``, ``context`` and the arrays below: never ``scenario.strategy``,
    ``scenario.mechanisms`` or ``scenario.context``."""

    scenario: Scenario                 # the layout (the first replication's scenario)
    strategies: list[Strategy]         # the batch's distinct strategies
    strategy_of: np.ndarray            # (R,) each replication's strategy (a position in ``strategies``)
    params: Mechanisms | BatchValues   # mechanism coefficients: scalars, (R, 1) where replications differ
    context: Context | BatchValues     # the context's values, likewise
    matrices: NetworkMatrices
    phase_efforts: np.ndarray          # (R, phases, P): each replication's strategy's effort per phase
    state: ReformState
    programme: Programme
    monitoring: Monitoring
    tally: Tally
    donor_funding: np.ndarray          # (R, 1) aid after fragmentation losses, this month
    overload: np.ndarray               # (R, ministries) overload at the last capability update
    civil_society_support: np.ndarray  # (R, 1) donor support to civil society (interventions raise it)
    election_called: np.ndarray        # (R,) an election is due this month (interventions call one)
    pillar_returns: np.ndarray         # (R, P) how tractable each pillar is here (drawn; unknown to strategies)
    pillar_pace: np.ndarray            # (R, P) each pillar's pace (scenario), relative to the de facto rate
    interventions: list[Intervention] = field(default_factory=list)
    month: int = 0
    # This month's flows.
    draws: Draws | None = None
    funding: Funding | None = None
    pressure: SpoilerPressure | None = None
    diversion: np.ndarray | None = None   # (R, P) share of each pillar's funds diverted
    effort: np.ndarray | None = None      # (R, P) effort in force: the programme's plus domestic reform

    @cached_property
    def coefficients(self) -> dict[str, dict[str, float | np.ndarray]]:
        """Mechanism blocks as mappings, for the mechanisms that take their coefficients as one."""
        return {name: dict(getattr(self.params, name)) for name in ("corruption", "political_will", "security")}

    @property
    def replications(self) -> int:
        return len(self.tally.events)

    # --- quantities several stages read ----------------------------------------------------
    def political_will(self) -> np.ndarray:
        """Influence-weighted reform stance of the ministries, (R, 1)."""
        ministries = self.state.types["ministry"]
        return self.state.type_mean("ministry", self.state.stance[:, ministries.index])

    def sector_corruption(self) -> np.ndarray:
        """Influence-weighted corruption of ministries, forces and parliament, (R, 1)."""
        state = self.state
        return weighted_total(state.corruption[:, state.corruptible], state.corruptible_weights)

    def pillar_function(self, pillar: str, missing: float) -> np.ndarray | float:
        """De facto function of a pillar, (R, 1); ``missing`` where the scenario lacks it."""
        position = self.state.pillar(pillar)
        return missing if position is None else self.state.de_facto[:, position:position + 1]

    def programme_running(self) -> np.ndarray:
        """(R, 1): some effort is on some pillar (donors fund, and condition, a programme only)."""
        return row_total(self.programme.effort) > 0

    def commit(self, rows: np.ndarray) -> None:
        """Earmarked money follows the effort now in force, in these replications."""
        self.programme.committed_shares[rows] = shares(self.programme.effort[rows])

    def strategy_rows(self) -> list[tuple[Strategy, np.ndarray]]:
        """Each distinct strategy of the batch with the mask of the replications that follow it."""
        return [(strategy, self.strategy_of == position) for position, strategy in enumerate(self.strategies)]

    # --- the schedule ------------------------------------------------------------------------
    def event_strength(self, kind: str) -> float:
        """Total strength of the scenario's events of this kind in force this month (month m
        covers the time from m - 1 to m, so an event from year 0 lasting a year acts in months 1-12)."""
        return sum(e.strength for e in self.scenario.events
                   if e.kind == kind and 12 * e.start_year <= self.month - 1 < 12 * (e.start_year + e.duration_years))

    def event_onset(self, kind: str) -> float:
        """Total strength of the scenario's events of this kind starting this month."""
        return sum(e.strength for e in self.scenario.events
                   if e.kind == kind and self.month == round(12 * e.start_year) + 1)

    def interventions_due(self) -> list[Intervention]:
        """Interventions that act this month: the first month after their year."""
        return [i for i in self.interventions if self.month == round(12 * i.year) + 1]

    def log(self, rows: np.ndarray | range, kind: str, detail: str = "") -> None:
        """Add an event to the log of each replication in ``rows`` (indices or a mask)."""
        indices = np.flatnonzero(rows) if isinstance(rows, np.ndarray) and rows.dtype == bool else rows
        for row in indices:
            self.tally.events[row].append((self.month, kind, detail))
