"""Actor state as arrays (a struct of arrays), built from a scenario.

Every actor has a global index into the shared arrays (stance, influence, corruption), and
each type keeps its own arrays with ``index`` mapping its rows to global indices. The Mesa
agents in :mod:`sim.agents` are views onto these rows.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .scenario import ACTOR_TYPES, ActorBlock, Scenario, member_value
from .mechanisms.common import weighted_total
from .mechanisms.spoilers import COOPTABLE_TYPES, RESOLVE

#: Per-type fields that are indices on [0, 1] and get agent-level jitter.
STATE_FIELDS: dict[str, tuple[str, ...]] = {
    "ministry": ("capacity", "absorptive_capacity"),
    "security_force": ("professionalism", "political_autonomy", "abuse", "loyalty", "effectiveness"),
    "parliament": ("oversight_capacity", "independence", "legal_mandates"),
    "civil_society": ("monitoring", "mobilisation", "trust"),
    "donor": ("conditionality", "enforcement", "coordination", "flexibility", "visibility_preference",
              "security_assistance", "peacekeeping"),
    "spoiler": ("strength", "cooptability"),
}
CORRUPTIBLE = ("ministry", "security_force", "parliament")
#: Per-type arrays that are not indices on [0, 1] (money, months, multipliers).
NON_INDEX_FIELDS = frozenset({"budget", "patience", "full_patience", "horizon_month", "exit_month", "resolve"})
#: Per-type arrays no replication changes: categories and roles, part of the layout the
#: replications of a batch share (:mod:`sim.batching`). They stay 1-D in a batch; every other
#: array (donors' budgets and horizons included) gets a leading replication axis.
STRUCTURAL_FIELDS = frozenset({"pillar", "coup_capable", "resolve", "cooptable", "inside"})
#: Per-type arrays that are not a state to follow month by month (fixed for the run, or a
#: month): no per-type series is recorded of them.
UNRECORDED_FIELDS = frozenset({"budget", "full_patience", "horizon_month", "exit_month"})
#: Shared arrays that vary by replication (jittered, or changed by the step).
REPLICATED_FIELDS = ("susceptibility", "stance", "corruption", "de_jure", "de_facto", "violence")


@dataclass
class TypeArrays:
    """One actor type's rows: global ``index`` plus named arrays."""

    index: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __len__(self) -> int:
        return len(self.index)


