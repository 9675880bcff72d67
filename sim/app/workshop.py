"""Workshop mode's logic: turns, the intervention menu, the decision log and the final comparison.

A team plays one run. It starts with no reform programme (its strategy is a single phase
with no effort) and, at each decision point, picks one or two interventions; the app hands
them to the model (:meth:`sim.ReformModel.intervene`), whose ``interventions`` stage applies
them at the start of the next month (:mod:`sim.stages.interventions`: the same code a
scenario file's ``interventions`` entries go through), and the model advances one turn. After the last turn the model
runs on to the scenario's horizon with the team's last choices in place, exactly as a
shipped strategy's last phase stays in place, so the team's outcome and the strategies'
outcomes are measured the same way (``model.summary()``: final de facto progress, reform
index, reform success).

The comparison runs every shipped strategy on the same scenario and seeds (the team's seed
and the next few). They are independent of the team's choices, so they are computed once
per (scenario, seeds) and cached; the app starts them in the background when a workshop
begins, so they are ready by the last turn.

A choice that would change nothing in the model (funding a pillar already at full effort,
tightening conditionality when no donor is left, two choices that cancel out) is refused
before the turn is played, with the reason: a wasted turn teaches a room nothing, and the
room can pick again. Whether a choice changes anything is found by a dry run: the
interventions stage's own code (:data:`sim.stages.interventions.APPLY`) applied to a copy of
the model's world, whose every array is compared before and after.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy.stats import percentileofscore

from sim import ReformModel, Scenario, Strategy, load_strategy_file, resolve_scenario, run_seeds
from sim.outcomes import success_rule_text
from sim.scenario import INTERVENTION_TARGETS
from sim.stages.interventions import APPLY
from sim.strategy import STRATEGY_DIR
from sim.world import World

from .setup import SHIPPED_STRATEGIES

MAX_CHOICES_PER_TURN = 2
OUTCOME_MEASURES = {"final_mean_de_facto": "de facto progress", "final_reform_index": "reform index"}
SNAPSHOT_INDICATORS = ("reform_index", "mean_de_facto", "political_will", "public_trust", "violence")


@dataclass(frozen=True)
class Intervention:
    """An entry of the workshop menu: ``key`` is the model's intervention kind; ``target``
    says what the room must also choose ("pillar", "spoiler" or None)."""

    key: str
    label: str
    explanation: str

    @property
    def target(self) -> str | None:
        return INTERVENTION_TARGETS[self.key]


INTERVENTIONS: dict[str, Intervention] = {item.key: item for item in (
    Intervention("fund_pillar", "Fund a pillar", "Raise reform effort on one pillar; aid follows effort."),
    Intervention("scale_back_pillar", "Scale back a pillar", "Lower effort on one pillar: less load, fewer enemies."),
    Intervention("tighten_conditionality", "Tighten conditionality", "Tie more aid to progress and enforce it."),
    Intervention("relax_conditionality", "Relax conditionality", "Untie aid: steadier money, less leverage."),
    Intervention("coopt_spoiler", "Co-opt a spoiler", "Buy a spoiler in; its clients grow more corrupt."),
    Intervention("confront_spoiler", "Confront a spoiler", "Coerce a spoiler; outside spoilers fight back."),
    Intervention("back_civil_society", "Back civil society", "More donor support to NGOs and media."),
    Intervention("train_army", "Train the army", "Security assistance: more professional, more autonomous."),
    Intervention("hold_elections", "Hold elections", "Redraw the leadership's political will: a gamble."),
    Intervention("deploy_peacekeepers", "Deploy peacekeepers", "Hold violence and relapse risk down."),
)}


@dataclass(frozen=True)
class Choice:
    """One intervention the room picked, with its pillar or spoiler where it needs one."""

    intervention: str
    target: str | None = None

    def describe(self) -> str:
        label = INTERVENTIONS[self.intervention].label
        return f"{label}: {self.target}" if self.target else label


@dataclass(frozen=True)
class Decision:
    """A row of the decision log: what was chosen, when, what it did and what the room saw."""

    turn: int
    month: int
    choice: Choice
    effect: str
    seen: dict[str, float] = field(default_factory=dict)


def goal_text(scenario: Scenario) -> str:
    """What success means on this scenario, in the words of the success rule."""
    rule = scenario.outcomes
    horizon, sustain = scenario.horizon_years, rule.success_sustain_years
    return (f"Success means the reform index is {success_rule_text([rule.threshold], [sustain])}. "
            f"The run ends in year {horizon}, so years {horizon - sustain:g}–{horizon} decide.")


def _arrays(value: object, path: str, seen: set[int]) -> Iterator[tuple[str, np.ndarray]]:
    """Every array reachable from ``value`` (objects, mappings, sequences), with its path.

    Validated inputs (pydantic models: the scenario, the coefficients) are immutable and skipped."""
    if id(value) in seen or isinstance(value, (BaseModel, str, bytes, int, float, type(None))):
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        yield path, value
        return
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    elif hasattr(value, "__dict__"):
        items = vars(value).items()
    else:
        return
    for key, item in items:
        yield from _arrays(item, f"{path}.{key}", seen)


def world_snapshot(world: World) -> dict[str, np.ndarray]:
    """A copy of every array in the world: the whole state a month's stages read and write."""
    return {path: array.copy() for path, array in _arrays(world, "world", set())}


