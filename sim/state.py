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
    """The whole mutable state of a run, or of a batch of runs (:func:`build_states`).

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


def _normalised(weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    return weights / total if total > 0 else weights


#: The shared arrays whose values are jittered (each type's own are its :data:`STATE_FIELDS`).
SHARED_JITTERED = ("susceptibility", "stance", "corruption")


@dataclass
class _Blueprint:
    """One scenario's agents before jitter: the layout (types, names, roles) and, in the order
    their normals are drawn, the centre and spread of every jittered entry (one per agent and
    field: a member's agents field by field, members in type then file order)."""

    actor_type: np.ndarray
    names: list[str]
    member_of: list[str]
    influence: np.ndarray
    type_index: dict[str, np.ndarray]
    centre: np.ndarray          # (entries,) each jittered entry's member value
    spread: np.ndarray          # (entries,) its standard deviation (the member's heterogeneity)
    drawn: np.ndarray           # (entries,) bool: a normal is drawn (not for non-officials' zero corruption)
    destination: dict[str, np.ndarray]  # array key -> its agents' entry positions, in agent order
    columns: dict[str, dict[str, np.ndarray]]  # per type, the arrays that are not jittered
    pillar_names: list[str]
    pillar_lead: np.ndarray
    spoiler_rents: np.ndarray


def _blueprint(scenario: Scenario) -> _Blueprint:
    """Read a scenario's members into a :class:`_Blueprint` (no random numbers)."""
    actor_type: list[np.ndarray] = []
    names: list[str] = []
    member_of: list[str] = []
    influence: list[np.ndarray] = []
    entries: list[tuple[str, float, float, int, bool]] = []  # key, centre, spread, count, drawn
    type_index: dict[str, np.ndarray] = {}
    columns: dict[str, dict[str, np.ndarray]] = {}
    rents_rows: list[np.ndarray] = []
    pillar_names = [p.name for p in scenario.pillars]

    for code, type_name in enumerate(ACTOR_TYPES):
        block = getattr(scenario.actors, type_name)
        start = len(names)
        parts: dict[str, list[np.ndarray]] = {}
        for member in block.members:
            count = member.count
            sd = member_value(block, member, "heterogeneity")
            names.extend([member.name] if count == 1 else [f"{member.name}_{k}" for k in range(count)])
            member_of.extend([member.name] * count)
            actor_type.append(np.full(count, code))
            influence.append(np.full(count, member_value(block, member, "influence"), dtype=float))
            official = type_name in CORRUPTIBLE
            entries += [
                ("susceptibility", member_value(block, member, "susceptibility"), sd, count, True),
                ("stance", member_value(block, member, "political_will" if type_name == "ministry" else "stance"),
                 sd, count, True),
                ("corruption", member_value(block, member, "corruption") if official else 0.0, sd, count, official),
                *((f"{type_name}.{name}", member_value(block, member, name), sd, count, True)
                  for name in STATE_FIELDS[type_name]),
            ]
            _extra_columns(type_name, block, member, count, parts, pillar_names, rents_rows)
        if not block.members:  # a type without agents still has every array, empty (the type's own values)
            _extra_columns(type_name, block, block, 0, parts, pillar_names, rents_rows)
        columns[type_name] = {name: np.concatenate(pieces) for name, pieces in parts.items()}
        type_index[type_name] = np.arange(start, len(names))

    counts = np.array([entry[3] for entry in entries], dtype=np.int64)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    positions: dict[str, list[np.ndarray]] = {key: [] for key in SHARED_JITTERED}
    positions.update({f"{t}.{name}": [] for t, names_ in STATE_FIELDS.items() for name in names_})
    for entry, start, count in zip(entries, first, counts):
        positions[entry[0]].append(np.arange(start, start + count))
    destination = {key: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
                   for key, parts in positions.items()}
    ministry_members = [member.name for member in scenario.actors.ministry.members]  # one agent each
    return _Blueprint(
        actor_type=np.concatenate(actor_type).astype(int) if actor_type else np.zeros(0, dtype=int),
        names=names, member_of=member_of,
        influence=np.concatenate(influence) if influence else np.zeros(0),
        type_index=type_index,
        centre=np.repeat(np.array([entry[1] for entry in entries], dtype=float), counts),
        spread=np.repeat(np.array([entry[2] for entry in entries], dtype=float), counts),
        drawn=np.repeat(np.array([entry[4] for entry in entries], dtype=bool), counts),
        destination=destination, columns=columns, pillar_names=pillar_names,
        pillar_lead=np.array([ministry_members.index(p.lead) for p in scenario.pillars], dtype=int),
        spoiler_rents=np.vstack(rents_rows) if rents_rows else np.zeros((0, len(pillar_names))),
    )


def build_states(scenarios: Sequence[Scenario], generators: Sequence[np.random.Generator]) -> ReformState:
    """The state of a batch at month 0: replication r's agents expanded from ``scenarios[r]``
    (all sharing a layout, :mod:`sim.batching`), with agent-level jitter drawn from
    ``generators[r]``.

    Jitter: each agent's value of each index field is its member's value plus a normal draw of
    s.d. ``heterogeneity``, clipped to [0, 1]. The draw is taken whatever the value, so changing
    one value does not shift every later draw, and values at the ends of [0, 1] are deliberate
    (no peacekeeping, say) and stay. A replication's normals are one draw, in the order of the
    entries (a member's agents field by field; numpy's generators fill an array number by
    number, so this is the same stream as one draw per member and field), and each scenario is
    read once however many replications run it: building costs a few array operations per
    batch, not per agent or per member."""
    blueprints: dict[int, _Blueprint] = {}
    for scenario in scenarios:
        if id(scenario) not in blueprints:
            blueprints[id(scenario)] = _blueprint(scenario)
    distinct = list(blueprints)
    position = {key: number for number, key in enumerate(distinct)}
    which = np.array([position[id(scenario)] for scenario in scenarios], dtype=int)
    layout = blueprints[id(scenarios[0])]

    def per_replication(get) -> np.ndarray:
        return np.stack([np.asarray(get(blueprints[key]), dtype=float) for key in distinct])[which]

    centre, spread = per_replication(lambda b: b.centre), per_replication(lambda b: b.spread)
    normals = np.zeros_like(centre)
    normals[:, layout.drawn] = np.stack([generator.standard_normal(int(layout.drawn.sum())) for generator in generators])
    kept = (centre == 0.0) | (centre == 1.0) | ~layout.drawn
    jittered = np.where(kept, centre, np.clip(centre + spread * normals, 0.0, 1.0))
    values = {key: np.ascontiguousarray(jittered[:, positions]) for key, positions in layout.destination.items()}

    types = {}
    for type_name, index in layout.type_index.items():
        arrays = {name: values[f"{type_name}.{name}"] for name in STATE_FIELDS[type_name]}
        for name, column in layout.columns[type_name].items():
            arrays[name] = column if name in STRUCTURAL_FIELDS else np.stack(
                [blueprints[key].columns[type_name][name] for key in distinct])[which]
        types[type_name] = TypeArrays(index=index, values=arrays)
    types["ministry"].values["leadership_will"] = np.ascontiguousarray(values["stance"][:, layout.type_index["ministry"]])
    return ReformState(
        actor_type=layout.actor_type, names=layout.names, member_of=layout.member_of, influence=layout.influence,
        susceptibility=values["susceptibility"], stance=values["stance"], corruption=values["corruption"],
        types=types, pillar_names=layout.pillar_names, pillar_lead=layout.pillar_lead,
        de_jure=np.array([[p.de_jure for p in scenario.pillars] for scenario in scenarios], dtype=float),
        de_facto=np.array([[p.de_facto for p in scenario.pillars] for scenario in scenarios], dtype=float),
        violence=np.array([[scenario.context.initial_violence] for scenario in scenarios], dtype=float),
        spoiler_rents=layout.spoiler_rents,
    )


def build_state(scenario: Scenario, rng: np.random.Generator) -> ReplicationState:
    """One run's state at month 0 (:func:`build_states` for a batch of one, seen as that run)."""
    return ReplicationState(build_states([scenario], [rng]))


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
