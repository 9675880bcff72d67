"""Which runs can share a batch, and the values a batch holds per replication.

A batch (:class:`sim.dynamics.ReformBatch`) steps R replications together. They need not run
the same scenario: Sobol designs, calibration particles, synthetic countries and posterior
draws are many parameter sets with few runs each, and stepping them one parameter set at a
time would cost 12x per run (issue 15). Replications can share a batch when they share a
*layout*: the same actors (types, members, counts, influence weights, roles), pillars and
leads, network structure rules, mechanisms switched on, events, interventions and horizon.
Everything else may differ per replication:

- values read once, when a replication's actors and network are built (initial indices,
  jitter, donors' budgets and horizons, tie degrees and weights, pillar form, function
  and pace): each replication is built from its own scenario, as it would be alone;
- the strategy, whole (:data:`PER_REPLICATION_BLOCKS`): each replication follows its own
  phases, start conditions, efforts and adaptation; the strategy stage loops over the
  batch's distinct strategies (a handful), never over replications;
- values read every month (mechanism coefficients, context values such as monitoring noise):
  :func:`batch_values` holds them as a shared scalar where every replication has the same
  value (no cost where nothing varies) and as an (R, 1) array where they differ, so one
  implementation of each mechanism serves both, with no loop over replications;
- the success rule (``outcomes``), applied per replication when summarising.

:data:`PER_REPLICATION` and :data:`PER_REPLICATION_BLOCKS` list these fields as data;
:func:`layout_key` is the scenario without them, and two scenarios with the same key can share
a batch. A run's numbers are the
same bit for bit whatever shares its batch (tested, for random mixes of design points).
"""

from __future__ import annotations

import hashlib
import json
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from pydantic import BaseModel

from .state import STATE_FIELDS

#: Actor fields whose values each replication may hold its own of: everything an agent's
#: initial state is built from, but not what fixes the layout (counts, influence weights,
#: kinds, pillars, coup capability, spoiler types, positions and rents).
ACTOR_VALUES: tuple[str, ...] = tuple(dict.fromkeys((
    "heterogeneity", "susceptibility", "stance", "political_will", "corruption",
    *(name for names in STATE_FIELDS.values() for name in names),
    "budget", "patience_years", "horizon_years",
)))

#: Scenario fields (dotted patterns, ``*`` for any key or list position) whose non-boolean
#: values may differ between the replications of one batch. Booleans (mechanisms switched on,
#: ``post_conflict``) stay part of the layout: they decide which stages run.
PER_REPLICATION: tuple[str, ...] = (
    "name", "description",
    "context.*", "mechanisms.*.*", "outcomes.*",
    "pillars.*.de_jure", "pillars.*.de_facto", "pillars.*.pace",
    "network.rules.*.mean_degree", "network.rules.*.weight", "network.ties.*.weight",
    *(f"actors.*.{name}" for name in ACTOR_VALUES),
    *(f"actors.*.members.*.{name}" for name in ACTOR_VALUES),
)
#: Top-level blocks that may differ whole between the replications of one batch.
PER_REPLICATION_BLOCKS: tuple[str, ...] = ("strategy",)


def _pattern_tree(patterns: Sequence[str]) -> dict[str, Any]:
    """The patterns as a tree of path parts; an empty mapping ends a pattern."""
    tree: dict[str, Any] = {}
    for pattern in patterns:
        node = tree
        for part in pattern.split("."):
            node = node.setdefault(part, {})
    return tree


_PER_REPLICATION_TREE = _pattern_tree(PER_REPLICATION)