def same_state(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> bool:
    return before.keys() == after.keys() and all(
        np.array_equal(before[path], after[path], equal_nan=before[path].dtype.kind in "fc") for path in before)


def team_scenario(scenario: Scenario) -> Scenario:
    """The scenario with the team in charge: one phase, no effort until the room decides."""
    first_pillar = scenario.pillars[0].name
    strategy = Strategy(name="workshop_team", description="Chosen turn by turn in a workshop.",
                        phases=[{"name": "team", "effort": {first_pillar: 0.0}}])
    return scenario.replace(strategy=strategy)


class Workshop:
    """One team's game: ``turns`` decision points, ``months_per_turn`` apart, on one seed."""

    def __init__(self, scenario: Scenario, seed: int, turns: int = 10, months_per_turn: int = 12,
                 comparison_seeds: int = 5, team: str = "Team 1") -> None:
        if turns < 1 or months_per_turn < 1 or comparison_seeds < 1:
            raise ValueError("turns, months per turn and comparison seeds must each be at least 1")
        if not team.strip():
            raise ValueError("give the team a name (it names the decision log)")
        self.team = team.strip()
        self.started = datetime.now()
        self.scenario = scenario
        self.seed = seed
        self.months_per_turn = months_per_turn
        self.turns = min(turns, math.ceil(scenario.steps / months_per_turn))
        self.seeds = tuple(range(seed, seed + comparison_seeds))
        self.model = ReformModel(team_scenario(scenario), rng=seed)
        self.turn = 1
        self.decisions: list[Decision] = []

    @property
    def finished(self) -> bool:
        return self.turn > self.turns

    def options(self, intervention: str) -> list[str]:
        """What the room can aim an intervention at: the pillars, or the spoilers, of this scenario."""
        target = INTERVENTIONS[intervention].target
        state = self.model.state
        if target == "pillar":
            return list(state.pillar_names)
        if target == "spoiler":
            return list(dict.fromkeys(state.member_of[i] for i in state.types["spoiler"].index))
        return []

    def validate(self, choices: Sequence[Choice]) -> None:
        """Raise ValueError, with a message for the room, for an empty, long or incomplete pick,
        or one that would change nothing in the model."""
        if not 1 <= len(choices) <= MAX_CHOICES_PER_TURN:
            raise ValueError(f"choose one or two interventions (got {len(choices)})")
        for choice in choices:
            if choice.intervention not in INTERVENTIONS:
                raise ValueError(f"unknown intervention '{choice.intervention}'")
            options = self.options(choice.intervention)
            if options and choice.target not in options:
                raise ValueError(f"{INTERVENTIONS[choice.intervention].label}: choose one of {', '.join(options)}")
            if not options and INTERVENTIONS[choice.intervention].target:
                raise ValueError(f"{INTERVENTIONS[choice.intervention].label}: this scenario has none")
        self.refuse_choices_without_effect(choices)

    def refuse_choices_without_effect(self, choices: Sequence[Choice]) -> None:
        """Raise ValueError when a choice, after the ones before it this turn, would change
        nothing, or when the choices together would cancel out; found by a dry run on a copy of
        the world with the interventions stage's own code, so it is what the next month would do."""
        world = copy.deepcopy(self.model.batch.world)
        start = before = world_snapshot(world)
        for position, choice in enumerate(choices):
            effect = APPLY[choice.intervention](world, choice.target)[0]
            after = world_snapshot(world)
            if same_state(before, after):
                again = " after the first choice" if position else ""
                raise ValueError(f"refused: {choice.describe()} would change nothing{again} ({effect}); "
                                 "choose something else")
            before = after
        if len(choices) > 1 and same_state(start, before):
            raise ValueError(f"refused: {' and '.join(c.describe() for c in choices)} cancel each other out; "
                             "choose something else")

    def play_turn(self, choices: Sequence[Choice]) -> list[Decision]:
        """Apply the room's choices, then advance to the next decision point (or, after the
        last turn, on to the scenario's horizon)."""
        if self.finished:
            raise ValueError("the workshop is over")
        self.validate(choices)
        seen = {name: float(self.model.indicators[name]) for name in SNAPSHOT_INDICATORS}
        month = self.model.month
        for choice in choices:
            self.model.intervene(choice.intervention, choice.target)
        self.model.run(min(self.months_per_turn, self.model.reform_scenario.steps - self.model.month))
        effects = [detail for acted, kind, detail in self.model.events if kind == "intervention" and acted == month + 1]
        made = [Decision(self.turn, month, choice, effect.split(": ", 2 if choice.target else 1)[-1], seen)
                for choice, effect in zip(choices, effects)]
        self.decisions.extend(made)
        self.turn += 1
        if self.finished:
            self.model.run()
        return made

    def decision_log_csv(self) -> str:
        """The decision log as CSV, one row per intervention, with what the room saw when choosing."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["team", "scenario", "seed", "turn", "month", "year", "intervention", "target", "effect",
                         *(f"{name}_when_chosen" for name in SNAPSHOT_INDICATORS)])
        for d in self.decisions:
            writer.writerow([self.team, self.scenario.name, self.seed, d.turn, d.month, f"{d.month / 12:.1f}",
                             INTERVENTIONS[d.choice.intervention].label, d.choice.target or "", d.effect,
                             *(f"{d.seen[name]:.4f}" for name in SNAPSHOT_INDICATORS)])
        return out.getvalue()

    def decision_log_filename(self) -> str:
        """``decision_log_<team>_<start date and time>.csv``, the team's name kept to letters,
        digits, '-' and '_' so every system accepts it and each team's file is told apart."""
        team = re.sub(r"[^A-Za-z0-9_-]+", "-", self.team).strip("-") or "team"
        return f"decision_log_{team}_{self.started:%Y-%m-%d_%H%M}.csv"


@dataclass(frozen=True)
class Outcome:
    """The team's result set against the shipped strategies' runs."""

    success: bool
    values: dict[str, float]          # the team's final value of each OUTCOME_MEASURES entry
    percentiles: dict[str, float]     # its percentile among the comparison runs
    comparison: pd.DataFrame          # one row per (strategy, seed)

    def headline(self) -> str:
        progress = self.percentiles["final_mean_de_facto"]
        return (f"Your path: {'success' if self.success else 'no lasting success'}; "
                f"{ordinal(round(progress))} percentile of de facto progress")


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


_COMPARISONS: dict[tuple[str, tuple[int, ...]], pd.DataFrame] = {}
_COMPARISONS_LOCK = threading.Lock()
_COMPARISONS_KEPT = 16


def comparison_runs(scenario: Scenario, seeds: Sequence[int]) -> pd.DataFrame:
    """Every shipped strategy on this scenario and these seeds, cached (they ignore the team).

    The lock is held while computing, so the final screen waits for a background computation
    of the same runs instead of repeating it."""
    key = (scenario.content_hash(), tuple(seeds))
    with _COMPARISONS_LOCK:
        if key not in _COMPARISONS:
            if len(_COMPARISONS) >= _COMPARISONS_KEPT:
                _COMPARISONS.pop(next(iter(_COMPARISONS)))
            _COMPARISONS[key] = _run_strategies(scenario, key[1])
        return _COMPARISONS[key].copy()


def _run_strategies(scenario: Scenario, seeds: tuple[int, ...]) -> pd.DataFrame:
    """One call to the batch engine for every strategy and seed: the strategies share the scenario's layout,
    so their runs step together as one batch (:mod:`sim.batching`)."""
    pairs = [(name, seed) for name in SHIPPED_STRATEGIES for seed in seeds]
    strategies = {name: resolve_scenario(scenario, load_strategy_file(STRATEGY_DIR / f"{name}.yaml"))
                  for name in SHIPPED_STRATEGIES}
    runs = run_seeds([strategies[name] for name, _ in pairs], [seed for _, seed in pairs])
    return pd.DataFrame([{"strategy": name, "seed": seed, "reform_success": bool(summary["reform_success"]),
                          **{measure: float(summary[measure]) for measure in OUTCOME_MEASURES}}
                         for (name, seed), summary in zip(pairs, runs.summaries)])


def outcome(workshop: Workshop, comparison: pd.DataFrame) -> Outcome:
    """The team's final outcome and its percentile among the comparison runs (ties count half)."""
    summary = workshop.model.summary()
    values = {measure: float(summary[measure]) for measure in OUTCOME_MEASURES}
    percentiles = {measure: float(percentileofscore(comparison[measure], value, kind="mean"))
                   for measure, value in values.items()}
    return Outcome(bool(summary["reform_success"]), values, percentiles, comparison)