@dataclass
class ReformState:
    """The whole mutable state of a run, or of a batch of runs (:func:`stack_states`).

    In a batch, the arrays of :data:`REPLICATED_FIELDS` and the per-type arrays outside
    :data:`STRUCTURAL_FIELDS` carry a leading replication axis, and ``violence`` is (R, 1).
    """

    actor_type: np.ndarray          # code into ACTOR_TYPES, per actor
    names: list[str]                # agent names ("police_3" for the 4th of member "police")
    member_of: list[str]            # the scenario member each agent came from
    influence: np.ndarray
    susceptibility: np.ndarray
    stance: np.ndarray
    corruption: np.ndarray          # rent-seeking share; zero and unused for non-state actors
    types: dict[str, TypeArrays]
    pillar_names: list[str]
    pillar_lead: np.ndarray         # ministry row (not global index) leading each pillar
    de_jure: np.ndarray
    de_facto: np.ndarray
    violence: float | np.ndarray
    spoiler_rents: np.ndarray       # spoilers x pillars

    def __post_init__(self) -> None:
        self.corruptible = self.mask(*CORRUPTIBLE)
        # Influence weights normalised within each type, for the many per-type means a step takes.
        self.type_weights = {name: _normalised(self.influence[arrays.index]) for name, arrays in self.types.items()}
        self.corruptible_weights = _normalised(self.influence[self.corruptible])

    def mask(self, *actor_types: str) -> np.ndarray:
        codes = [ACTOR_TYPES.index(t) for t in actor_types]
        return np.isin(self.actor_type, codes)

    def type_mean(self, actor_type: str, values: np.ndarray) -> np.ndarray:
        """Influence-weighted mean of one type's values over the last axis, keeping that axis
        ((R, n) gives (R, 1)); 0 for a type with no agents."""
        if values.shape[-1] == 0:
            return np.zeros(values.shape[:-1] + (1,))
        return weighted_total(values, self.type_weights[actor_type])

    def pillar(self, name: str) -> int | None:
        return self.pillar_names.index(name) if name in self.pillar_names else None

    def present_pillars(self, names: Sequence[str]) -> list[int]:
        """Positions of those of ``names`` this scenario has (e.g. the rule of law's pillars)."""
        return [self.pillar_names.index(name) for name in names if name in self.pillar_names]

    def all_arrays(self) -> dict[str, np.ndarray]:
        """Every numeric array, flattened into one dict (used by invariant checks and tests)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)
               if isinstance(getattr(self, f.name), np.ndarray)}
        for type_name, arrays in self.types.items():
            out.update({f"{type_name}.{k}": v for k, v in arrays.values.items()})
        return out


def stack_states(states: list[ReformState]) -> ReformState:
    """One batch state from the states of R replications of one layout: replicated arrays
    stacked on a new leading axis, structural ones taken from the first."""
    first = states[0]

    def stacked(get) -> np.ndarray:
        return np.stack([np.asarray(get(state), dtype=float) for state in states])

    types = {}
    for type_name, arrays in first.types.items():
        values = {name: (column if name in STRUCTURAL_FIELDS
                         else np.stack([state.types[type_name].values[name] for state in states]))
                  for name, column in arrays.values.items()}
        types[type_name] = TypeArrays(index=arrays.index, values=values)
    replicated = {name: stacked(lambda state, name=name: getattr(state, name)) for name in REPLICATED_FIELDS}
    replicated["violence"] = replicated["violence"].reshape(-1, 1)
    return ReformState(
        actor_type=first.actor_type, names=first.names, member_of=first.member_of, influence=first.influence,
        types=types, pillar_names=first.pillar_names, pillar_lead=first.pillar_lead,
        spoiler_rents=first.spoiler_rents, **replicated,
    )


def _normalised(weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    return weights / total if total > 0 else weights


def build_state(scenario: Scenario, rng: np.random.Generator) -> ReformState:
    """Expand scenario members into agents, drawing agent-level jitter from ``rng``."""
    actor_type: list[np.ndarray] = []
    names: list[str] = []
    member_of: list[str] = []
    shared: dict[str, list[np.ndarray]] = {"influence": [], "susceptibility": [], "stance": [], "corruption": []}
    types: dict[str, TypeArrays] = {}
    rents_rows: list[np.ndarray] = []
    pillar_names = [p.name for p in scenario.pillars]

    def jitter(value: float, sd: float, count: int) -> np.ndarray:
        # The draw is taken whatever the value, so changing one value does not shift every
        # later draw; values at the ends of [0, 1] are deliberate (no peacekeeping, say) and stay.
        noise = sd * rng.standard_normal(count)
        return np.full(count, value) if value in (0.0, 1.0) else np.clip(value + noise, 0.0, 1.0)

    for code, type_name in enumerate(ACTOR_TYPES):
        block = getattr(scenario.actors, type_name)
        start = len(names)
        columns: dict[str, list[np.ndarray]] = {}
        for member in block.members:
            count = member.count
            sd = member_value(block, member, "heterogeneity")
            names.extend([member.name] if count == 1 else [f"{member.name}_{k}" for k in range(count)])
            member_of.extend([member.name] * count)
            actor_type.append(np.full(count, code))
            shared["influence"].append(np.full(count, member_value(block, member, "influence"), dtype=float))
            shared["susceptibility"].append(jitter(member_value(block, member, "susceptibility"), sd, count))
            initial_stance = member_value(block, member, "political_will" if type_name == "ministry" else "stance")
            shared["stance"].append(jitter(initial_stance, sd, count))
            corruption = member_value(block, member, "corruption") if type_name in CORRUPTIBLE else 0.0
            shared["corruption"].append(jitter(corruption, sd, count) if type_name in CORRUPTIBLE else np.zeros(count))
            for name in STATE_FIELDS[type_name]:
                columns.setdefault(name, []).append(jitter(member_value(block, member, name), sd, count))
            _extra_columns(type_name, block, member, count, columns, pillar_names, rents_rows)
        if not block.members:  # a type without agents still has every array, empty (the type's own values)
            _extra_columns(type_name, block, block, 0, columns, pillar_names, rents_rows)
        values = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()}
        for name in STATE_FIELDS[type_name]:
            values.setdefault(name, np.zeros(0))
        types[type_name] = TypeArrays(index=np.arange(start, len(names)), values=values)

    arrays = {name: np.concatenate(parts).astype(float) for name, parts in shared.items()}
    ministry_members = [member.name for member in scenario.actors.ministry.members]  # one agent each
    lead = np.array([ministry_members.index(p.lead) for p in scenario.pillars], dtype=int)
    types["ministry"].values["leadership_will"] = arrays["stance"][types["ministry"].index]
    return ReformState(
        actor_type=np.concatenate(actor_type).astype(int),
        names=names,
        member_of=member_of,
        **arrays,
        types=types,
        pillar_names=pillar_names,
        pillar_lead=lead,
        de_jure=np.array([p.de_jure for p in scenario.pillars], dtype=float),
        de_facto=np.array([p.de_facto for p in scenario.pillars], dtype=float),
        violence=scenario.context.initial_violence,
        spoiler_rents=np.vstack(rents_rows) if rents_rows else np.zeros((0, len(pillar_names))),
    )


def _extra_columns(
    type_name: str, block: ActorBlock, member: object, count: int,
    columns: dict[str, list[np.ndarray]], pillar_names: list[str], rents_rows: list[np.ndarray],
) -> None:
    """Non-index fields: categorical codes, budgets, horizons, rents."""
    def add(name: str, value: object, dtype: type = float) -> None:
        columns.setdefault(name, []).append(np.full(count, value, dtype=dtype))

    if type_name == "security_force":
        pillar = member_value(block, member, "pillar")
        add("pillar", pillar_names.index(pillar), int)  # the schema checks the pillar exists
        add("coup_capable", member_value(block, member, "coup_capable"), bool)
    elif type_name == "donor":
        add("budget", member_value(block, member, "budget"))
        patience = 12.0 * member_value(block, member, "patience_years")
        add("patience", patience)
        add("full_patience", patience)
        add("horizon_month", 12.0 * member_value(block, member, "horizon_years"))
        add("active", True, bool)
        add("exit_month", np.nan)
    elif type_name == "spoiler":
        kind = member_value(block, member, "spoiler_type")
        add("resolve", RESOLVE[kind])
        add("cooptable", COOPTABLE_TYPES[kind])
        add("inside", member_value(block, member, "position") == "inside", bool)
        rents = member_value(block, member, "rents")
        row = np.array([rents.get(p, 0.0) for p in pillar_names], dtype=float)
        rents_rows.append(np.tile(row, (count, 1)))


class ReplicationValues(MutableMapping):
    """One replication's rows of a type's arrays: reads and writes go through to the batch."""

    def __init__(self, values: dict[str, np.ndarray], row: int) -> None:
        self._values, self._row = values, row

    def __getitem__(self, name: str) -> np.ndarray:
        column = self._values[name]
        return column if name in STRUCTURAL_FIELDS else column[self._row]

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        if name in STRUCTURAL_FIELDS:
            self._values[name] = value
        else:
            self._values[name][self._row] = value

    def __delitem__(self, name: str) -> None:
        raise TypeError("a state's arrays cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


class ReplicationState:
    """Replication ``row`` of a batch state, with the arrays of a single run: ``stance`` is
    (n,), ``violence`` a float. Reads and writes go through to the batch, so a Mesa agent, the
    app or a test can inspect and edit one run without knowing about batches."""

    def __init__(self, batch: ReformState, row: int = 0) -> None:
        object.__setattr__(self, "_batch", batch)
        object.__setattr__(self, "_row", row)
        object.__setattr__(self, "types", {name: TypeArrays(arrays.index, ReplicationValues(arrays.values, row))
                                           for name, arrays in batch.types.items()})

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._batch, name)
        if name == "violence":
            return float(value[self._row, 0])
        return value[self._row] if name in REPLICATED_FIELDS else value

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in REPLICATED_FIELDS:
            raise AttributeError(f"'{name}' is not a state array a run can change")
        getattr(self._batch, name)[self._row] = value

    def type_mean(self, actor_type: str, values: np.ndarray) -> float:
        return float(self._batch.type_mean(actor_type, values)[0])

    def all_arrays(self) -> dict[str, np.ndarray]:
        """Every numeric array of this replication, flattened into one dict."""
        out = {f.name: np.atleast_1d(getattr(self, f.name)) for f in fields(ReformState)
               if isinstance(getattr(self._batch, f.name), np.ndarray)}
        for type_name, arrays in self.types.items():
            out.update({f"{type_name}.{k}": v for k, v in arrays.values.items()})
        return out