def _leaves(node: Any, tree: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths (keys and list positions) of the non-boolean leaves of ``node`` that a pattern of
    ``tree`` matches, in one walk over the data."""
    items = enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else ()
    for key, value in items:
        for subtree in (tree.get(key) if isinstance(key, str) else None, tree.get("*")):
            if subtree is None:
                continue
            if subtree:
                yield from _leaves(value, subtree, (*path, key))
            elif not isinstance(value, (bool, dict, list)):
                yield (*path, key)


def _every_leaf(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    items = enumerate(node) if isinstance(node, list) else node.items() if isinstance(node, dict) else None
    if items is None:
        yield path
        return
    for key, value in items:
        yield from _every_leaf(value, (*path, key))


def per_replication_paths(scenario: BaseModel) -> list[str]:
    """The dotted paths of this scenario's values that may differ within a batch
    (:data:`PER_REPLICATION`, and every leaf of :data:`PER_REPLICATION_BLOCKS`)."""
    data = scenario.model_dump(mode="json")
    paths = [*_leaves(data, _PER_REPLICATION_TREE),
             *(leaf for block in PER_REPLICATION_BLOCKS if block in data for leaf in _every_leaf(data[block], (block,)))]
    return list(dict.fromkeys(".".join(map(str, path)) for path in paths))


#: Layout keys of the scenarios alive, by ``id`` (an entry leaves with its scenario, so an id
#: is never reused while its entry stands). Scenarios are immutable, so a key never goes stale.
_LAYOUT_KEYS: dict[int, str] = {}


def layout_key(scenario: BaseModel) -> str:
    """What replications of one batch must share: the scenario with :data:`PER_REPLICATION`
    blanked and :data:`PER_REPLICATION_BLOCKS` left out, as a digest. Equal keys can share a
    batch. Computed once per scenario object (a
    sweep's design points and a calibration's countries ask many times)."""
    key = _LAYOUT_KEYS.get(id(scenario))
    if key is None:
        key = _LAYOUT_KEYS[id(scenario)] = _layout_digest(scenario)
        weakref.finalize(scenario, _LAYOUT_KEYS.pop, id(scenario), None)
    return key


def _layout_digest(scenario: BaseModel) -> str:
    data = scenario.model_dump(mode="json", exclude=set(PER_REPLICATION_BLOCKS))
    for *parents, last in list(_leaves(data, _PER_REPLICATION_TREE)):
        node = data
        for key in parents:
            node = node[key]
        node[last] = None
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class BatchValues:
    """A block of values for a batch of replications (read-only): each attribute is the
    replications' shared value, or an (R, 1) array where they differ; a nested block is a
    :class:`BatchValues` (or the shared model) itself. Iterating gives (name, value) pairs,
    as a pydantic model does, so ``dict(block)`` serves both."""

    def __init__(self, values: dict[str, Any]) -> None:
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a batch's values are read-only")

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._values.items())

    def __repr__(self) -> str:
        varying = [name for name, value in self._values.items() if isinstance(value, (np.ndarray, BatchValues))]
        return f"BatchValues(varying: {', '.join(varying) or 'none'})"


def batch_values(models: Sequence[BaseModel], where: str) -> BaseModel | BatchValues:
    """One block of values for replications holding ``models`` (one per replication).

    Where every replication has the same block, that block itself (no cost); otherwise a
    :class:`BatchValues` whose float fields that differ are (R, 1) arrays. Any other field
    that differs (a switch, a count, a name) cannot vary within a batch: ValueError naming
    ``where`` and the field (:func:`layout_key` keeps such scenarios apart)."""
    first = models[0]
    if all(model is first or model == first for model in models[1:]):
        return first
    values: dict[str, Any] = {}
    for name in type(first).model_fields:
        column = [getattr(model, name) for model in models]
        if isinstance(column[0], BaseModel):
            values[name] = batch_values(column, f"{where}.{name}")
        elif all(value == column[0] for value in column[1:]):
            values[name] = column[0]
        elif all(isinstance(value, float) for value in column):
            values[name] = np.array(column, dtype=float)[:, None]
        else:
            raise ValueError(f"{where}.{name} differs between replications of one batch, and only numbers may "
                             f"(got {sorted(set(map(repr, column)))[:4]}); run them in separate batches")
    return BatchValues(values)
